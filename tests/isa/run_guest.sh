#!/bin/sh
# run_guest.sh EMULATOR ROM [--kernel]
#   Runs a self-checking guest ROM and reports success only if the guest
#   exited through port 0xF4 with value 0 (process exit status 1), printed a
#   line "PASS" and no line starting with "FAIL".
#   EMULATOR is the path of the vmi86 executable, or the word "qemu" to run
#   the reference (qemu-system-i386) instead. With --kernel, ROM is a multiboot
#   kernel booted with 64 MiB and the command line "vmi86 multiboot test".
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: $0 VMI86|qemu ROM [--kernel]" >&2
    exit 2
fi
emu=$1
rom=$2
cmdline="vmi86 multiboot test"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if [ "$emu" = qemu ]; then
    if [ "${3:-}" = --kernel ]; then
        set -- -m 64 -kernel "$rom" -append "$cmdline"
    else
        set -- -m 32 -bios "$rom"
    fi
    timeout 20 qemu-system-i386 -nodefaults -display none -cpu "${QEMU_CPU:-pentium3}" \
        "$@" -debugcon stdio \
        -device isa-debug-exit,iobase=0xf4,iosize=4 >"$out" 2>&1 </dev/null
    status=$?
else
    if [ "${3:-}" = --kernel ]; then
        set -- -m 64 --kernel "$rom" --append "$cmdline"
    else
        set -- --bios "$rom"
    fi
    timeout 60 "$emu" "$@" >"$out" 2>&1 </dev/null
    status=$?
fi
if [ "$status" -eq 1 ] && grep -qx 'PASS' "$out" && ! grep -q '^FAIL' "$out"; then
    exit 0
fi
cat "$out"
echo "run_guest.sh: $rom failed (exit status $status)"
exit 1
