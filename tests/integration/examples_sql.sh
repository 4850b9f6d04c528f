#!/usr/bin/env bash
# End-to-end: the SQL examples (examples/*.sql other than fraud.sql, which
# fraud.sh and the golden tests cover) through `sluice run` at parallelism 1
# and 2, compared with expected outputs computed independently of the engine:
#   clickstream  by hand (below), sorted: sessions of different users close
#                at the same watermark in no defined order;
#   iot          scripts/gen-iot.py (a model of the documented semantics),
#                stably sorted by device and window: one window's updates
#                keep their order;
#   top_items    scripts/gen-purchases.py: exact at parallelism 1 (hours in
#                order, ranks in order), sorted at 2;
#   vshape       scripts/gen-ticks.py (the V pattern found in Python), sorted:
#                matches of different symbols come in no defined order.
# The late and dead-letter counts on stderr are compared exactly. The
# generators must reproduce the checked-in data and expected files.
# Usage: examples_sql.sh BUILD_DIR (run from the repository root).
set -uo pipefail
export LC_ALL=C
sluice=$(cd "$1" && pwd)/sluice
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
same() { # name, expected-file, got-file
    if diff -u "$2" "$3" >"$tmp/diff"; then
        ok "$1"
    else
        bad "$1"
        head -40 "$tmp/diff"
    fi
}

# run NAME P: run examples/NAME.sql at parallelism P into $tmp/NAME.P.{out,err}
run() {
    "$sluice" run --quiet --set parallelism="$2" "examples/$1.sql" >"$tmp/$1.$2.out" 2>"$tmp/$1.$2.err"
    local rc=$?
    if [ $rc -ne 0 ]; then
        bad "$1 (parallelism $2): exit code $rc"
        head -5 "$tmp/$1.$2.err"
        return 1
    fi
    return 0
}

stderr_is() { # name, p, expected line
    printf '%s\n' "$3" >"$tmp/err.expected"
    same "$1 (parallelism $2): stderr (late and dead-letter counts)" "$tmp/err.expected" "$tmp/$1.$2.err"
}

# ---- the generators reproduce the checked-in files ----
mkdir -p "$tmp/gen"
python3 scripts/gen-iot.py "$tmp/gen" 2>/dev/null && python3 scripts/gen-purchases.py "$tmp/gen" 2>/dev/null \
    && python3 scripts/gen-ticks.py "$tmp/gen" 2>/dev/null
for f in iot.jsonl iot.expected purchases.jsonl purchases.expected ticks.jsonl ticks.expected; do
    same "generator reproduces examples/data/$f" "examples/data/$f" "$tmp/gen/$f"
done

# ---- every example plans ----
for ex in clickstream iot top_items vshape; do
    if "$sluice" explain "examples/$ex.sql" >"$tmp/explain" 2>&1; then
        ok "$ex: explain"
    else
        bad "$ex: explain"
        head -5 "$tmp/explain"
    fi
done

# ---- clickstream: sessions (expected computed by hand; see the header of
# examples/clickstream.sql for what each click shows) ----
cat >"$tmp/clickstream.expected" <<'EXP'
{"op":"+I","user_id":"alice","session_start":"2024-03-01 09:00:00","session_end":"2024-03-01 10:08:00","clicks":6,"pages":6}
{"op":"+I","user_id":"alice","session_start":"2024-03-01 10:45:00","session_end":"2024-03-01 11:40:00","clicks":4,"pages":3}
{"op":"+I","user_id":"bob","session_start":"2024-03-01 09:01:00","session_end":"2024-03-01 10:14:00","clicks":4,"pages":4}
{"op":"+I","user_id":"bob","session_start":"2024-03-01 11:00:00","session_end":"2024-03-01 11:50:00","clicks":2,"pages":2}
{"op":"+I","user_id":"carol","session_start":"2024-03-01 09:10:00","session_end":"2024-03-01 10:00:00","clicks":3,"pages":3}
{"op":"+I","user_id":"carol","session_start":"2024-03-01 12:30:00","session_end":"2024-03-01 13:00:00","clicks":1,"pages":1}
{"op":"+I","user_id":"dave","session_start":"2024-03-01 09:40:00","session_end":"2024-03-01 10:20:00","clicks":2,"pages":2}
{"op":"+I","user_id":"dave","session_start":"2024-03-01 10:30:00","session_end":"2024-03-01 11:42:00","clicks":4,"pages":3}
EXP
for p in 1 2; do
    run clickstream $p || continue
    sort "$tmp/clickstream.$p.out" >"$tmp/sorted"
    same "clickstream (parallelism $p): sessions, sorted" "$tmp/clickstream.expected" "$tmp/sorted"
    stderr_is clickstream $p "sluice: 0 malformed rows sent to the dead-letter output, 2 late rows"
done

# ---- iot: sliding averages with allowed lateness ----
# Within the allowed lateness a window's update retracts its previous result
# (-U) and emits the new one (+U).
for p in 1 2; do
    run iot $p || continue
    sort -s -t, -k2,4 "$tmp/iot.$p.out" >"$tmp/sorted"
    same "iot (parallelism $p): averages and late updates (-U/+U), sorted by device and window" \
        examples/data/iot.expected "$tmp/sorted"
    stderr_is iot $p "sluice: 0 malformed rows sent to the dead-letter output, 1 late row"
done

# ---- top_items: window Top-N ----
for p in 1 2; do
    run top_items $p || continue
    if [ $p = 1 ]; then
        same "top_items (parallelism 1): top 3 per hour, in order" examples/data/purchases.expected "$tmp/top_items.1.out"
    else
        sort examples/data/purchases.expected >"$tmp/exp.sorted"
        sort "$tmp/top_items.2.out" >"$tmp/sorted"
        same "top_items (parallelism 2): top 3 per hour, sorted" "$tmp/exp.sorted" "$tmp/sorted"
    fi
    stderr_is top_items $p "sluice: 0 malformed rows sent to the dead-letter output, 2 late rows"
done

# ---- vshape: MATCH_RECOGNIZE (a fall of three or more ticks, then a rise) ----
for p in 1 2; do
    run vshape $p || continue
    sort "$tmp/vshape.$p.out" >"$tmp/sorted"
    same "vshape (parallelism $p): V patterns per symbol, sorted" examples/data/ticks.expected "$tmp/sorted"
    stderr_is vshape $p "sluice: 0 malformed rows sent to the dead-letter output, 2 late rows"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
