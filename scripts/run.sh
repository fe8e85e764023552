#!/usr/bin/env bash
# Builds vmi86 and runs a guest. With no arguments it boots the default guest that ships with the
# repo; otherwise the arguments go to vmi86 (see build/vmi86 --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build >&2
if [ $# -eq 0 ]; then
    set -- --bios build/images/hello/hello.bin
fi
exec build/vmi86 "$@"
