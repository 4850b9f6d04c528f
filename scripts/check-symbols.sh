#!/usr/bin/env bash
# Every symbol the library defines and exports must start with "sl" (public
# sl_*, internal sl<module>_*), so embedders never see a clash.
set -euo pipefail
lib=$1
bad=$(nm -g --defined-only "$lib" 2>/dev/null | awk 'NF==3 {print $3}' | grep -v '^sl' | grep -v -E '^__(odr_asan|asan|tsan|ubsan|sanitizer)' | sort -u || true)
if [ -n "$bad" ]; then
    echo "exported symbols without the sl prefix:"
    echo "$bad"
    exit 1
fi
echo "symbols: all exported names carry the sl prefix"
