#!/usr/bin/env bash
# Configures and builds vmi86 into build/ (or the folder given as $1 with extra CMake options).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
# NINJA_TARGETS: space-separated targets to build instead of all.
ninja -C "$dir" ${NINJA_TARGETS:-all}
