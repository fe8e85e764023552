#!/usr/bin/env bash
# Linux boot-to-marker wall time and a CPU-bound workload inside the guest, vmi86 against
# qemu-system-i386 (TCG) with the same Debian kernel and initramfs, in one run.
# Usage: bench/linux_boot.sh [repetitions]
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-1}
scripts/install-deps.sh qemu-system-x86 bc >&2
scripts/build.sh build >&2
images/debian/fetch.sh
kernel=images/cache/debian-i386/vmlinuz
initrd=images/cache/debian-i386/initramfs.cpio.gz
marker="vmi86-guest: boot complete"
# The workload: an awk loop of about a second on QEMU, then power off.
workload="awk 'BEGIN { s = 0; for (i = 0; i < 2000000; i++) s = (s * 31 + i) % 1000003; print \"result=\" s }'"

# Runs one emulator command with the guest's console on a pipe; prints "boot_s work_s".
measure() {
    local log start boot_t end
    log=$(mktemp)
    start=$(date +%s.%N)
    coproc EMU { exec "$@" 2>&1; }
    local out=${EMU[0]} in=${EMU[1]} pid=$EMU_PID line
    boot_t=""
    while IFS= read -r -t 600 line <&"$out"; do
        printf '%s\n' "$line" >>"$log"
        if [ -z "$boot_t" ] && [[ $line == *"$marker"* ]]; then
            boot_t=$(date +%s.%N)
            printf '%s; poweroff -f\n' "$workload" >&"$in"
        fi
        [[ $line == *"result="* ]] && end=$(date +%s.%N)
    done
    wait "$pid" 2>/dev/null || true
    if [ -z "$boot_t" ] || [ -z "${end:-}" ]; then
        echo "benchmark run failed: $*" >&2
        tail -20 "$log" >&2
        rm -f "$log"
        return 1
    fi
    rm -f "$log"
    echo "$(echo "$boot_t - $start" | bc -l) $(echo "$end - $boot_t" | bc -l)"
}

best_of() { # reps, command...
    local n=$1 best_b="" best_w=""
    shift
    for _ in $(seq "$n"); do
        read -r b w < <(measure "$@")
        if [ -z "$best_b" ] || (( $(echo "$b < $best_b" | bc -l) )); then best_b=$b; fi
        if [ -z "$best_w" ] || (( $(echo "$w < $best_w" | bc -l) )); then best_w=$w; fi
    done
    echo "$best_b $best_w"
}

read -r vb vw < <(best_of "$reps" build/vmi86 -m 256 --kernel "$kernel" --initrd "$initrd" \
    --append console=ttyS0 --serial stdio)
read -r qb qw < <(best_of "$reps" qemu-system-i386 -nodefaults -display none -m 256 -kernel "$kernel" \
    -initrd "$initrd" -append console=ttyS0 -serial stdio -no-reboot)
echo "Debian 12 linux-image-686 + busybox initramfs, best of $reps"
printf '%-22s %16s %18s\n' engine "boot to marker (s)" "awk workload (s)"
printf '%-22s %16.2f %18.2f\n' "vmi86 interpreter" "$vb" "$vw"
printf '%-22s %16.2f %18.2f\n' "qemu-system-i386 TCG" "$qb" "$qw"
printf '%-22s %15.2fx %17.2fx\n' "vmi86 / QEMU" "$(echo "$vb / $qb" | bc -l)" "$(echo "$vw / $qw" | bc -l)"
