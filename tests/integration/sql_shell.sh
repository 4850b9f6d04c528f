#!/usr/bin/env bash
# `sluice sql`, the SQL shell (src/cli/shell.c), driven end to end:
#   1. a session piped into stdin (no prompts, no redraws): DDL, SET, SHOW
#      TABLES, DESCRIBE, two failing statements, a windowed SELECT, an updating
#      GROUP BY SELECT (its changelog applied: the final table), an INSERT, a
#      last statement without ';' — stdout and stderr compared exactly, exit
#      code 3 (some statements failed);
#   2. the same session with -f FILE (same output; errors name the file);
#   3. a script where everything succeeds exits 0; --help; bad options;
#   4. when util-linux `script` is there: an interactive session on a pty — a
#      SELECT over an unbounded datagen source redrawn in place, stopped by
#      Ctrl-C, back at the prompt, history written, quit. Skipped without it.
# Run from anywhere with the build directory as $1.
set -uo pipefail
export LC_ALL=C
build=$(cd "$1" && pwd)
sluice=$build/sluice
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
same() { # name, expected-file, got-file
    if diff -u "$2" "$3" >"$tmp/diff"; then ok "$1"; else bad "$1"; head -40 "$tmp/diff"; fi
}

cat >"$tmp/session.sql" <<'EOF'
-- A session as a script: DDL, options, catalog queries, errors, queries.
SHOW TABLES;
CREATE TABLE orders (
    order_id BIGINT,
    `user` STRING,
    item STRING,
    amount DOUBLE,
    ts TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '2' MINUTE
) WITH (
    'connector' = 'filesystem',
    'path' = 'tests/sql/data/orders.jsonl',
    'format' = 'json'
);
CREATE TABLE sink (item STRING, amount DOUBLE) WITH ('connector' = 'blackhole');
SHOW TABLES;
SET 'parallelism' = '1'; SET;
DESCRIBE orders;
SELECT item, amount FROM orders WHERE amont > 10;
SELECT window_start, window_end, `user`, COUNT(*) AS n, SUM(amount) AS total
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' MINUTE))
GROUP BY window_start, window_end, `user`;
-- An updating query: its changelog (+I, -U/+U pairs) ends as one row per item.
SELECT item, COUNT(*) AS n, SUM(amount) AS total FROM orders GROUP BY item;
INSERT INTO sink SELECT item, amount FROM orders;
SELECT 'a;b' AS s, item FROM orders WHERE order_id = 7 /* ; */;
SHOW VIEWS;
DROP TABLE sink;
SELECT `user`, item FROM orders WHERE amount IS NULL OR `user` IS NULL
EOF

cat >"$tmp/expected.out" <<'EOF'
Empty set

[INFO] Execute statement succeeded.

[INFO] Execute statement succeeded.

orders
sink

[INFO] Execute statement succeeded.

'parallelism' = '1'

order_id BIGINT
user STRING
item STRING
amount DOUBLE
ts TIMESTAMP (event time)


+---------------------+---------------------+------+---+-------+
| window_start        | window_end          | user | n | total |
+---------------------+---------------------+------+---+-------+
| 2024-01-01 10:00:00 | 2024-01-01 10:05:00 | U1   | 2 |  15.5 |
| 2024-01-01 10:00:00 | 2024-01-01 10:05:00 | U2   | 2 |  27.0 |
| 2024-01-01 10:00:00 | 2024-01-01 10:05:00 | U3   | 1 |  NULL |
| 2024-01-01 10:05:00 | 2024-01-01 10:10:00 | U1   | 1 |  30.0 |
| 2024-01-01 10:05:00 | 2024-01-01 10:10:00 | NULL | 1 |   1.0 |
| 2024-01-01 10:05:00 | 2024-01-01 10:10:00 | U2   | 1 |  12.0 |
| 2024-01-01 10:10:00 | 2024-01-01 10:15:00 | U3   | 1 |   8.0 |
| 2024-01-01 10:10:00 | 2024-01-01 10:15:00 | U1   | 1 |   4.0 |
+---------------------+---------------------+------+---+-------+
8 rows (job finished)

+-------+---+-------+
| item  | n | total |
+-------+---+-------+
| apple | 5 |  20.0 |
| pear  | 3 |  58.0 |
| plum  | 3 |  21.5 |
+-------+---+-------+
3 rows (job finished)

[INFO] Job finished: 11 rows in, 11 rows out.

+-----+-------+
| s   | item  |
+-----+-------+
| a;b | apple |
+-----+-------+
1 row (job finished)


[INFO] Execute statement succeeded.

+------+-------+
| user | item  |
+------+-------+
| U3   | apple |
| NULL | apple |
+------+-------+
2 rows (job finished)

EOF

dead='{"source":"file","position":"tests/sql/data/orders.jsonl:10","reason":"invalid JSON at column 35: unexpected end of line","raw":"{\"order_id\":10,\"user\":\"U1\",\"item\":"}'
{
    echo "[ERROR] NAME:19:39: unknown column 'amont' (columns: order_id, user, item, amount, ts)"
    echo "$dead"
    echo "[WARNING] 1 malformed row sent to the dead-letter output, 1 late row"
    for i in 1 2 3; do
        echo "$dead"
        echo "[WARNING] 1 malformed row sent to the dead-letter output, 0 late rows"
    done
    echo "[ERROR] NAME:27:6: expected TABLES after SHOW, found 'VIEWS'"
    echo "$dead"
    echo "[WARNING] 1 malformed row sent to the dead-letter output, 0 late rows"
    echo "[ERROR] 2 statements failed"
} >"$tmp/expected.err"

