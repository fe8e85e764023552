#!/usr/bin/env bash
# The training run of the profile-guided build (scripts/build.sh): guests run on the
# instrumented vmi86 given as $1. The compute benchmark's guest (integer code with paging on)
# always; the VMI test kernel's checks and paravirtual workload under --vmi=fast, rom and off
# (each mode's paths equally: bench/vmi_bench.sh compares them); the first 3.5 G instructions of the default Linux guest (the kernel's decompressor,
# early boot and the start of the crypto self-tests' multi-precision arithmetic) when
# images/debian/fetch.sh has fetched it.
set -euo pipefail
cd "$(dirname "$0")/.."
vmi86=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nasm -f bin -DROUNDS=100 -I bench/guest/ -o "$tmp/compute.bin" bench/guest/compute_rom.asm
"$vmi86" --bios "$tmp/compute.bin" --debugcon /dev/null >/dev/null || [ $? = 1 ]
vmi_guest=$(dirname "$vmi86")/images/vmi-guest/vmi_guest.elf
for mode in fast rom off; do
    "$vmi86" -m 64 --kernel "$vmi_guest" --vmi=$mode >/dev/null || true # 1: all checks passed
    "$vmi86" -m 64 --kernel "$vmi_guest" --vmi=$mode --append workload >/dev/null || true
done
linux=images/cache/debian-i386
if [ -f "$linux/vmlinuz" ] && [ -f "$linux/initramfs.cpio.gz" ]; then
    "$vmi86" -m 256 --kernel "$linux/vmlinuz" --initrd "$linux/initramfs.cpio.gz" \
        --append console=ttyS0 --serial none --max-instructions 3500000000 >/dev/null
fi
echo "pgo-train: profile written" >&2
