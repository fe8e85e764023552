#!/usr/bin/env bash
# Builds vmi86 and runs a guest. With no arguments it boots the default guest: Debian 12's i386
# kernel with a busybox initramfs (fetched from the Debian archive on first use) to an interactive
# shell on this terminal (Ctrl-A x quits). Otherwise the arguments go to vmi86 (build/vmi86 --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build >&2
if [ $# -eq 0 ]; then
    images/debian/fetch.sh
    set -- -m 256 --kernel images/cache/debian-i386/vmlinuz \
        --initrd images/cache/debian-i386/initramfs.cpio.gz --append console=ttyS0
fi
exec build/vmi86 "$@"
