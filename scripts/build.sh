#!/usr/bin/env bash
# Configures and builds vmi86 into build/ (or the folder given as $1 with extra CMake options).
# A plain build (no extra options) is profile-guided: an instrumented vmi86 is built in $1-pgo,
# scripts/pgo-train.sh runs guests on it, and the build uses their profile. VMI86_PGO=0 skips
# that (a quicker build while developing); the profile is retrained only when the instrumented
# vmi86 changed.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
if [ $# -eq 0 ] && [ "${VMI86_PGO:-1}" = 1 ]; then
    train=$dir-pgo
    profiles=$PWD/$train/profiles
    cmake -S . -B "$train" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVMI86_BUILD_TESTS=OFF \
        -DVMI86_PGO=generate -DVMI86_PGO_DIR="$profiles" >/dev/null
    ninja -C "$train" vmi86 vmi_guest
    if [ ! -e "$profiles/trained" ] || [ "$train/vmi86" -nt "$profiles/trained" ] ||
        [ scripts/pgo-train.sh -nt "$profiles/trained" ]; then
        rm -rf "$profiles"
        scripts/pgo-train.sh "$train/vmi86"
        touch "$profiles/trained"
        # Every object of the real build depends on the profile.
        [ -f "$dir/build.ninja" ] && ninja -C "$dir" -t clean >/dev/null
    fi
    set -- -DVMI86_PGO=use -DVMI86_PGO_DIR="$profiles"
else
    set -- -DVMI86_PGO= "$@"
fi
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
# NINJA_TARGETS: space-separated targets to build instead of all.
ninja -C "$dir" ${NINJA_TARGETS:-all}
