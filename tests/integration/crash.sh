#!/usr/bin/env bash
# Crash test of checkpoints (docs/checkpoints.md): a stateful SQL job (a
# tumbling-window aggregation and a session window over out-of-order events
# from a file, tests/integration/crash/) runs with checkpoints every 100 ms
# and is killed with SIGKILL at random moments (each time after one more
# checkpoint completed, so every restart makes progress), then restarted on the same
# checkpoint directory, again and again; when it finally completes, its
# committed output must equal that of a run without failures: the same rows,
# none missing, none twice. Both state backends. Then restore with another
# parallelism: checkpoint at 1 and finish at 2, and the reverse.
#
# Usage: crash.sh BUILD_DIR. Environment: SL_CRASH_KILLS (kills per backend,
# default 10; the long run is SL_CRASH_KILLS=50 or more), SL_CRASH_ROWS
# (events, default 200000; 30000 in sanitizer builds), SL_CRASH_SEED.
set -uo pipefail
export LC_ALL=C
sluice=$(cd "$1" && pwd)/sluice
cd "$(dirname "$0")/../.."
root=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
kills_wanted=${SL_CRASH_KILLS:-10}
case $1 in *asan* | *tsan*) def_rows=30000 ;; *) def_rows=200000 ;; esac
rows=${SL_CRASH_ROWS:-$def_rows}
seed=${SL_CRASH_SEED:-$RANDOM}
RANDOM=$seed
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
echo "crash test: $rows events, $kills_wanted kills per backend, seed $seed"

python3 tests/integration/crash/gen_events.py "$rows" 7 >"$tmp/events.jsonl"

# job DIR: the job file writing into DIR
job() {
    mkdir -p "$1"
    sed -e "s#@IN@#$tmp/events.jsonl#; s#@OUT@#$1#" tests/integration/crash/job.sql.in >"$1/job.sql"
}

# compare NAME REF_DIR GOT_DIR
compare() {
    local f ok_all=1
    for f in tumbling sessions; do
        sort "$2/$f.jsonl" >"$tmp/want"
        sort "$3/$f.jsonl" >"$tmp/got"
        if ! cmp -s "$tmp/want" "$tmp/got"; then
            ok_all=0
            echo "  $f: want $(wc -l <"$tmp/want") rows, got $(wc -l <"$tmp/got");" \
                "missing $(comm -23 "$tmp/want" "$tmp/got" | wc -l)," \
                "extra or twice $(comm -13 "$tmp/want" "$tmp/got" | wc -l)"
        fi
    done
    if [ $ok_all = 1 ]; then ok "$1"; else bad "$1"; fi
}

job "$tmp/ref"
"$sluice" run --quiet "$tmp/ref/job.sql" || bad "reference run"
[ -s "$tmp/ref/tumbling.jsonl" ] && [ -s "$tmp/ref/sessions.jsonl" ] || bad "reference output empty"

# The id of the newest complete checkpoint in DIR/ck (0: none).
newest() {
    local m best=0 id
    for m in "$1"/ck/chk-*/_metadata; do
        [ -e "$m" ] || continue
        id=${m%/_metadata}
        id=${id##*/chk-}
        [ "$id" -gt $best ] && best=$id
    done
    echo $best
}

# Run the job in the background; once a new checkpoint has completed (so
# every restart makes progress), SIGKILL it after a further random 0..250 ms.
# Returns 0 if it was killed, 1 if it had finished (its exit code in $rc).
run_and_kill() { # dir, extra args...
    local dir=$1
    shift
    local before
    before=$(newest "$dir")
    "$sluice" run --quiet --checkpoint-dir "$dir/ck" --set execution.checkpointing.interval=100ms \
        "$@" "$dir/job.sql" 2>>"$dir/stderr" &
    local pid=$!
    for _ in $(seq 1 2000); do
        [ "$(newest "$dir")" -gt "$before" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.01
    done
    sleep "$(printf '0.%03d' $((RANDOM % 250)))"
    if kill -KILL "$pid" 2>/dev/null; then
        wait "$pid" 2>/dev/null
        return 0
    fi
    wait "$pid"
    rc=$?
    return 1
}

for backend in memory rocksdb; do
    kills=0
    round=0
    while [ $kills -lt "$kills_wanted" ]; do
        round=$((round + 1))
        dir=$tmp/$backend-$round
        job "$dir"
        rc=0
        finished=0
        while [ $kills -lt "$kills_wanted" ]; do
            if run_and_kill "$dir" --set state.backend=$backend; then
                kills=$((kills + 1))
            else
                finished=1
                break
            fi
        done
        if [ $finished = 0 ]; then
            "$sluice" run --quiet --checkpoint-dir "$dir/ck" --set execution.checkpointing.interval=100ms \
                --set state.backend=$backend "$dir/job.sql" 2>>"$dir/stderr"
            rc=$?
        fi
        if [ "$rc" != 0 ]; then
            bad "$backend round $round: exit code $rc"
            tail -5 "$dir/stderr"
        fi
        resumed=$(grep -c "resuming from checkpoint" "$dir/stderr")
        compare "$backend round $round ($kills kills so far, $resumed resumed from a checkpoint): output equals the failure-free run" "$tmp/ref" "$dir"
        if grep -q "runtime error\|Sanitizer" "$dir/stderr"; then
            bad "$backend round $round: sanitizer report"
            grep -m5 "runtime error\|Sanitizer" "$dir/stderr"
        fi
        if grep -q "unusable\|failed" "$dir/stderr"; then
            echo "  (stderr of round $round:)"
            grep "unusable\|failed" "$dir/stderr" | sort | uniq -c | head -5
        fi
    done
done

# Rescale: checkpoints at parallelism A (killed midway), finished at B.
for pair in "1 2" "2 1"; do
    set -- $pair
    dir=$tmp/rescale-$1-$2
    job "$dir"
    killed=0
    for try in 1 2 3 4 5; do
        "$sluice" run --quiet --checkpoint-dir "$dir/ck" --set execution.checkpointing.interval=50ms \
            --set parallelism=$1 "$dir/job.sql" 2>>"$dir/stderr" &
        pid=$!
        # wait for a complete checkpoint, then kill
        for _ in $(seq 1 400); do
            ls "$dir"/ck/chk-*/_metadata >/dev/null 2>&1 && break
            sleep 0.01
        done
        if kill -KILL "$pid" 2>/dev/null; then
            wait "$pid" 2>/dev/null
            killed=1
            break
        fi
        wait "$pid"
        rm -rf "$dir/ck" "$dir"/*.jsonl "$dir"/.*.jsonl.*
    done
    [ $killed = 1 ] || echo "  (the job always finished before a kill: rescale not exercised)"
    "$sluice" run --quiet --checkpoint-dir "$dir/ck" --set parallelism=$2 "$dir/job.sql" 2>>"$dir/stderr" ||
        { bad "rescale $1 -> $2: exit code"; tail -5 "$dir/stderr"; }
    grep -q "resuming from checkpoint" "$dir/stderr" || [ $killed = 0 ] || bad "rescale $1 -> $2: did not resume"
    compare "restore with another parallelism: $1 -> $2, output equals the failure-free run" "$tmp/ref" "$dir"
    if grep -q "runtime error\|Sanitizer" "$dir/stderr"; then
        bad "rescale $1 -> $2: sanitizer report"
        grep -m5 "runtime error\|Sanitizer" "$dir/stderr"
    fi
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
