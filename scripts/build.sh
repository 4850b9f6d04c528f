#!/usr/bin/env bash
# Build one flavour of Sluice: scripts/build.sh release|asan|tsan  -> build/<flavour>
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
case $flavour in
    release) flags=(-DCMAKE_BUILD_TYPE=Release) ;;
    asan) flags=(-DCMAKE_BUILD_TYPE=Debug -DSL_SANITIZE=ON -DSL_SMALL_BUFFERS=ON) ;;
    tsan) flags=(-DCMAKE_BUILD_TYPE=Debug -DSL_TSAN=ON) ;;
    *) echo "build.sh: unknown flavour '$flavour' (release, asan, tsan)" >&2; exit 2 ;;
esac
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
if [ ! -f "build/$flavour/CMakeCache.txt" ]; then
    cmake -S . -B "build/$flavour" "${gen[@]}" "${flags[@]}" >/dev/null
fi
cmake --build "build/$flavour" -j "$(nproc)"
