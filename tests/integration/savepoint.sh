#!/usr/bin/env bash
# Savepoints (docs/checkpoints.md): `sluice savepoint PID` while the crash
# test's job runs, then SIGTERM (stop with a savepoint); the job started from
# the older savepoint at parallelism 2, into a new checkpoint directory and
# the same output files, ends with the output of a failure-free run; a
# savepoint of another job is refused (exit 2); `sluice savepoint` errors.
# Usage: savepoint.sh BUILD_DIR.
set -uo pipefail
export LC_ALL=C
sluice=$(cd "$1" && pwd)/sluice
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case $1 in *asan* | *tsan*) rows=60000 ;; *) rows=600000 ;; esac
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

python3 tests/integration/crash/gen_events.py "$rows" 7 >"$tmp/events.jsonl"
job() {
    mkdir -p "$1"
    sed -e "s#@IN@#$tmp/events.jsonl#; s#@OUT@#$1#" tests/integration/crash/job.sql.in >"$1/job.sql"
}
job "$tmp/ref"
"$sluice" run --quiet "$tmp/ref/job.sql" || bad "reference run"
job "$tmp/sp"

savepoints() { ls -d "$tmp"/ck/savepoints/savepoint-* 2>/dev/null | sort -t- -k3 -n; }

"$sluice" run --quiet --checkpoint-dir "$tmp/ck" --set execution.checkpointing.interval=100ms \
    "$tmp/sp/job.sql" 2>"$tmp/err" &
pid=$!
for _ in $(seq 1 1000); do
    ls "$tmp"/ck/chk-*/_metadata >/dev/null 2>&1 && break
    sleep 0.01
done
"$sluice" savepoint $pid >"$tmp/out" 2>&1 || bad "sluice savepoint PID: exit code"
for _ in $(seq 1 1000); do
    [ -n "$(savepoints)" ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.01
done
kill -TERM $pid 2>/dev/null
wait $pid
rc=$?
n=$(savepoints | wc -l)
if [ $rc = 130 ] && [ "$n" -ge 2 ] && grep -q "savepoint written to" "$tmp/err"; then
    ok "sluice savepoint PID, then SIGTERM: two savepoints, stopped (exit 130)"
elif [ $rc = 0 ]; then
    echo "  (the job finished before the signals: savepoints not exercised)"
else
    bad "sluice savepoint PID, then SIGTERM: exit $rc, $n savepoints"
    head -5 "$tmp/err"
fi
first=$(savepoints | head -1)
if [ -n "$first" ]; then
    "$sluice" run --quiet --checkpoint-dir "$tmp/ck2" --set parallelism=2 \
        --set "execution.savepoint.path=$first" "$tmp/sp/job.sql" 2>"$tmp/err2"
    rc=$?
    grep -q "starting from savepoint" "$tmp/err2" || bad "restore did not start from the savepoint"
    same=1
    for f in tumbling sessions; do
        sort "$tmp/ref/$f.jsonl" >"$tmp/want"
        sort "$tmp/sp/$f.jsonl" >"$tmp/got"
        cmp -s "$tmp/want" "$tmp/got" || same=0
    done
    if [ $rc = 0 ] && [ $same = 1 ]; then
        ok "from the older savepoint at parallelism 2: output equals the failure-free run"
    else
        bad "from the older savepoint at parallelism 2: exit $rc, same output $same"
        head -5 "$tmp/err2"
    fi
    # A changed query (a HAVING that keeps every tumbling window, a different
    # select list after the session window): the aggregations,
    # the source and the sinks are unchanged and keep their state (matched by
    # operator uid); the output files, rolled back to the savepoint, end
    # equal to the failure-free run.
    python3 - "$tmp/sp/job.sql" "$tmp/changed.sql" <<'PY'
import sys
s = open(sys.argv[1]).read()
s = s.replace("INTERVAL '10' SECOND))\nGROUP BY k, window_start, window_end;",
              "INTERVAL '10' SECOND))\nGROUP BY k, window_start, window_end\nHAVING COUNT(*) > 0;", 1)
s = s.replace("SELECT k, window_start, window_end, COUNT(*), SUM(v)\nFROM TABLE(SESSION",
              "SELECT k, window_start, window_end, COUNT(*) * 1, SUM(v) + 0\nFROM TABLE(SESSION", 1)
open(sys.argv[2], "w").write(s)
PY
    if cmp -s "$tmp/sp/job.sql" "$tmp/changed.sql"; then
        bad "changed query: the edit did not apply"
    fi
    "$sluice" run --quiet --checkpoint-dir "$tmp/ck4" --set "execution.savepoint.path=$first" \
        "$tmp/changed.sql" >/dev/null 2>"$tmp/err5"
    rc=$?
    same=1
    for f in tumbling sessions; do
        sort "$tmp/ref/$f.jsonl" >"$tmp/want"
        sort "$tmp/sp/$f.jsonl" >"$tmp/got"
        cmp -s "$tmp/want" "$tmp/got" || same=0
    done
    if [ $rc = 0 ] && [ $same = 1 ] && grep -q "the job changed since checkpoint" "$tmp/err5"; then
        ok "a changed query from the savepoint: unchanged operators keep their state, same output"
    else
        bad "a changed query from the savepoint: exit $rc, same output $same"
        head -5 "$tmp/err5"
    fi
    # Another job (only the tumbling window) refuses the savepoint.
    grep -v "^INSERT INTO sessions" "$tmp/sp/job.sql" | sed '/^SELECT k, window_start, window_end, COUNT(\*), SUM(v)$/{N;N;/SESSION/d}' >"$tmp/other.sql"
    "$sluice" run --quiet --checkpoint-dir "$tmp/ck3" --set "execution.savepoint.path=$first" \
        "$tmp/other.sql" >/dev/null 2>"$tmp/err3"
    rc=$?
    if [ $rc = 2 ] && grep -q "different job" "$tmp/err3"; then
        ok "a savepoint of another job is refused (exit 2)"
    else
        bad "a savepoint of another job: exit $rc"
        head -5 "$tmp/err3"
    fi
fi
"$sluice" savepoint >/dev/null 2>&1
[ $? = 2 ] && ok "sluice savepoint without a pid: exit 2" || bad "sluice savepoint without a pid"
"$sluice" savepoint 2147483646 >/dev/null 2>"$tmp/err4"
[ $? = 2 ] && grep -q "No such process" "$tmp/err4" && ok "sluice savepoint of no process: exit 2" ||
    bad "sluice savepoint of no process"

if grep -q "Sanitizer\|runtime error" "$tmp"/err*; then
    bad "sanitizer report"
    grep -h -m5 "Sanitizer\|runtime error" "$tmp"/err*
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
