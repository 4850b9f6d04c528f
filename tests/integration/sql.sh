#!/usr/bin/env bash
# Golden SQL tests (tests/sql/). Each cases/NAME.sql runs after
# data/orders.sql through `sluice run`:
#   - at parallelism 1 its stdout must equal NAME.out exactly (sorted first
#     when the case's first line is "-- sorted": branches meeting in a union);
#     when it is "-- final", NAME.out is the final result (the changelog
#     applied by final.py, sorted): an outer join's changelog depends on how
#     its inputs interleave, its final result does not;
#   - at parallelism 2, and at 1 with the RocksDB state backend, its sorted
#     stdout must equal the sorted NAME.out;
#   - its stderr (dead letters, summary) must equal NAME.err at both;
#   - where sqlite/NAME.sqlite exists, the final result (the changelog
#     applied) must equal that query run in batch by SQLite over the same
#     data (sqlite_check.py).
# Each errors/NAME.sql must fail with exit code 3 and a first stderr line
# equal to NAME.err (the file:line:column message).
# With SQL_GOLDEN_UPDATE=1 missing expected files are written (review them!).
set -uo pipefail
export LC_ALL=C
build=$(cd "$1" && pwd)
sluice=$build/sluice
cd "$(dirname "$0")/../sql"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
expect() { # name, expected-file, got-file
    if [ ! -f "$2" ] && [ "${SQL_GOLDEN_UPDATE:-}" = 1 ]; then
        cp "$3" "$2"
        echo "new  $2"
    fi
    if [ -f "$2" ] && diff -u "$2" "$3" >"$tmp/diff"; then
        ok "$1"
    else
        bad "$1"
        [ -f "$2" ] && head -30 "$tmp/diff" || { echo "  (no $2) got:"; head -30 "$3"; }
    fi
}

for c in cases/*.sql; do
    name=$(basename "$c" .sql)
    cat data/orders.sql "$c" >"$tmp/$name.sql"
    sorted=0
    final=0
    head -1 "$c" | grep -q '^-- sorted' && sorted=1
    head -1 "$c" | grep -q '^-- final' && sorted=1 && final=1
    for p in 1 2 rocksdb; do
        opts=(--set "parallelism=$p")
        [ $p = rocksdb ] && opts=(--set parallelism=1 --set state.backend=rocksdb)
        "$sluice" run --quiet "${opts[@]}" "$tmp/$name.sql" >"$tmp/out" 2>"$tmp/err"
        rc=$?
        if [ $rc -ne 0 ]; then
            bad "$name (parallelism $p): exit code $rc"
            head -5 "$tmp/err"
            continue
        fi
        if [ $final = 1 ]; then
            if ! python3 final.py "$tmp/out" >"$tmp/final"; then
                bad "$name (parallelism $p): changelog does not apply"
                continue
            fi
            cp "$tmp/out" "$tmp/raw"
            cp "$tmp/final" "$tmp/out"
        fi
        if [ $p = 1 ] && [ $sorted = 0 ]; then
            expect "$name (parallelism 1): output" "cases/$name.out" "$tmp/out"
        else
            sort "$tmp/out" >"$tmp/out.sorted"
            if [ -f "cases/$name.out" ]; then
                sort "cases/$name.out" >"$tmp/exp.sorted"
            else
                [ "${SQL_GOLDEN_UPDATE:-}" = 1 ] && cp "$tmp/out.sorted" "cases/$name.out"
                cp "$tmp/out.sorted" "$tmp/exp.sorted"
            fi
            expect "$name (parallelism $p): output, sorted" "$tmp/exp.sorted" "$tmp/out.sorted"
        fi
        expect "$name (parallelism $p): stderr" "cases/$name.err" "$tmp/err"
        # The same query in batch by SQLite, where the result does not depend
        # on arrival order (sqlite/NAME.sqlite; late rows excluded there).
        if [ -f "sqlite/$name.sqlite" ]; then
            [ $final = 1 ] && cp "$tmp/raw" "$tmp/out"
            if python3 sqlite_check.py "$tmp/out" "sqlite/$name.sqlite" data/orders.jsonl 120 >"$tmp/cmp"; then
                ok "$name (parallelism $p): $(cat "$tmp/cmp")"
            else
                bad "$name (parallelism $p): SQLite comparison"
                cat "$tmp/cmp"
            fi
        fi
    done
done

for c in errors/*.sql; do
    name=$(basename "$c" .sql)
    "$sluice" run --quiet "$c" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc -ne 3 ]; then
        bad "error $name: exit code $rc, expected 3"
        head -3 "$tmp/err"
        continue
    fi
    head -1 "$tmp/err" >"$tmp/err1"
    expect "error $name: message" "errors/$name.err" "$tmp/err1"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
