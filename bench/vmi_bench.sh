#!/usr/bin/env bash
# Runs the VMI test kernel's paravirtual workload (address-space switches with SetCR3, PTE updates
# with SetPxE + InvalPage, interrupt masking, IRET round trips, SYSEXIT/SYSENTER system calls)
# under --vmi=fast, --vmi=rom and --vmi=off in one run, and prints the times and ratios.
# Usage: bench/vmi_bench.sh [build-dir] [repetitions]   (best of the repetitions is shown)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
reps=${2:-3}
NINJA_TARGETS="vmi86 vmi_guest" scripts/build.sh "$build" >&2
kernel=$build/images/vmi-guest/vmi_guest.elf

out=$(mktemp)
trap 'rm -f "$out"' EXIT
# CPU time of the process (user + system, to the millisecond): steadier than wall time on a
# shared host.
TIMEFORMAT='%3U %3S'
declare -A time insns calls sum
for mode in fast rom off; do
    best=
    for _ in $(seq "$reps"); do
        t=$({ time "$build/vmi86" -m 64 --kernel "$kernel" --append workload --vmi="$mode" \
            --stats >"$out" 2>&1 </dev/null || true; } 2>&1 | awk '{print $1 + $2}')
        grep -q '^workload done' "$out" || {
            cat "$out" >&2
            echo "vmi_bench.sh: --vmi=$mode did not run" >&2
            exit 1
        }
        if [ -z "$best" ] || awk "BEGIN {exit !($t < $best)}"; then best=$t; fi
        insns[$mode]=$(awk '/^guest instructions/ {print $3}' "$out")
        calls[$mode]=$(awk '/^VMI calls/ {print $5}' "$out")
        sum[$mode]=$(awk '/checksum/ {print $NF}' "$out")
    done
    time[$mode]=$best
done
if [ "${sum[fast]}" != "${sum[rom]}" ] || [ "${sum[fast]}" != "${sum[off]}" ]; then
    echo "checksums differ: fast ${sum[fast]} rom ${sum[rom]} off ${sum[off]}" >&2
    exit 1
fi
echo "VMI workload (1000000 rounds), checksum ${sum[fast]}, best of $reps"
printf '%-44s %9s %14s %12s %12s\n' mode "CPU (s)" "guest insns" "VMI calls" "vs fast"
row() {
    printf '%-44s %9.3f %14s %12s %11.2fx\n' "$1" "${time[$2]}" "${insns[$2]}" "${calls[$2]:-0}" \
        "$(awk "BEGIN {print ${time[$2]} / ${time[fast]}}")"
}
row "--vmi=fast (calls run natively)" fast
row "--vmi=rom (the ROM's code runs)" rom
row "--vmi=off (no ROM: native instructions)" off
awk "BEGIN {printf \"fast is %.2fx faster than rom and %.2fx faster than off\n\", \
    ${time[rom]} / ${time[fast]}, ${time[off]} / ${time[fast]}}"
