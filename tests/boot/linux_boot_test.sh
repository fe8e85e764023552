#!/usr/bin/env bash
# Boots Debian's i386 kernel headless with the busybox initramfs, waits for the init's marker,
# types commands through the serial console, checks their output, reboots (the machine restarts and
# the guest boots again), powers off and expects exit 0.
# Fails on "Kernel panic", a wrong answer or a timeout.
# Usage: linux_boot_test.sh VMI86 VMLINUZ INITRAMFS
set -u
vmi86=$1 kernel=$2 initrd=$3
timeout_s=${VMI86_BOOT_TIMEOUT:-600}
log=$(mktemp)
trap 'rm -f "$log"; [ -n "${VM_PID:-}" ] && kill "$VM_PID" 2>/dev/null' EXIT

coproc VM { exec "$vmi86" -m 256 --kernel "$kernel" --initrd "$initrd" --append "console=ttyS0" \
    --serial stdio --timeout "$timeout_s" 2>&1; }
exec 3<&"${VM[0]}" 4>&"${VM[1]}"

fail() {
    echo "FAIL: $*"
    echo "---- guest output (last 60 lines) ----"
    tail -n 60 "$log"
    exit 1
}

# Reads guest output until a line contains $1; fails on a panic or after $2 seconds.
wait_for() {
    local want=$1 limit=$2 line start=$SECONDS
    while (( SECONDS - start < limit )); do
        if IFS= read -r -t 5 line <&3; then
            line=${line%$'\r'}
            printf '%s\n' "$line" >>"$log"
            [[ $line == *"Kernel panic"* ]] && fail "kernel panic"
            [[ $line == *"$want"* ]] && return 0
        elif [ -z "${VM_PID:-}" ] || ! kill -0 "$VM_PID" 2>/dev/null; then
            fail "vmi86 exited while waiting for '$want'"
        fi
    done
    fail "timeout waiting for '$want'"
}

passes=0
# Runs a command in the guest and checks that its output (between markers) contains $2.
check() {
    local cmd=$1 want=$2 n=$((passes + 1))
    # The markers are split by quotes so the terminal's echo of the command line never matches.
    printf "echo BE''GIN-%d; %s; echo EN''D-%d\n" "$n" "$cmd" "$n" >&4
    wait_for "BEGIN-$n" 60
    local mark
    mark=$(wc -l <"$log")
    wait_for "END-$n" 120
    if ! tail -n +"$mark" "$log" | grep -q -- "$want"; then
        fail "'$cmd' did not print '$want'"
    fi
    echo "ok   $cmd"
    passes=$((passes + 1))
}

start=$SECONDS
wait_for "vmi86-guest: boot complete" "$timeout_s"
echo "ok   booted to the shell in $((SECONDS - start)) s"
passes=$((passes + 1))
check "uname -a" "Linux .* 6\.1\..* i686"
check "cat /proc/cpuinfo" "GenuineIntel"
check "ls /" "proc"
check "echo hello world | tr a-z A-Z | rev" "DLROW OLLEH"
check "awk 'BEGIN { s = 0; for (i = 1; i <= 100; i++) s += i * i; print \"sum=\" s }'" "sum=338350"
# A guest reboot restarts the machine: the kernel boots again to the marker.
printf 'reboot -f\n' >&4
wait_for "vmi86-guest: boot complete" "$timeout_s"
echo "ok   reboot -f restarted the machine and the guest booted again"
passes=$((passes + 1))
check "cat /proc/uptime" "^[0-9]"
printf 'poweroff -f\n' >&4
wait "$VM_PID"
status=$?
VM_PID=
[ "$status" -eq 0 ] || fail "vmi86 exit status $status after poweroff -f (want 0)"
echo "ok   poweroff -f ended the run with status 0"
passes=$((passes + 1))
echo "linux-boot: $passes passed, 0 failed"
