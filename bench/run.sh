#!/usr/bin/env bash
# Prints the interpreter's speed on a compute-bound guest with paging on, next to
# qemu-system-i386 (TCG) running the same ROM and the same workload run natively, in one run.
# Usage: bench/run.sh [repetitions]
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-3}
scripts/install-deps.sh qemu-system-x86 bc >&2
scripts/build.sh build >&2
NINJA_TARGETS=bench_programs scripts/build.sh build >&2
rom=build/bench/compute.bin
native=build/bench/native_compute

best() { sort -g | sed -n 1p; }
now() { date +%s.%N; }

# vmi86: instruction count and time from --stats (the guest's own run, no start-up).
# The guest exits through port 0xF4 with 0: status 1 is its success.
vmi86_out=$(for _ in $(seq "$reps"); do build/vmi86 --bios "$rom" --stats 2>&1 >/dev/null || true; done)
insns=$(echo "$vmi86_out" | awk '/guest instructions/ && !n {print $3; n = 1}')
vmi86_t=$(echo "$vmi86_out" | awk '/host time/ {print $3}' | best)
vmi86_sum=$(build/vmi86 --bios "$rom" | sed -n 1p || true)

# QEMU TCG: wall time of the whole process (it starts in a few ms).
qemu_t=$(for _ in $(seq "$reps"); do
    s=$(now)
    qemu-system-i386 -nodefaults -display none -m 32 -bios "$rom" -debugcon file:/dev/null \
        -device isa-debug-exit,iobase=0xf4,iosize=4 >/dev/null 2>&1 </dev/null || true
    e=$(now)
    echo "$e - $s" | bc -l
done | best)
qemu_sum=$(qemu-system-i386 -nodefaults -display none -m 32 -bios "$rom" -debugcon stdio \
    -device isa-debug-exit,iobase=0xf4,iosize=4 2>/dev/null </dev/null | sed -n 1p || true)

native_t=$(for _ in $(seq "$reps"); do "$native" 2000 | sed -n 2p; done | best)
native_sum=$("$native" 2000 | sed -n 1p)

[ "$vmi86_sum" = "$qemu_sum" ] && [ "$vmi86_sum" = "$native_sum" ] || {
    echo "checksums differ: vmi86 $vmi86_sum qemu $qemu_sum native $native_sum" >&2
    exit 1
}
echo "compute-bound guest, paging on: $insns guest instructions, checksum $vmi86_sum (best of $reps)"
printf '%-22s %10s %12s %14s\n' engine "time (s)" "guest MIPS" "time vs QEMU"
row() { printf '%-22s %10.3f %12.1f %13.2fx\n' "$1" "$2" "$(echo "$insns / $2 / 1000000" | bc -l)" "$(echo "$2 / $qemu_t" | bc -l)"; }
row "vmi86 interpreter" "$vmi86_t"
row "qemu-system-i386 TCG" "$qemu_t"
row "native (host CPU)" "$native_t"
