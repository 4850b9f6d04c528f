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
#   enrich       by hand (below; the header of examples/enrich.sql says which
#                rate each order gets), sorted: keys fire in no defined order;
#   clicks       by hand (below; see the header of examples/clicks.sql), sorted.
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
for ex in clickstream iot top_items enrich clicks vshape; do
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

# ---- enrich: temporal join with a versioned table of currency rates ----
cat >"$tmp/enrich.expected" <<'EXP'
{"op":"+I","order_id":1,"currency":"USD","amount":100.0,"rate":0.9,"amount_eur":90.0,"ots":"2024-05-01 08:30:00"}
{"op":"+I","order_id":2,"currency":"GBP","amount":50.0,"rate":1.15,"amount_eur":57.5,"ots":"2024-05-01 08:45:00"}
{"op":"+I","order_id":3,"currency":"USD","amount":200.0,"rate":0.92,"amount_eur":184.0,"ots":"2024-05-01 09:10:00"}
{"op":"+I","order_id":4,"currency":"JPY","amount":10000.0,"rate":0.006,"amount_eur":60.0,"ots":"2024-05-01 09:20:00"}
{"op":"+I","order_id":5,"currency":"GBP","amount":80.0,"rate":1.17,"amount_eur":93.6,"ots":"2024-05-01 09:40:00"}
{"op":"+I","order_id":6,"currency":"CHF","amount":30.0,"rate":null,"amount_eur":null,"ots":"2024-05-01 09:50:00"}
{"op":"+I","order_id":7,"currency":"USD","amount":10.0,"rate":0.92,"amount_eur":9.2,"ots":"2024-05-01 09:06:00"}
{"op":"+I","order_id":8,"currency":"GBP","amount":20.0,"rate":1.16,"amount_eur":23.2,"ots":"2024-05-01 09:50:00"}
{"op":"+I","order_id":9,"currency":"USD","amount":40.0,"rate":0.91,"amount_eur":36.4,"ots":"2024-05-01 10:05:00"}
EXP
for p in 1 2; do
    run enrich $p || continue
    sort "$tmp/enrich.$p.out" >"$tmp/sorted"
    same "enrich (parallelism $p): orders with the rate valid at their time, sorted" "$tmp/enrich.expected" "$tmp/sorted"
    stderr_is enrich $p "sluice: 0 malformed rows sent to the dead-letter output, 1 late row"
done

# ---- clicks: interval join of impressions and clicks ----
cat >"$tmp/clicks.expected" <<'EXP'
{"op":"+I","imp_id":1,"ad":"ad-a","user_id":"alice","click_id":"c1","secs_to_click":20}
{"op":"+I","imp_id":2,"ad":"ad-b","user_id":"bob","click_id":null,"secs_to_click":null}
{"op":"+I","imp_id":3,"ad":"ad-a","user_id":"carol","click_id":"c2","secs_to_click":240}
{"op":"+I","imp_id":4,"ad":"ad-c","user_id":"alice","click_id":null,"secs_to_click":null}
{"op":"+I","imp_id":5,"ad":"ad-b","user_id":"dave","click_id":null,"secs_to_click":null}
{"op":"+I","imp_id":6,"ad":"ad-a","user_id":"bob","click_id":"c4","secs_to_click":60}
{"op":"+I","imp_id":6,"ad":"ad-a","user_id":"bob","click_id":"c5","secs_to_click":120}
{"op":"+I","imp_id":7,"ad":"ad-c","user_id":"carol","click_id":"c7","secs_to_click":60}
{"op":"+I","imp_id":8,"ad":"ad-b","user_id":"erin","click_id":"c9","secs_to_click":330}
EXP
for p in 1 2; do
    run clicks $p || continue
    sort "$tmp/clicks.$p.out" >"$tmp/sorted"
    same "clicks (parallelism $p): impressions with their clicks within 10 minutes, sorted" "$tmp/clicks.expected" "$tmp/sorted"
    stderr_is clicks $p "sluice: 0 malformed rows sent to the dead-letter output, 1 late row"
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
