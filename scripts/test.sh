#!/usr/bin/env bash
# Install, build and run every test: the release build, the AddressSanitizer +
# UBSan build with tiny buffers, and the ThreadSanitizer build (the tests that
# run worker threads). Ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
passed=0
failed=0
for flavour in release asan tsan; do
    echo "== build ($flavour)"
    if ! bash scripts/build.sh "$flavour"; then
        echo "build ($flavour) failed"
        failed=$((failed + 1))
        continue
    fi
    echo "== tests ($flavour)"
    filter=()
    [ "$flavour" = tsan ] && filter=(-R 'unit/test_(runtime|job|checkpoint)$')
    out=$(cd "build/$flavour" && ctest --output-on-failure -j 2 "${filter[@]}" 2>&1)
    echo "$out"
    p=$(echo "$out" | grep -E '^[[:space:]]*[0-9]+/[0-9]+ Test' | grep -c ' Passed')
    f=$(echo "$out" | grep -E '^[[:space:]]*[0-9]+/[0-9]+ Test' | grep -v -c ' Passed')
    passed=$((passed + p))
    failed=$((failed + f))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
