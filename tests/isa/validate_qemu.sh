#!/bin/sh
# validate_qemu.sh [NAME...] - assemble the listed tests (default: all tests
# in CMakeLists.txt) and run each under QEMU, the behaviour reference.
# -DQEMU leaves out the checks of SDM behaviour QEMU does not implement
# (see lib/base.inc).
cd "$(dirname "$0")" || exit 2
if [ $# -eq 0 ]; then
    set -- $(sed -n '/^set(ISA_TESTS/,/^)/p' CMakeLists.txt | sed '1d;$d')
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for t in "$@"; do
    if nasm -f bin -DQEMU -I ./ -o "$tmp/$t.bin" "$t.asm" && ./run_guest.sh qemu "$tmp/$t.bin"; then
        echo "qemu ok   $t"
    else
        echo "qemu FAIL $t"
        fail=1
    fi
done
exit $fail
