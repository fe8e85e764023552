#!/usr/bin/env bash
# The command line as a user meets it: the default guest runs, --help works, and every kind of
# bad input gets one line on stderr and exit status 2.
set -u
vmi86=$1
hello=$2
linux=${3:-} # a Linux bzImage, for the kernel-specific errors
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
passes=0

expect_status() { # name, expected status, command...
    local name=$1 want=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    local lines
    lines=$(wc -l <"$tmp/err")
    if [ "$got" -ne "$want" ]; then
        echo "FAIL $name: exit status $got, want $want"; cat "$tmp/err"; failures=$((failures + 1)); return
    fi
    if [ "$want" -eq 2 ] && [ "$lines" -ne 1 ]; then
        echo "FAIL $name: want one error line, got $lines:"; cat "$tmp/err"; failures=$((failures + 1)); return
    fi
    echo "ok   $name"
    passes=$((passes + 1))
}

expect_status "default guest runs and exits through port 0xF4" 1 "$vmi86" --bios "$hello"
if grep -q "Hello from vmi86: 32-bit protected mode" "$tmp/out"; then
    echo "ok   default guest output"; passes=$((passes + 1))
else
    echo "FAIL default guest output:"; cat "$tmp/out"; failures=$((failures + 1))
fi
expect_status "--post and --debugcon FILE" 1 "$vmi86" --bios "$hello" --post --debugcon "$tmp/console.txt"
if grep -qx "POST 0x80: 0x11" "$tmp/err" && grep -qx "POST 0x80: 0x22" "$tmp/err" &&
    grep -q "Hello from vmi86: real mode" "$tmp/console.txt" && [ ! -s "$tmp/out" ]; then
    echo "ok   POST codes printed, console in the file"; passes=$((passes + 1))
else
    echo "FAIL POST codes / debugcon file:"; cat "$tmp/err" "$tmp/console.txt"; failures=$((failures + 1))
fi
expect_status "--profile FILE" 1 "$vmi86" --bios "$hello" --profile "$tmp/profile.txt"
# "instructions percent address" lines, most executed first; the reset vector's block is there.
if [ "$(wc -l <"$tmp/profile.txt")" -ge 3 ] && grep -q " 000ffff0$" "$tmp/profile.txt" &&
    sort -s -k1,1nr -c "$tmp/profile.txt" 2>/dev/null; then
    echo "ok   profile lists blocks, most executed first"; passes=$((passes + 1))
else
    echo "FAIL profile:"; head "$tmp/profile.txt"; failures=$((failures + 1))
fi
expect_status "--expect TEXT exits 0 when the guest prints it" 0 "$vmi86" --bios "$hello" --expect "real mode"
expect_status "--fail-on TEXT exits 1 when the guest prints it" 1 "$vmi86" --bios "$hello" --expect "never printed" --fail-on "Hello"
expect_status "--help" 0 "$vmi86" --help
expect_status "unknown option" 2 "$vmi86" --no-such-option
expect_status "missing ROM file" 2 "$vmi86" --bios "$tmp/missing.bin"
expect_status "missing kernel file" 2 "$vmi86" --kernel "$tmp/missing.elf"
printf 'abc' >"$tmp/short.bin"
expect_status "ROM of a wrong size" 2 "$vmi86" --bios "$tmp/short.bin"
head -c 16384 /dev/zero >"$tmp/zero.elf"
expect_status "kernel without a multiboot header" 2 "$vmi86" --kernel "$tmp/zero.elf"
if [ -n "$linux" ]; then
    head -c 200000 "$linux" >"$tmp/truncated-bzImage"
    expect_status "truncated bzImage" 2 "$vmi86" --kernel "$tmp/truncated-bzImage"
    expect_status "missing initrd" 2 "$vmi86" --kernel "$linux" --initrd "$tmp/missing.cpio.gz"
    expect_status "initrd larger than RAM" 2 "$vmi86" -m 8 --kernel "$linux" --initrd "$linux"
fi
expect_status "--initrd without --kernel" 2 "$vmi86" --bios "$hello" --initrd "$hello"
expect_status "bad --serial" 2 "$vmi86" --bios "$hello" --serial bogus
expect_status "-m 0" 2 "$vmi86" -m 0 --bios "$hello"
expect_status "unknown --cpu model" 2 "$vmi86" --cpu pentium9 --bios "$hello"
expect_status "--cpu pentium2 runs the default guest" 1 "$vmi86" --cpu pentium2 --bios "$hello"
expect_status "-m too large" 2 "$vmi86" -m 100000 --bios "$hello"
expect_status "no guest" 2 "$vmi86"
expect_status "--max-instructions stops a guest" 0 "$vmi86" --bios "$hello" --max-instructions 10
echo "cli: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
