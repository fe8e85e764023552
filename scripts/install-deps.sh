#!/usr/bin/env bash
# Installs the Debian packages vmi86 needs to build and test (only the missing ones).
# Usage: scripts/install-deps.sh [extra-package...]
set -euo pipefail
# g++-i686-linux-gnu: the static i386 programs the differential test and the bench run natively
# (not gcc-multilib, which Debian 12 cannot install beside the AArch64 cross compiler).
# g++-aarch64-linux-gnu and qemu-user: the replay test cross-built for AArch64 and run there.
# libmpfr-dev: the correctly rounded reference of the transcendental accuracy unit test.
packages=(cmake ninja-build g++ pkg-config libfmt-dev libcli11-dev doctest-dev nlohmann-json3-dev
          zlib1g-dev libcapstone-dev libmpfr-dev nasm g++-i686-linux-gnu cpio
          g++-aarch64-linux-gnu qemu-user "$@")
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
