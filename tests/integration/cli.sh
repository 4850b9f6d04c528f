#!/usr/bin/env bash
# The `sluice` command line: help, exit codes and their messages, --set,
# jobs and data on stdin, the filesystem / blackhole sinks, the status line,
# explain, and stopping an unbounded job with SIGTERM.
# Exit codes (src/cli/main.c): 0 ok, 1 job failed while running, 2 bad command
# line, 3 SQL refused, 4 file not readable, 130 interrupted.
# Usage: cli.sh BUILD_DIR (run from the repository root).
set -uo pipefail
export LC_ALL=C
sluice=$(cd "$1" && pwd)/sluice
cd "$(dirname "$0")/../.."
root=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

# expect NAME CODE PATTERN -- ARGS...: run sluice ARGS (stdin from /dev/null),
# check the exit code and that stderr (or stdout for code 0) matches the
# grep -E PATTERN ('' for no check).
expect() {
    local name=$1 code=$2 pat=$3
    shift 4
    "$sluice" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    local where=$tmp/err
    [ "$code" = 0 ] && where=$tmp/out
    if [ $rc -ne "$code" ]; then
        bad "$name: exit code $rc, expected $code"
        head -5 "$tmp/err"
    elif [ -n "$pat" ] && ! grep -Eq -- "$pat" "$where"; then
        bad "$name: output does not match /$pat/"
        head -5 "$where"
    else
        ok "$name"
    fi
}

same() { # name, expected-file, got-file
    if diff -u "$2" "$3" >"$tmp/diff"; then
        ok "$1"
    else
        bad "$1"
        head -30 "$tmp/diff"
    fi
}

# ---- help and usage ----
expect "sluice --help" 0 '^usage: sluice <command>' -- --help
expect "sluice help" 0 '^usage: sluice <command>' -- help
expect "sluice run --help" 0 '^usage: sluice run' -- run --help
expect "sluice run -h" 0 '^usage: sluice run' -- run -h
expect "sluice explain --help" 0 '^usage: sluice explain' -- explain --help
expect "sluice version" 0 '^sluice [0-9]' -- version
expect "no command: usage, exit 2" 2 '^usage: sluice <command>' --
expect "unknown command: exit 2, named" 2 "unknown command 'frobnicate'" -- frobnicate
expect "unknown option of run: exit 2, named" 2 "unknown option '--frob'" -- run --frob examples/fraud.sql
expect "unknown option of explain: exit 2, named" 2 "unknown option '--bogus'" -- explain --bogus examples/fraud.sql
expect "run without a file: exit 2" 2 'no job file given' -- run
expect "run with two files: exit 2" 2 "unexpected argument 'b.sql'" -- run a.sql b.sql
expect "--set without a value: exit 2" 2 '--set needs KEY=VALUE' -- run --set
expect "--set without '=': exit 2" 2 "expected KEY=VALUE, got 'parallelism'" -- run --set parallelism examples/fraud.sql
expect "--checkpoint-dir without a directory: exit 2" 2 '--checkpoint-dir needs a directory' -- run examples/fraud.sql --checkpoint-dir
printf "CREATE TABLE s (a BIGINT) WITH ('connector' = 'stdin', 'format' = 'json');\nSELECT a FROM s;\n" >"$tmp/stdin.sql"
expect "checkpoints of a job reading stdin: refused, exit 2" 2 "source 'Source: s .*' cannot rewind" -- run --checkpoint-dir "$tmp/ck-stdin" "$tmp/stdin.sql"
expect "checkpoint interval without a directory: refused, exit 2" 2 'set state.checkpoints.dir' -- run --set execution.checkpointing.interval=1s examples/fraud.sql
expect "sluice gen without a generator: usage, exit 2" 2 "usage: sluice gen nexmark" -- gen

