#!/usr/bin/env bash
# Builds vmi86 and runs every test: unit, decoder oracle, ISA guests, SingleStepTests, native
# differential, random-code stress, the floating-point replay natively and cross-built for AArch64
# under qemu-aarch64; then the unit and stress tests again under AddressSanitizer and
# UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
images/debian/fetch.sh
jobs=$(nproc)
scripts/build.sh build
# install-deps.sh installed the AArch64 toolchain: replay.aarch64 must run, not skip.
VMI86_REQUIRE_AARCH64=1 ctest --test-dir build --output-on-failure -j "$jobs"
NINJA_TARGETS="unit_tests stress_test" scripts/build.sh build-sanitize -DVMI86_SANITIZE=ON
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export VMI86_DECODER_SAMPLES=200000
ctest --test-dir build-sanitize --output-on-failure -R '^(unit|stress)' -j "$jobs"
