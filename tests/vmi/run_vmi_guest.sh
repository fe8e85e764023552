#!/bin/sh
# run_vmi_guest.sh VMI86 KERNEL MODE [EXPECT_LINE] [vmi86 options...]
#   Boots the VMI test kernel with --vmi=MODE and succeeds only if it exited through port 0xF4
#   with 0 (status 1), printed "PASS", no line starting with "FAIL", and the line EXPECT_LINE
#   (how the guest found the ROM, e.g. "vmi: native"), if given.
if [ $# -lt 3 ]; then
    echo "usage: $0 VMI86 KERNEL fast|rom|off [EXPECT_LINE] [options...]" >&2
    exit 2
fi
emu=$1
kernel=$2
mode=$3
expect=${4:-}
[ $# -ge 4 ] && shift 4 || shift 3
out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout 120 "$emu" -m 64 --kernel "$kernel" --append "vmi86 vmi test" --vmi="$mode" "$@" \
    >"$out" 2>&1 </dev/null
status=$?
if [ "$status" -eq 1 ] && grep -qx 'PASS' "$out" && ! grep -q '^FAIL' "$out" &&
    { [ -z "$expect" ] || grep -q "^$expect" "$out"; }; then
    exit 0
fi
cat "$out"
echo "run_vmi_guest.sh: --vmi=$mode failed (exit status $status)"
exit 1