# ---- files and SQL errors ----
expect "missing job file: exit 4" 4 "cannot read '$tmp/nope.sql'" -- run "$tmp/nope.sql"
expect "explain of a missing job file: exit 4" 4 "cannot read '$tmp/nope.sql'" -- explain "$tmp/nope.sql"
printf 'CREATE TABLE t (a BIGINT) WITH (\n  %s);\nSELECT a FROM t\n  WHERE;\n' \
    "'connector' = 'datagen', 'number-of-rows' = '3'" >"$tmp/bad.sql"
expect "syntax error: exit 3 with file:line:col" 3 "^sluice: $tmp/bad.sql:4:8: " -- run "$tmp/bad.sql"
expect "syntax error in explain: exit 3" 3 "^sluice: $tmp/bad.sql:4:8: " -- explain "$tmp/bad.sql"
printf "CREATE TABLE t (a BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '3');\nSELECT b FROM t;\n" >"$tmp/unknown_col.sql"
expect "unknown column: exit 3 with file:line:col" 3 "^sluice: $tmp/unknown_col.sql:2:8: unknown column 'b'" -- run "$tmp/unknown_col.sql"
printf "CREATE TABLE t (a BIGINT) WITH ('connector' = 'datagen');\n" >"$tmp/ddl_only.sql"
expect "a file with no query: run says nothing to run, exit 0" 0 '' -- run "$tmp/ddl_only.sql"
grep -q 'has no INSERT INTO or SELECT statement: nothing to run' "$tmp/err" && ok "  ... and says so" || bad "no 'nothing to run' message: $(cat "$tmp/err")"
expect "a file with no query: explain exits 3" 3 'no INSERT INTO or SELECT statement to explain' -- explain "$tmp/ddl_only.sql"

# ---- runtime failures: exit 1 with the reason ----
cat >"$tmp/nosource.sql" <<EOF
CREATE TABLE t (a BIGINT) WITH ('connector' = 'filesystem', 'path' = '$tmp/no/such.jsonl', 'format' = 'json');
SELECT a FROM t;
EOF
expect "file source that does not exist: exit 1, reason" 1 \
    "job failed: .*'$tmp/no/such.jsonl': No such file or directory" -- run "$tmp/nosource.sql"
cat >"$tmp/nosink.sql" <<EOF
CREATE TABLE g (a BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '3');
CREATE TABLE f (a BIGINT) WITH ('connector' = 'filesystem', 'path' = '$tmp/no/dir/out.jsonl', 'format' = 'json');
INSERT INTO f SELECT a FROM g;
EOF
expect "file sink in a missing directory: exit 1, reason" 1 \
    "job failed: .*'$tmp/no/dir/out.jsonl': No such file or directory" -- run "$tmp/nosink.sql"

# ---- --set ----
expect "--set nonsense=1: exit 2, named" 2 "unknown option 'nonsense'" -- run --set nonsense=1 examples/fraud.sql
expect "--set parallelism=0: exit 2" 2 "parallelism" -- run --set parallelism=0 examples/fraud.sql
expect "--set parallelism=2: explain shows it" 0 '^Task 3 \(parallelism 2\)' -- explain --set parallelism=2 examples/fraud.sql
"$sluice" run --set parallelism=2 examples/fraud.sql 2>"$tmp/err" | sort >"$tmp/p2"
"$sluice" run examples/fraud.sql 2>/dev/null | sort >"$tmp/p1"
if [ -s "$tmp/p1" ] && [ "$(wc -l <"$tmp/p1")" -eq 3 ]; then
    same "--set parallelism=2: fraud.sql gives the same 3 alerts" "$tmp/p1" "$tmp/p2"
else
    bad "fraud.sql at parallelism 1: $(cat "$tmp/p1")"
fi
expect "--set=KEY=VALUE form" 0 '^Task 3 \(parallelism 2\)' -- explain --set=parallelism=2 examples/fraud.sql
expect "-D KEY=VALUE form" 0 '^Task 3 \(parallelism 2\)' -- explain -D parallelism=2 examples/fraud.sql
expect "--set of a Flink key (table.exec.resource.default-parallelism)" 0 '^Task 3 \(parallelism 2\)' \
    -- explain --set table.exec.resource.default-parallelism=2 examples/fraud.sql

