#!/usr/bin/env bash
# Two headless boots of the same guest print the same serial output, byte for byte (virtual time
# follows retired instructions; the RTC starts at a fixed date).
# Usage: determinism_test.sh VMI86 VMLINUZ INITRAMFS
set -u
vmi86=$1 kernel=$2 initrd=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for run in 1 2; do
    "$vmi86" -m 256 --kernel "$kernel" --initrd "$initrd" --append console=ttyS0 \
        --serial "file:$tmp/serial$run.txt" --expect "vmi86-guest: boot complete" \
        --fail-on "Kernel panic" --timeout 600 </dev/null
    status=$?
    [ "$status" -eq 0 ] || { echo "FAIL: run $run ended with status $status"; tail -20 "$tmp/serial$run.txt"; exit 1; }
done
if cmp -s "$tmp/serial1.txt" "$tmp/serial2.txt"; then
    echo "ok   two boots printed the same $(wc -c <"$tmp/serial1.txt") bytes"
    echo "determinism: 1 passed, 0 failed"
else
    echo "FAIL: the two boots printed different output:"
    diff "$tmp/serial1.txt" "$tmp/serial2.txt" | head -20
    echo "determinism: 0 passed, 1 failed"
    exit 1
fi
