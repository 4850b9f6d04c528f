#!/usr/bin/env bash
# End-to-end: examples/fraud on the five-transaction demo and on the 100k
# generated data set (out of order, late rows, malformed lines), at
# parallelism 1 and 2. Alerts must equal the independently computed ones.
set -euo pipefail
export LC_ALL=C # sort in byte order, as the expected files are
build=$1
bin=$build/examples/fraud
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # name, got-file, expected-file
    if ! diff -u "$3" "$2" >"$tmp/diff"; then
        echo "FAIL $1"; head -40 "$tmp/diff"; fails=$((fails + 1))
    else
        echo "ok   $1"
    fi
}

# The demo: exactly three alerts.
"$bin" examples/data/transactions.jsonl >"$tmp/demo.out" 2>"$tmp/demo.err"
sort "$tmp/demo.out" >"$tmp/demo.sorted"
cat >"$tmp/demo.expected" <<'EXP'
ALERT high-value user=U2 amount=1500.00 ts=2024-01-01 10:04:00
ALERT high-velocity user=U1 count=4 window=[2024-01-01 10:00:00, 2024-01-01 10:05:00)
ALERT multi-country user=U1 countries=2 session=[2024-01-01 10:00:00, 2024-01-01 11:03:00)
EXP
check "demo: three alerts" "$tmp/demo.sorted" "$tmp/demo.expected"
grep -q "5 transactions read, 3 alerts, 0 late, 0 malformed" "$tmp/demo.err" \
    && echo "ok   demo: summary" || { echo "FAIL demo: summary: $(cat "$tmp/demo.err")"; fails=$((fails + 1)); }

# The large data set, at parallelism 1 and 2.
for p in 1 2; do
    "$bin" --parallelism $p --dead-letters "$tmp/dead$p.jsonl" examples/data/transactions-100k.jsonl \
        >"$tmp/big$p.out" 2>"$tmp/big$p.err"
    sort "$tmp/big$p.out" >"$tmp/big$p.sorted"
    check "100k (parallelism $p): alerts" "$tmp/big$p.sorted" examples/data/transactions-100k.expected
    n_dead=$(wc -l <"$tmp/dead$p.jsonl")
    if [ "$n_dead" -eq 5 ] && grep -q '"position":"examples/data/transactions-100k.jsonl:1001"' "$tmp/dead$p.jsonl"; then
        echo "ok   100k (parallelism $p): 5 dead letters with positions"
    else
        echo "FAIL 100k (parallelism $p): dead letters"; cat "$tmp/dead$p.jsonl"; fails=$((fails + 1))
    fi
    late=$(awk '/^late/ {print $2}' examples/data/transactions-100k.counts)
    # each late row is late for both window rules
    if grep -q "$((late * 2)) late, 5 malformed" "$tmp/big$p.err"; then
        echo "ok   100k (parallelism $p): late and malformed counts"
    else
        echo "FAIL 100k (parallelism $p): counts: $(cat "$tmp/big$p.err") (expected $((late * 2)) late)"; fails=$((fails + 1))
    fi
done
[ $fails -eq 0 ]
