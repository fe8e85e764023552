#!/usr/bin/env bash
# replay.aarch64: cross-builds the replay test for AArch64 (cmake/aarch64-linux-gnu.cmake with
# VMI86_REPLAY_ONLY) into BUILD_DIR and runs it under qemu-aarch64 user mode. Exits 77 (skipped)
# when the cross compiler or qemu-user is missing, or 1 if VMI86_REQUIRE_AARCH64=1 (CI sets it:
# scripts/test.sh installs both, so there a skip would hide the test).
# Usage: tests/replay/run_aarch64.sh [BUILD_DIR]   (default: build-a64)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build-a64}
missing=()
command -v aarch64-linux-gnu-g++ >/dev/null || missing+=(g++-aarch64-linux-gnu)
command -v qemu-aarch64 >/dev/null || missing+=(qemu-user)
if [ ${#missing[@]} -ne 0 ]; then
    echo "replay.aarch64: ${missing[*]} missing (scripts/install-deps.sh installs them)"
    [ "${VMI86_REQUIRE_AARCH64:-0}" = 1 ] && exit 1
    exit 77
fi
# -O2 as the native build, without -g: debug info (unused here) makes the cross-build 40% slower.
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS=-O2 \
    -DCMAKE_TOOLCHAIN_FILE="$src/cmake/aarch64-linux-gnu.cmake" -DVMI86_REPLAY_ONLY=ON >/dev/null
if ! ninja -C "$build" -j "$(nproc)" replay_test >"$build/build.log" 2>&1; then
    cat "$build/build.log"
    exit 1
fi
binary=$build/tests/replay/replay_test
machine=$(aarch64-linux-gnu-readelf -h "$binary" | sed -n 's/^ *Machine: *//p')
echo "replay.aarch64: $machine executable, run by $(qemu-aarch64 --version | head -1)"
exec qemu-aarch64 "$binary" "$src/tests/replay/fp_results.txt"
