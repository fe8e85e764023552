#!/bin/sh
# run_guest.sh EMULATOR ROM
#   Runs a self-checking guest ROM and reports success only if the guest
#   exited through port 0xF4 with value 0 (process exit status 1), printed a
#   line "PASS" and no line starting with "FAIL".
#   EMULATOR is the path of the vmi86 executable, or the word "qemu" to run
#   the reference (qemu-system-i386) instead.
if [ $# -ne 2 ]; then
    echo "usage: $0 VMI86|qemu ROM" >&2
    exit 2
fi
emu=$1
rom=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if [ "$emu" = qemu ]; then
    timeout 20 qemu-system-i386 -nodefaults -display none -cpu "${QEMU_CPU:-pentium3}" \
        -m 32 -bios "$rom" -debugcon stdio \
        -device isa-debug-exit,iobase=0xf4,iosize=4 >"$out" 2>&1 </dev/null
    status=$?
else
    timeout 60 "$emu" --bios "$rom" >"$out" 2>&1 </dev/null
    status=$?
fi
if [ "$status" -eq 1 ] && grep -qx 'PASS' "$out" && ! grep -q '^FAIL' "$out"; then
    exit 0
fi
cat "$out"
echo "run_guest.sh: $rom failed (exit status $status)"
exit 1