# ---- checkpoints (docs/checkpoints.md): SET in the file, the print sink ----
{ echo "SET 'state.checkpoints.dir' = '$tmp/ck-set';"; echo "SET 'execution.checkpointing.interval' = '50 ms';"; cat examples/fraud.sql; } >"$tmp/fraud-ck.sql"
"$sluice" run "$tmp/fraud-ck.sql" 2>"$tmp/err" | sort >"$tmp/ck1"
if [ -s "$tmp/ck1" ] && cmp -s "$tmp/ck1" "$tmp/p1" && ls "$tmp"/ck-set/chk-*/_metadata >/dev/null 2>&1; then
    ok "SET 'state.checkpoints.dir': same output, a complete checkpoint"
else
    bad "SET 'state.checkpoints.dir': same output, a complete checkpoint"
    head -5 "$tmp/err"
fi
"$sluice" run "$tmp/fraud-ck.sql" >"$tmp/ck2" 2>"$tmp/err"
if grep -q "resuming from checkpoint" "$tmp/err" && [ ! -s "$tmp/ck2" ]; then
    ok "rerun of a finished job resumes from its final checkpoint: nothing printed again"
else
    bad "rerun of a finished job resumes from its final checkpoint: nothing printed again"
    head -5 "$tmp/err"
fi

# ---- the job on stdin (sluice run -) ----
(cd "$root" && "$sluice" run - <examples/fraud.sql 2>"$tmp/err" | sort >"$tmp/stdin_job")
same "sluice run - reads the job from stdin" "$tmp/p1" "$tmp/stdin_job"
printf 'SELECT a FROM\n  nowhere;\n' | "$sluice" run - >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 3 ] && grep -q '^sluice: <stdin>:2:3: unknown table' "$tmp/err"; then
    ok "a bad job on stdin: exit 3, <stdin>:line:col"
else
    bad "a bad job on stdin: exit $rc: $(cat "$tmp/err")"
fi

# ---- a 'stdin' table fed through a pipe; filesystem sinks (JSON, CSV) ----
cat >"$tmp/pipe.sql" <<EOF
CREATE TABLE events (name STRING, n BIGINT, ts TIMESTAMP(3)) WITH ('connector' = 'stdin', 'format' = 'csv');
CREATE TABLE out_json (name STRING, n2 BIGINT, big BOOLEAN, ts TIMESTAMP(3))
    WITH ('connector' = 'filesystem', 'path' = '$tmp/out.jsonl', 'format' = 'json');
CREATE TABLE out_csv (name STRING, n BIGINT)
    WITH ('connector' = 'filesystem', 'path' = '$tmp/out.csv', 'format' = 'csv');
INSERT INTO out_json SELECT UPPER(name), n * 2, n > 1, ts FROM events;
INSERT INTO out_csv SELECT name, n FROM events WHERE n > 1;
EOF
echo stale >"$tmp/out.jsonl" # the sink truncates what was there
printf 'a,1,2024-01-01 10:00:00\nb,2,2024-01-01 10:00:01.5\n"c, d",3,2024-01-01 10:00:02\n,,\n' |
    "$sluice" run "$tmp/pipe.sql" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] && ok "stdin table through a pipe: exit 0" || { bad "stdin table: exit $rc"; cat "$tmp/err"; }
cat >"$tmp/exp.jsonl" <<'EOF'
{"name":"A","n2":2,"big":false,"ts":"2024-01-01 10:00:00"}
{"name":"B","n2":4,"big":true,"ts":"2024-01-01 10:00:01.500"}
{"name":"C, D","n2":6,"big":true,"ts":"2024-01-01 10:00:02"}
{"name":null,"n2":null,"big":null,"ts":null}
EOF
same "filesystem sink, JSON: exact file, no row kinds" "$tmp/exp.jsonl" "$tmp/out.jsonl"
printf 'b,2\n"c, d",3\n' >"$tmp/exp.csv"
same "filesystem sink, CSV: exact file, no row kinds" "$tmp/exp.csv" "$tmp/out.csv"
[ -s "$tmp/out" ] && bad "file sinks print nothing to stdout: $(head -3 "$tmp/out")" || ok "file sinks print nothing to stdout"