# 1. piped into stdin
"$sluice" sql <"$tmp/session.sql" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 3 ] && ok "piped: exit code 3" || bad "piped: exit code $rc, expected 3"
same "piped: stdout" "$tmp/expected.out" "$tmp/out"
sed 's/NAME/<shell>/' "$tmp/expected.err" >"$tmp/expected.err.piped"
same "piped: stderr" "$tmp/expected.err.piped" "$tmp/err"

# 2. -f FILE (and --set, which the script's SET then overrides)
"$sluice" sql --set parallelism=2 -f "$tmp/session.sql" >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
[ $rc -eq 3 ] && ok "-f: exit code 3" || bad "-f: exit code $rc, expected 3"
same "-f: stdout" "$tmp/expected.out" "$tmp/out"
sed "s|NAME|$tmp/session.sql|" "$tmp/expected.err" >"$tmp/expected.err.f"
same "-f: stderr" "$tmp/expected.err.f" "$tmp/err"

# 3. all statements succeed: exit 0; --set shows in SET; usage errors
printf "SET;\nSHOW TABLES;\nquit;\nSHOW TABLES;\n" | "$sluice" sql --set 'table.exec.state.ttl=1 h' >"$tmp/out" 2>"$tmp/err"
rc=$?
printf "'table.exec.state.ttl' = '1 h'\n\nEmpty set\n\n" >"$tmp/expected"
[ $rc -eq 0 ] && ok "clean script: exit code 0" || bad "clean script: exit code $rc"
same "clean script: stdout (quit; ends it)" "$tmp/expected" "$tmp/out"
[ ! -s "$tmp/err" ] && ok "clean script: no stderr" || { bad "clean script: stderr"; cat "$tmp/err"; }
"$sluice" sql --help >"$tmp/out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q '^usage: sluice sql' "$tmp/out" && ok "--help" || bad "--help (exit $rc)"
"$sluice" sql --bogus </dev/null >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q "unexpected argument '--bogus'" "$tmp/err" && ok "bad option: exit 2" || bad "bad option: exit $rc"
"$sluice" sql -f "$tmp/missing.sql" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 4 ] && ok "missing -f file: exit 4" || bad "missing -f file: exit $rc"
"$sluice" sql --set nokey </dev/null >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && ok "bad --set: exit 2" || bad "bad --set: exit $rc"

# 4. interactive, on a pseudo-terminal
if ! command -v script >/dev/null 2>&1 || ! script --version 2>/dev/null | grep -q util-linux; then
    echo "skip interactive session: util-linux script(1) not available"
else
    mkdir -p "$tmp/home"
    mkfifo "$tmp/keys"
    # The shell runs under script(1), which gives it a pty; keys come from the fifo.
    HOME="$tmp/home" TERM=xterm script -qfec "stty rows 30 cols 100; exec '$sluice' sql" /dev/null \
        <"$tmp/keys" >"$tmp/tty.out" 2>&1 &
    spid=$!
    exec 3>"$tmp/keys"
    # Wait (up to 30 s) until the terminal shows $2 for the $1-th time.
    wait_for() {
        for _ in $(seq 300); do
            [ "$(grep -c -F -- "$2" "$tmp/tty.out" 2>/dev/null)" -ge "$1" ] && return 0
            sleep 0.1
        done
        return 1
    }
    step() { # name, count, pattern
        if wait_for "$2" "$3"; then ok "interactive: $1"; else
            bad "interactive: $1 (no '$3' on the terminal)"
            tr -d '\r' <"$tmp/tty.out" | tail -20
        fi
    }
    step "banner and prompt" 1 "sluice> "
    printf "CREATE TABLE g (k BIGINT, v DOUBLE) WITH ('connector' = 'datagen',\r" >&3
    step "continuation prompt" 1 "     -> "
    printf "'rows-per-second' = '100', 'fields.k.min' = '1', 'fields.k.max' = '3');\r" >&3
    step "DDL answered" 1 "[INFO] Execute statement succeeded."
    printf "SELECT k, COUNT(*) AS n FROM g GROUP BY k;\r" >&3
    step "live table redrawn" 2 "updating... (Ctrl-C to stop)"
    step "live table has every key" 1 "3 rows, updating... (Ctrl-C to stop)"
    printf '\003' >&3 # Ctrl-C stops the query, not the shell
    step "Ctrl-C stops the query" 1 "3 rows (stopped)"
    step "back at the prompt" 3 "sluice> "
    printf "SELECT nope FROM g;\r" >&3
    step "error with its position" 1 "[ERROR] <shell>:1:8: unknown column 'nope'"
    printf "quit;\r" >&3
    exec 3>&-
    status=1
    for _ in $(seq 100); do
        if ! kill -0 $spid 2>/dev/null; then
            wait $spid
            status=$?
            break
        fi
        sleep 0.1
    done
    if kill -0 $spid 2>/dev/null; then
        kill $spid
        bad "interactive: quit; did not end the shell"
    else
        [ $status -eq 0 ] && ok "interactive: quit; exits 0" || bad "interactive: exit code $status"
    fi
    # The redraw moves the cursor up over the previous frame and clears below it.
    grep -q $'\033\\[[0-9]*A\033\\[J' "$tmp/tty.out" && ok "interactive: redrawn in place" ||
        bad "interactive: no cursor-up/clear sequence"
    if grep -q 'SELECT k, COUNT(\*) AS n FROM g GROUP BY k;' "$tmp/home/.sluice_history" 2>/dev/null ||
        grep -q 'SELECT\\040k,' "$tmp/home/.sluice_history" 2>/dev/null; then
        ok "interactive: history written"
    else
        bad "interactive: history file"
        cat "$tmp/home/.sluice_history" 2>/dev/null
    fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
