#!/usr/bin/env bash
# Lookup joins end to end through `sluice run`: a CSV file table and a real
# PostgreSQL table (a throwaway server started here, tests/lib/pg.sh):
# INNER and LEFT joins, residual conditions, composite and string keys, NULL
# keys, every column type, the cache (kept, bounded by TTL, or off) seen
# through a table changed while the job runs, and the errors: unreachable
# server, missing table, a column of the wrong type, plan errors.
set -euo pipefail
export LC_ALL=C
build=$(cd "$1" && pwd)
bin=$build/sluice
here=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
source "$here/tests/lib/pg.sh"
job_pid=""
cleanup() {
    [ -n "$job_pid" ] && kill "$job_pid" 2>/dev/null || true
    pg_stop
    rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
passes=0
check() { # name, got-file, expected-file
    if ! diff -u "$3" "$2" >"$tmp/diff"; then
        echo "FAIL $1"; head -40 "$tmp/diff"; fails=$((fails + 1))
    else
        echo "ok   $1"; passes=$((passes + 1))
    fi
}
check_err() { # name, sql-file, expected exit code, expected text in stderr
    local rc=0
    "$bin" run "$2" >"$tmp/err.out" 2>"$tmp/err.txt" </dev/null || rc=$?
    if [ "$rc" -eq "$3" ] && grep -qF -- "$4" "$tmp/err.txt"; then
        echo "ok   $1"; passes=$((passes + 1))
    else
        echo "FAIL $1: exit $rc, stderr:"; cat "$tmp/err.txt"; fails=$((fails + 1))
    fi
}

cat >"$tmp/orders.jsonl" <<'EOF'
{"id":1,"cust":10,"region":"eu","amount":5.5}
{"id":2,"cust":11,"region":"us","amount":7.0}
{"id":3,"cust":99,"region":"eu","amount":1.0}
{"id":4,"cust":null,"region":"eu","amount":2.0}
{"id":5,"cust":10,"region":"us","amount":3.0}
{"id":6,"cust":11,"region":null,"amount":4.0}
EOF

# ---- a CSV file as the looked-up table ----
cat >"$tmp/cust.csv" <<'EOF'
id,name,tier
10,alice,gold
11,bob,silver
11,bob2,bronze
oops,bad,row
EOF
cat >"$tmp/file.sql" <<EOF
CREATE TABLE orders (id BIGINT, cust BIGINT, region STRING, amount DOUBLE, pt AS PROCTIME())
  WITH ('connector' = 'filesystem', 'path' = '$tmp/orders.jsonl', 'format' = 'json');
CREATE TABLE customers (id BIGINT, name STRING, tier STRING)
  WITH ('connector' = 'filesystem', 'path' = '$tmp/cust.csv', 'format' = 'csv',
        'csv.header' = 'true');
SELECT o.id, o.amount, c.name, c.tier FROM orders AS o
  LEFT JOIN customers FOR SYSTEM_TIME AS OF o.pt AS c
  ON o.cust = c.id AND c.tier <> 'bronze';
EOF
cat >"$tmp/file.expected" <<'EOF'
{"op":"+I","id":1,"amount":5.5,"name":"alice","tier":"gold"}
{"op":"+I","id":2,"amount":7.0,"name":"bob","tier":"silver"}
{"op":"+I","id":3,"amount":1.0,"name":null,"tier":null}
{"op":"+I","id":4,"amount":2.0,"name":null,"tier":null}
{"op":"+I","id":5,"amount":3.0,"name":"alice","tier":"gold"}
{"op":"+I","id":6,"amount":4.0,"name":"bob","tier":"silver"}
EOF
"$bin" run --set dead-letter.path="$tmp/dead.jsonl" "$tmp/file.sql" >"$tmp/file.out" 2>"$tmp/file.err"
check "file table: LEFT JOIN with a residual condition, NULL and missing keys" \
    "$tmp/file.out" "$tmp/file.expected"
if grep -qF "\"position\":\"$tmp/cust.csv:5\"" "$tmp/dead.jsonl"; then
    echo "ok   file table: a malformed row is a dead letter with its position"
    passes=$((passes + 1))
else
    echo "FAIL file table: dead letters: $(cat "$tmp/dead.jsonl" 2>/dev/null)"; fails=$((fails + 1))
fi
# INNER, both rows of a duplicated key, at parallelism 2
sed -e 's/LEFT JOIN/JOIN/' -e "s/ AND c.tier <> 'bronze'//" "$tmp/file.sql" >"$tmp/file2.sql"
"$bin" run --set parallelism.default=2 "$tmp/file2.sql" 2>/dev/null | sort >"$tmp/file2.out"
sort >"$tmp/file2.expected" <<'EOF'
{"op":"+I","id":1,"amount":5.5,"name":"alice","tier":"gold"}
{"op":"+I","id":2,"amount":7.0,"name":"bob","tier":"silver"}
{"op":"+I","id":2,"amount":7.0,"name":"bob2","tier":"bronze"}
{"op":"+I","id":5,"amount":3.0,"name":"alice","tier":"gold"}
{"op":"+I","id":6,"amount":4.0,"name":"bob","tier":"silver"}
{"op":"+I","id":6,"amount":4.0,"name":"bob2","tier":"bronze"}
EOF
check "file table: INNER JOIN, a key with two rows, parallelism 2" "$tmp/file2.out" "$tmp/file2.expected"

# ---- PostgreSQL ----
pg_start
$PG_PSQL <<'EOF'
CREATE TABLE customers (id bigint PRIMARY KEY, name text, tier text, score double precision,
                        since timestamp, active boolean);
INSERT INTO customers VALUES
  (10, 'alice', 'gold', 1.5, '2024-01-02 03:04:05.25', true),
  (11, 'bob', NULL, NULL, NULL, false),
  (12, 'carol "c" o''neil', 'silver', -2, '1969-12-31 23:59:59', NULL);
CREATE SCHEMA geo;
CREATE TABLE geo."Rates" (region text, tier text, rate double precision);
INSERT INTO geo."Rates" VALUES ('eu', 'gold', 0.9), ('us', 'gold', 1.1), ('eu', NULL, 0.5);
CREATE TABLE wrong (id bigint, name text);
INSERT INTO wrong VALUES (10, 'not a number');
EOF
jdbc="jdbc:$PG_URL"
ddl_orders="CREATE TABLE orders (id BIGINT, cust BIGINT, region STRING, amount DOUBLE, pt AS PROCTIME())
  WITH ('connector' = 'filesystem', 'path' = '$tmp/orders.jsonl', 'format' = 'json');"
cat >"$tmp/pg1.sql" <<EOF
$ddl_orders
CREATE TABLE customers (id BIGINT, name STRING, tier STRING, score DOUBLE, since TIMESTAMP,
                        active BOOLEAN, PRIMARY KEY (id) NOT ENFORCED)
  WITH ('connector' = 'jdbc', 'url' = '$jdbc', 'table-name' = 'customers',
        'lookup.cache' = 'PARTIAL', 'lookup.partial-cache.max-rows' = '100',
        'lookup.partial-cache.expire-after-write' = '1 h');
SELECT o.id, c.id AS cid, c.name, c.tier, c.score, c.since, c.active
FROM orders AS o JOIN customers FOR SYSTEM_TIME AS OF o.pt AS c ON c.id = o.cust;
EOF
cat >"$tmp/pg1.expected" <<'EOF'
{"op":"+I","id":1,"cid":10,"name":"alice","tier":"gold","score":1.5,"since":"2024-01-02 03:04:05.250","active":true}
{"op":"+I","id":2,"cid":11,"name":"bob","tier":null,"score":null,"since":null,"active":false}
{"op":"+I","id":5,"cid":10,"name":"alice","tier":"gold","score":1.5,"since":"2024-01-02 03:04:05.250","active":true}
{"op":"+I","id":6,"cid":11,"name":"bob","tier":null,"score":null,"since":null,"active":false}
EOF
"$bin" run "$tmp/pg1.sql" >"$tmp/pg1.out" 2>"$tmp/pg1.err" || { cat "$tmp/pg1.err"; }
check "postgresql: INNER JOIN, every type, NULL values, NULL and missing keys" \
    "$tmp/pg1.out" "$tmp/pg1.expected"

# A string key of two columns, a schema-qualified quoted table, LEFT JOIN,
# a key computed from an expression, a residual condition on both sides.
cat >"$tmp/pg2.sql" <<EOF
$ddl_orders
CREATE TABLE rates (region STRING, tier STRING, rate DOUBLE)
  WITH ('connector' = 'jdbc', 'url' = '$jdbc', 'table-name' = 'geo."Rates"');
SELECT o.id, r.rate, o.amount * r.rate AS converted
FROM orders AS o LEFT JOIN rates FOR SYSTEM_TIME AS OF o.pt AS r
  ON r.region = LOWER(o.region) AND r.tier = 'gold' AND o.amount * r.rate > 3;
EOF
cat >"$tmp/pg2.expected" <<'EOF'
{"op":"+I","id":1,"rate":0.9,"converted":4.95}
{"op":"+I","id":2,"rate":1.1,"converted":7.700000000000001}
{"op":"+I","id":3,"rate":null,"converted":null}
{"op":"+I","id":4,"rate":null,"converted":null}
{"op":"+I","id":5,"rate":1.1,"converted":3.3000000000000003}
{"op":"+I","id":6,"rate":null,"converted":null}
EOF
"$bin" run "$tmp/pg2.sql" >"$tmp/pg2.out" 2>"$tmp/pg2.err" || cat "$tmp/pg2.err"
check "postgresql: composite string key, quoted schema.table, LEFT JOIN, residual" \
    "$tmp/pg2.out" "$tmp/pg2.expected"

# The cache, seen through an UPDATE while the job runs: rows arrive on stdin
# (a fifo); the table changes between the first and the second row.
cache_run() { # name, cache options, rows before the change, output lines they give, rows after, expected output
    local name=$1 opts=$2 before=$3 n_before=$4 after=$5 want=$6
    $PG_PSQL -c "UPDATE customers SET name = 'alice' WHERE id = 10; DELETE FROM customers WHERE id = 77"
    cat >"$tmp/cache.sql" <<EOF
CREATE TABLE s (id BIGINT, cust BIGINT, pt AS PROCTIME()) WITH ('connector' = 'stdin', 'format' = 'json');
CREATE TABLE customers (id BIGINT, name STRING)
  WITH ('connector' = 'jdbc', 'url' = '$jdbc', 'table-name' = 'customers' $opts);
SELECT s.id, c.name FROM s JOIN customers FOR SYSTEM_TIME AS OF s.pt AS c ON s.cust = c.id;
EOF
    rm -f "$tmp/in"; mkfifo "$tmp/in"
    "$bin" run "$tmp/cache.sql" <"$tmp/in" >"$tmp/cache.out" 2>"$tmp/cache.err" &
    job_pid=$!
    exec 3>"$tmp/in"
    printf '%s\n' "$before" >&3
    for _ in $(seq 100); do
        [ "$(wc -l <"$tmp/cache.out")" -ge "$n_before" ] && break
        sleep 0.1
    done
    $PG_PSQL -c "UPDATE customers SET name = 'alice2' WHERE id = 10; INSERT INTO customers (id, name) VALUES (77, 'seventy-seven')"
    sleep 0.5 # past the short TTL
    printf '%s\n' "$after" >&3
    exec 3>&-
    wait "$job_pid" || true
    job_pid=""
    printf '%s\n' "$want" >"$tmp/cache.expected"
    check "postgresql cache: $name" "$tmp/cache.out" "$tmp/cache.expected"
}
r1='{"id":1,"cust":10}'
r2='{"id":2,"cust":10}'
cache_run "a cached row hides a later change" \
    ", 'lookup.cache' = 'PARTIAL', 'lookup.partial-cache.max-rows' = '10'" "$r1" 1 "$r2" \
    '{"op":"+I","id":1,"name":"alice"}
{"op":"+I","id":2,"name":"alice"}'
cache_run "no cache sees the change" "" "$r1" 1 "$r2" \
    '{"op":"+I","id":1,"name":"alice"}
{"op":"+I","id":2,"name":"alice2"}'
cache_run "an expired entry is fetched again" \
    ", 'lookup.cache.max-rows' = '10', 'lookup.cache.ttl' = '200ms'" "$r1" 1 "$r2" \
    '{"op":"+I","id":1,"name":"alice"}
{"op":"+I","id":2,"name":"alice2"}'
cache_run "the least recently used key is evicted past max-rows" \
    ", 'lookup.cache' = 'PARTIAL', 'lookup.partial-cache.max-rows' = '1'" \
    "$r1"$'\n''{"id":3,"cust":11}' 2 "$r2" \
    '{"op":"+I","id":1,"name":"alice"}
{"op":"+I","id":3,"name":"bob"}
{"op":"+I","id":2,"name":"alice2"}'
cache_run "a missing key is cached too (cache-missing-key default)" \
    ", 'lookup.cache' = 'PARTIAL', 'lookup.partial-cache.max-rows' = '10'" \
    '{"id":4,"cust":77}'$'\n'"$r1" 1 '{"id":5,"cust":77}' \
    '{"op":"+I","id":1,"name":"alice"}'
cache_run "a missing key is not cached with cache-missing-key = false" \
    ", 'lookup.cache' = 'PARTIAL', 'lookup.partial-cache.max-rows' = '10', 'lookup.partial-cache.cache-missing-key' = 'false'" \
    '{"id":4,"cust":77}'$'\n'"$r1" 1 '{"id":5,"cust":77}' \
    '{"op":"+I","id":1,"name":"alice"}
{"op":"+I","id":5,"name":"seventy-seven"}'

# ---- errors ----
cat >"$tmp/e1.sql" <<EOF
$ddl_orders
CREATE TABLE c (id BIGINT, name STRING)
  WITH ('connector' = 'jdbc', 'url' = 'jdbc:postgresql://sluice@127.0.0.1:1/postgres',
        'table-name' = 'customers');
SELECT o.id, c.name FROM orders AS o JOIN c FOR SYSTEM_TIME AS OF o.pt ON o.cust = c.id;
EOF
check_err "error: unreachable server" "$tmp/e1.sql" 1 "table 'c': cannot connect to PostgreSQL"
sed -e "s|jdbc:postgresql://sluice@127.0.0.1:1/postgres|$jdbc|" -e "s/'customers'/'nope'/" \
    "$tmp/e1.sql" >"$tmp/e2.sql"
check_err "error: missing table" "$tmp/e2.sql" 1 \
    "lookup of table 'c' failed: PostgreSQL: ERROR:  relation \"nope\" does not exist"
sed -e "s|jdbc:postgresql://sluice@127.0.0.1:1/postgres|$jdbc|" -e "s/'customers'/'wrong'/" \
    -e "s/name STRING/name BIGINT/" "$tmp/e1.sql" >"$tmp/e3.sql"
check_err "error: a value of the wrong type" "$tmp/e3.sql" 1 \
    "table 'c': column 'name' is BIGINT but PostgreSQL returned 'not a number'"
plan_err() { # name, select, expected message
    cat >"$tmp/pe.sql" <<EOF
CREATE TABLE orders (id BIGINT, cust BIGINT, ts TIMESTAMP, pt AS PROCTIME(),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH ('connector' = 'filesystem', 'path' = '$tmp/orders.jsonl', 'format' = 'json');
CREATE TABLE c (id BIGINT, name STRING)
  WITH ('connector' = 'jdbc', 'url' = '$jdbc', 'table-name' = 'customers');
$2
EOF
    check_err "plan error: $1" "$tmp/pe.sql" 3 "$3"
}
plan_err "AS OF an event-time column" \
    "SELECT o.id FROM orders AS o JOIN c FOR SYSTEM_TIME AS OF o.ts ON o.cust = c.id;" \
    "pe.sql:6:59: a lookup join of 'c' reads the table as it is when a row arrives"
plan_err "no equality on a table column" \
    "SELECT o.id FROM orders AS o JOIN c FOR SYSTEM_TIME AS OF o.pt ON o.cust > c.id;" \
    "pe.sql:6:67: a lookup join needs an equality between a column of 'c'"
plan_err "RIGHT JOIN" \
    "SELECT o.id FROM orders AS o RIGHT JOIN c FOR SYSTEM_TIME AS OF o.pt ON o.cust = c.id;" \
    "a lookup join is an INNER or a LEFT join"
plan_err "a jdbc table read as a stream" "SELECT * FROM c;" \
    "table 'c': a 'jdbc' table serves lookup joins"
plan_err "incomparable key types" \
    "SELECT o.id FROM orders AS o JOIN c FOR SYSTEM_TIME AS OF o.pt ON o.ts = c.name;" \
    "pe.sql:6:67: cannot apply '=' to TIMESTAMP and STRING"
cat >"$tmp/pe2.sql" <<EOF
CREATE TABLE c (id BIGINT) WITH ('connector' = 'jdbc', 'url' = 'jdbc:mysql://x/y', 'table-name' = 't');
CREATE TABLE d (id BIGINT) WITH ('connector' = 'jdbc', 'url' = '$jdbc', 'table-name' = 't', 'lookup.cache' = 'FULL');
$ddl_orders
SELECT o.id FROM orders AS o JOIN c FOR SYSTEM_TIME AS OF o.pt ON o.cust = c.id;
EOF
check_err "plan error: not a PostgreSQL URL" "$tmp/pe2.sql" 3 \
    "pe2.sql:1:56: table 'c': 'url' must be a PostgreSQL URL"
sed -i 's/JOIN c /JOIN d /; s/c\.id/d.id/' "$tmp/pe2.sql"
check_err "plan error: lookup.cache FULL" "$tmp/pe2.sql" 3 \
    "table 'd': 'lookup.cache' must be 'NONE' or 'PARTIAL'"

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