# ---- blackhole ----
cat >"$tmp/blackhole.sql" <<'EOF'
CREATE TABLE g (id BIGINT, name STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '10000',
    'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '10000');
CREATE TABLE nothing (id BIGINT, name STRING) WITH ('connector' = 'blackhole');
INSERT INTO nothing SELECT id, name FROM g;
EOF
"$sluice" run --status "$tmp/blackhole.sql" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$tmp/out" ]; then
    ok "blackhole sink: exit 0, no output"
else
    bad "blackhole sink: exit $rc, stdout: $(head -c 200 "$tmp/out")"
fi

# ---- the status line ----
if grep -q 'in 10.0k' "$tmp/err" && grep -q 'watermark' "$tmp/err" && grep -q 'late 0' "$tmp/err"; then
    ok "--status: a status line on stderr (rows in, watermark, late)"
else
    bad "--status: stderr: $(tr '\r\033' '|~' <"$tmp/err" | head -c 300)"
fi
"$sluice" run "$tmp/blackhole.sql" >"$tmp/out" 2>"$tmp/err"
[ -s "$tmp/err" ] && bad "no status line when stderr is not a terminal: $(head -c 200 "$tmp/err")" \
    || ok "no status line when stderr is not a terminal"
"$sluice" run --quiet examples/fraud.sql >/dev/null 2>"$tmp/err"
[ -s "$tmp/err" ] && bad "--quiet: stderr: $(head -c 200 "$tmp/err")" || ok "--quiet: nothing on stderr"

# ---- explain ----
"$sluice" explain examples/fraud.sql >"$tmp/explain" 2>"$tmp/err"
rc=$?
expl_ok=1
for pat in '^Task 1 \(parallelism 1\)$' '^  Source: transactions \(file examples/data/transactions.jsonl, json\)$' \
    '^  -> Watermark\(ts - 30 s\)$' '^  input 0: HASH \[user\] from Task 1$' \
    'WindowAggregate\(TUMBLE\(size=5 min\)' 'WindowAggregate\(SESSION\(gap=1 h\)' \
    '^  -> Sink: alerts \(print; accepts updates: prints the row kind\)$' '^Task 4 '; do
    grep -Eq -- "$pat" "$tmp/explain" || { expl_ok=0; echo "  explain lacks /$pat/"; }
done
[ "$(grep -c 'HASH \[user\]' "$tmp/explain")" -eq 2 ] || { expl_ok=0; echo "  expected 2 HASH [user] exchanges"; }
if [ $rc -eq 0 ] && [ $expl_ok = 1 ]; then
    ok "explain examples/fraud.sql: tasks, watermark, HASH [user] exchanges, sinks"
else
    bad "explain examples/fraud.sql (exit $rc)"
    cat "$tmp/explain"
fi

# ---- SIGTERM stops an unbounded job with exit 130 ----
cat >"$tmp/forever.sql" <<'EOF'
CREATE TABLE g (id BIGINT, name STRING) WITH ('connector' = 'datagen', 'rows-per-second' = '1000');
CREATE TABLE nothing (id BIGINT, name STRING) WITH ('connector' = 'blackhole');
INSERT INTO nothing SELECT id, name FROM g;
EOF
"$sluice" run --status "$tmp/forever.sql" >/dev/null 2>"$tmp/err" &
pid=$!
# The status line appears once the job runs (the signal handlers are set).
for _ in $(seq 100); do
    [ -s "$tmp/err" ] && break
    sleep 0.1
done
kill -TERM $pid
wait $pid
rc=$?
if [ $rc -eq 130 ] && grep -q 'sluice: stopped' "$tmp/err"; then
    ok "SIGTERM stops an unbounded datagen job: exit 130"
else
    bad "SIGTERM: exit $rc: $(tr '\r' '\n' <"$tmp/err" | tail -3)"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
