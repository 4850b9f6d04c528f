#!/usr/bin/env bash
# End-to-end on the RocksDB state backend: examples/fraud --state-backend rocksdb
# on the 100k data set at parallelism 1 and 2 must raise exactly the alerts
# fraud.sh checks on the memory backend (the independently computed ones), with
# the same late and malformed counts, and leave no state directory behind.
set -euo pipefail
export LC_ALL=C # sort in byte order, as the expected files are
build=$1
bin=$build/examples/fraud
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TMPDIR=$tmp/state # where the RocksDB run directories go
mkdir -p "$TMPDIR"
fails=0
check() { # name, got-file, expected-file
    if ! diff -u "$3" "$2" >"$tmp/diff"; then
        echo "FAIL $1"; head -40 "$tmp/diff"; fails=$((fails + 1))
    else
        echo "ok   $1"
    fi
}

late=$(awk '/^late/ {print $2}' examples/data/transactions-100k.counts)
for p in 1 2; do
    "$bin" --parallelism $p --state-backend rocksdb --dead-letters "$tmp/dead$p.jsonl" \
        examples/data/transactions-100k.jsonl >"$tmp/big$p.out" 2>"$tmp/big$p.err"
    sort "$tmp/big$p.out" >"$tmp/big$p.sorted"
    check "rocksdb 100k (parallelism $p): alerts" "$tmp/big$p.sorted" examples/data/transactions-100k.expected
    if grep -q "$((late * 2)) late, 5 malformed" "$tmp/big$p.err"; then
        echo "ok   rocksdb 100k (parallelism $p): late and malformed counts"
    else
        echo "FAIL rocksdb 100k (parallelism $p): counts: $(cat "$tmp/big$p.err")"; fails=$((fails + 1))
    fi
    left=$(find "$TMPDIR" -mindepth 1 | wc -l)
    if [ "$left" -eq 0 ]; then
        echo "ok   rocksdb 100k (parallelism $p): state directory removed"
    else
        echo "FAIL rocksdb 100k (parallelism $p): left behind:"; find "$TMPDIR" | head; fails=$((fails + 1))
    fi
done

# A bad backend name is refused with the option named.
if "$bin" --state-backend nosuch examples/data/transactions.jsonl >/dev/null 2>"$tmp/bad.err"; then
    echo "FAIL bad backend accepted"; fails=$((fails + 1))
elif grep -q "option 'state.backend'" "$tmp/bad.err"; then
    echo "ok   bad backend refused"
else
    echo "FAIL bad backend: $(cat "$tmp/bad.err")"; fails=$((fails + 1))
fi
[ $fails -eq 0 ]
