#!/usr/bin/env bash
# End-to-end: the 'kafka' connector through `sluice run` against librdkafka's
# mock cluster (tests/tools/kafka_mock: no broker is installed here). Covers
# a windowed read with exact output at parallelism 1 and 2, malformed records
# and tombstones in the dead-letter output, per-partition watermarks (rows
# that one merged watermark would make late are on time), a row late within
# its own partition, an idle partition, startup modes, kafka -> kafka with
# keys read back by the tool, a failing delivery, and an unreachable broker
# (a clear error within 'connect.timeout', not a hang). Every mock process
# this script starts is killed on exit (trap).
set -uo pipefail
export LC_ALL=C
build=$(cd "$1" && pwd)
sluice=$build/sluice
mock=$build/tests/tools/kafka_mock
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
check() { # name, expected-file, got-file
    if diff -u "$2" "$3" >"$tmp/diff"; then ok "$1"; else bad "$1"; head -30 "$tmp/diff"; fi
}

# start_mock NAME ARGS...: start a mock cluster, set $boot to its address.
start_mock() {
    local name=$1
    shift
    "$mock" serve "$@" >"$tmp/$name.addr" 2>"$tmp/$name.log" &
    pids+=($!)
    for _ in $(seq 100); do
        [ -s "$tmp/$name.addr" ] && break
        sleep 0.05
    done
    boot=$(head -1 "$tmp/$name.addr")
    if [ -z "$boot" ]; then
        echo "FAIL could not start the mock cluster"; cat "$tmp/$name.log"; exit 1
    fi
}

start_mock main -t clicks:3 -t ooo:2 -t late:1 -t idle:2 -t out:2 -t ms:1 -t rr:2
T=$'\t'

# ---- 1. window aggregate over 3 partitions, with bad records ----
cat >"$tmp/clicks.in" <<EOF
0${T}-${T}{"user":"ann","url":"/a","ts":"2024-01-01 00:00:01"}
1${T}-${T}{"user":"bob","url":"/b","ts":"2024-01-01 00:00:02"}
2${T}-${T}{"user":"ann","url":"/c","ts":"2024-01-01 00:00:04"}
0${T}-${T}{"user":"bob","url":"/d","ts":"2024-01-01 00:00:09"}
1${T}-${T}{"user":"ann","url":"/e","ts":"2024-01-01 00:00:11"}
2${T}-${T}{"user":"cid","url":"/f","ts":"2024-01-01 00:00:12"}
1${T}-${T}this is not json
0${T}-${T}\N
0${T}-${T}{"user":"ann","url":"/g","ts":"2024-01-01 00:00:25"}
2${T}-${T}{"user":"bob","url":null,"ts":null}
EOF
"$mock" produce -b "$boot" -t clicks "$tmp/clicks.in" || bad "produce clicks"

clicks_table() {
    cat <<EOF
CREATE TABLE clicks (\`user\` STRING, url STRING, ts TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'kafka', 'topic' = 'clicks', 'properties.bootstrap.servers' = '$boot',
    'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',
    'value.format' = 'json', 'json.ignore-parse-errors' = 'false');
EOF
}
{
    echo "SET 'dead-letter.path' = '$tmp/dead.jsonl';"
    clicks_table
    cat <<'EOF'
SELECT window_start, `user`, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, `user`;
EOF
} >"$tmp/w.sql"
cat >"$tmp/w.expected" <<'EOF'
{"op":"+I","window_start":"2024-01-01 00:00:00","user":"ann","n":2}
{"op":"+I","window_start":"2024-01-01 00:00:00","user":"bob","n":2}
{"op":"+I","window_start":"2024-01-01 00:00:10","user":"ann","n":1}
{"op":"+I","window_start":"2024-01-01 00:00:10","user":"cid","n":1}
{"op":"+I","window_start":"2024-01-01 00:00:20","user":"ann","n":1}
EOF
timeout 60 "$sluice" run --quiet "$tmp/w.sql" >"$tmp/w.out" 2>"$tmp/w.err"
rc=$?
[ $rc -eq 0 ] && ok "window over 3 partitions: exit 0" || { bad "window: exit $rc"; cat "$tmp/w.err"; }
sort "$tmp/w.out" >"$tmp/w.sorted"
check "window over 3 partitions: exact output" "$tmp/w.expected" "$tmp/w.sorted"
cat >"$tmp/dead.expected" <<'EOF'
{"source":"kafka","position":"clicks:0:2","reason":"record has no value (a tombstone)","raw":""}
{"source":"kafka","position":"clicks:1:2","reason":"invalid JSON at column 1: expected '{'","raw":"this is not json"}
{"source":"kafka","position":"clicks:2:2","reason":"event time column 'ts' is NULL","raw":"{\"user\":\"bob\",\"url\":null,\"ts\":null}"}
EOF
sort "$tmp/dead.jsonl" >"$tmp/dead.sorted" 2>/dev/null
check "malformed records, tombstone, NULL time: dead letters with topic:partition:offset" \
    "$tmp/dead.expected" "$tmp/dead.sorted"

sed "1a SET 'parallelism.default' = '2';" "$tmp/w.sql" >"$tmp/w2.sql"
timeout 60 "$sluice" run --quiet "$tmp/w2.sql" 2>"$tmp/w2.err" | sort >"$tmp/w2.sorted"
check "window at parallelism 2 (partitions split over subtasks): same output" \
    "$tmp/w.expected" "$tmp/w2.sorted"

"$sluice" explain "$tmp/w.sql" >"$tmp/w.plan" 2>&1
grep -q "Source: clicks (kafka topic 'clicks', json, bounded; per-partition watermarks ts - 1 s)" \
    "$tmp/w.plan" && ok "explain names the kafka source and its watermarks" \
    || { bad "explain"; cat "$tmp/w.plan"; }

# ---- 2. per-partition watermarks ----
# Partition 1 lags behind partition 0. Each partition is in order, so with one
# watermark per partition (as Flink's Kafka source) no row is late, however
# the consumer interleaves the partitions. Read as one merged stream (the
# same rows in a file, partition 0 first) partition 1's rows are late.
cat >"$tmp/ooo.in" <<EOF
0${T}-${T}{"v":1,"ts":"2024-01-01 00:00:01"}
0${T}-${T}{"v":1,"ts":"2024-01-01 00:00:11"}
0${T}-${T}{"v":1,"ts":"2024-01-01 00:00:21"}
0${T}-${T}{"v":1,"ts":"2024-01-01 00:00:31"}
1${T}-${T}{"v":10,"ts":"2024-01-01 00:00:02"}
1${T}-${T}{"v":10,"ts":"2024-01-01 00:00:12"}
1${T}-${T}{"v":10,"ts":"2024-01-01 00:00:22"}
EOF
"$mock" produce -b "$boot" -t ooo "$tmp/ooo.in" || bad "produce ooo"
cut -f3 "$tmp/ooo.in" >"$tmp/ooo.jsonl"
ooo_sql() { # connector options
    cat <<EOF
CREATE TABLE ooo (v BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ($1);
SELECT window_start, SUM(v) AS s FROM TABLE(TUMBLE(TABLE ooo, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end;
EOF
}
ooo_sql "'connector' = 'kafka', 'topic' = 'ooo', 'properties.bootstrap.servers' = '$boot',
    'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'format' = 'json'" \
    >"$tmp/ooo.sql"
cat >"$tmp/ooo.expected" <<'EOF'
{"op":"+I","window_start":"2024-01-01 00:00:00","s":11}
{"op":"+I","window_start":"2024-01-01 00:00:10","s":11}
{"op":"+I","window_start":"2024-01-01 00:00:20","s":11}
{"op":"+I","window_start":"2024-01-01 00:00:30","s":1}
EOF
for i in 1 2 3; do
    timeout 60 "$sluice" run "$tmp/ooo.sql" >"$tmp/ooo.out" 2>"$tmp/ooo.err"
    check "per-partition watermarks: a lagging partition's rows are on time (run $i)" \
        "$tmp/ooo.expected" "$tmp/ooo.out"
done
ooo_sql "'connector' = 'filesystem', 'path' = '$tmp/ooo.jsonl', 'format' = 'json'" >"$tmp/ooo_file.sql"
timeout 60 "$sluice" run "$tmp/ooo_file.sql" >"$tmp/ooo_file.out" 2>"$tmp/ooo_file.err"
if grep -q '"s":1}' "$tmp/ooo_file.out" && grep -q "3 late rows" "$tmp/ooo_file.err"; then
    ok "the same rows merged under one watermark: partition 1's rows are late"
else
    bad "merged watermark contrast"; cat "$tmp/ooo_file.out" "$tmp/ooo_file.err"
fi

# A row behind the watermark of its own (only) partition is late, whatever
# the batch sizes (the source emits the watermark before it).
cat >"$tmp/late.in" <<EOF
0${T}-${T}{"v":1,"ts":"2024-01-01 00:00:01"}
0${T}-${T}{"v":2,"ts":"2024-01-01 00:00:15"}
0${T}-${T}{"v":4,"ts":"2024-01-01 00:00:03"}
0${T}-${T}{"v":8,"ts":"2024-01-01 00:00:16"}
EOF
"$mock" produce -b "$boot" -t late "$tmp/late.in" || bad "produce late"
ooo_sql "'connector' = 'kafka', 'topic' = 'late', 'properties.bootstrap.servers' = '$boot',
    'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset'" \
    | sed 's/TABLE ooo/TABLE late_t/; s/CREATE TABLE ooo/CREATE TABLE late_t/' >"$tmp/late.sql"
timeout 60 "$sluice" run "$tmp/late.sql" >"$tmp/late.out" 2>"$tmp/late.err"
cat >"$tmp/late.expected" <<'EOF'
{"op":"+I","window_start":"2024-01-01 00:00:00","s":1}
{"op":"+I","window_start":"2024-01-01 00:00:10","s":10}
EOF
check "a row late within its partition is dropped from its window" "$tmp/late.expected" "$tmp/late.out"
grep -q "1 late row" "$tmp/late.err" && ok "the late row is counted" || { bad "late count"; cat "$tmp/late.err"; }

# ---- 3. idle partition ----
# Partition 1 has one row and then nothing; partition 0 keeps getting rows.
# Without an idle timeout partition 1 holds the watermark back forever; with
# 'table.exec.source.idle-timeout' it stops counting and the windows fire.
printf '1\t-\t{"v":100,"ts":"2024-01-01 00:00:02"}\n0\t-\t{"v":1,"ts":"2024-01-01 00:00:01"}\n' \
    | "$mock" produce -b "$boot" -t idle
idle_sql() { # SET lines
    echo "$1"
    ooo_sql "'connector' = 'kafka', 'topic' = 'idle', 'properties.bootstrap.servers' = '$boot',
    'scan.startup.mode' = 'earliest-offset', 'format' = 'json'" | sed 's/\booo\b/idle_t/g'
}
idle_sql "SET 'table.exec.source.idle-timeout' = '300 ms';" >"$tmp/idle.sql"
idle_sql "" >"$tmp/noidle.sql"
"$sluice" run "$tmp/idle.sql" >"$tmp/idle.out" 2>"$tmp/idle.err" &
idle_pid=$!
pids+=($idle_pid)
"$sluice" run "$tmp/noidle.sql" >"$tmp/noidle.out" 2>"$tmp/noidle.err" &
noidle_pid=$!
pids+=($noidle_pid)
sec=10
for i in $(seq 40); do # partition 0 advances one second of event time per 100 ms
    printf '0\t-\t{"v":1,"ts":"2024-01-01 00:00:%02d"}\n' $((sec + i)) | "$mock" produce -b "$boot" -t idle
    grep -q '00:00:10' "$tmp/idle.out" && break
    sleep 0.1
done
kill "$idle_pid" "$noidle_pid" 2>/dev/null
wait "$idle_pid" "$noidle_pid" 2>/dev/null
head -1 "$tmp/idle.out" >"$tmp/idle.first"
echo '{"op":"+I","window_start":"2024-01-01 00:00:00","s":101}' >"$tmp/idle.expected"
check "idle partition: with an idle timeout the windows fire" "$tmp/idle.expected" "$tmp/idle.first"
if [ ! -s "$tmp/noidle.out" ]; then
    ok "idle partition: without an idle timeout it holds the watermark back"
else
    bad "no idle timeout: windows fired"; cat "$tmp/noidle.out"
fi

# ---- 4. startup modes ----
start_sql() { # extra options
    cat <<EOF
CREATE TABLE c (v BIGINT) WITH ('connector' = 'kafka', 'topic' = 'ooo',
    'properties.bootstrap.servers' = '$boot', 'scan.bounded.mode' = 'latest-offset'$1);
SELECT SUM(v) AS s, COUNT(*) AS n FROM c;
EOF
}
startup() { # name, expected last line, options
    start_sql "$3" >"$tmp/s.sql"
    timeout 60 "$sluice" run --quiet "$tmp/s.sql" >"$tmp/s.out" 2>"$tmp/s.err"
    local got
    got=$(tail -1 "$tmp/s.out")
    [ "$got" = "$2" ] && ok "startup $1" || { bad "startup $1: got '$got'"; head -3 "$tmp/s.err"; }
}
startup "earliest-offset" '{"op":"+U","s":34,"n":7}' ", 'scan.startup.mode' = 'earliest-offset'"
startup "latest-offset (bounded: nothing)" '' ", 'scan.startup.mode' = 'latest-offset'"
startup "specific-offsets" '{"op":"+U","s":21,"n":3}' ", 'scan.startup.mode' = 'specific-offsets',
    'scan.startup.specific-offsets' = 'partition:0,offset:3;partition:1,offset:1'"
startup "group-offsets with auto.offset.reset" '{"op":"+U","s":34,"n":7}' ",
    'properties.group.id' = 'g1', 'properties.auto.offset.reset' = 'earliest'"
ts_ms=$(($(date +%s) * 1000 + 3600000))
startup "timestamp after every record" '' ", 'scan.startup.mode' = 'timestamp',
    'scan.startup.timestamp-millis' = '$ts_ms'"
start_sql ", 'properties.group.id' = 'g2'" >"$tmp/s.sql"
timeout 60 "$sluice" run --quiet "$tmp/s.sql" >/dev/null 2>"$tmp/s.err"
rc=$?
if [ $rc -ne 0 ] && grep -q "group 'g2' has no committed offset for 'ooo:0'" "$tmp/s.err"; then
    ok "group-offsets without committed offsets: error naming the group"
else
    bad "group-offsets without offsets: exit $rc"; cat "$tmp/s.err"
fi

cat >"$tmp/pat.sql" <<EOF
CREATE TABLE p (v BIGINT) WITH ('connector' = 'kafka', 'topic-pattern' = 'oo.|lat[a-z]',
    'properties.bootstrap.servers' = '$boot', 'scan.startup.mode' = 'earliest-offset',
    'scan.bounded.mode' = 'latest-offset');
SELECT SUM(v) AS s, COUNT(*) AS n FROM p;
EOF
got=$(timeout 60 "$sluice" run --quiet "$tmp/pat.sql" 2>"$tmp/pat.err" | tail -1)
[ "$got" = '{"op":"+U","s":49,"n":11}' ] && ok "topic-pattern reads every matching topic" \
    || { bad "topic-pattern: got '$got'"; cat "$tmp/pat.err"; }

# ---- 5. kafka -> kafka, read back by the tool ----
cat >"$tmp/rt.sql" <<EOF
CREATE TABLE clicks (\`user\` STRING, url STRING, ts TIMESTAMP(3)) WITH ('connector' = 'kafka',
    'topic' = 'clicks', 'properties.bootstrap.servers' = '$boot',
    'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'format' = 'json');
CREATE TABLE out_t (\`user\` STRING, url STRING) WITH ('connector' = 'kafka', 'topic' = 'out',
    'properties.bootstrap.servers' = '$boot', 'format' = 'csv', 'key.format' = 'json',
    'key.fields' = 'user', 'sink.partitioner' = 'fixed', 'sink.delivery-guarantee' = 'at-least-once');
INSERT INTO out_t SELECT \`user\`, UPPER(url) FROM clicks WHERE url <> '/a';
EOF
timeout 60 "$sluice" run --quiet "$tmp/rt.sql" >"$tmp/rt.out" 2>"$tmp/rt.err"
rc=$?
[ $rc -eq 0 ] && ok "kafka -> kafka: exit 0" || { bad "kafka -> kafka: exit $rc"; cat "$tmp/rt.err"; }
timeout 30 "$mock" consume -b "$boot" -t out | sort >"$tmp/rt.got"
cat >"$tmp/rt.expected" <<'EOF'
0	{"user":"ann"}	ann,/C
0	{"user":"ann"}	ann,/E
0	{"user":"ann"}	ann,/G
0	{"user":"bob"}	bob,/B
0	{"user":"bob"}	bob,/D
0	{"user":"cid"}	cid,/F
EOF
check "kafka -> kafka: keys, CSV values, fixed partitioner (read back by the tool)" \
    "$tmp/rt.expected" "$tmp/rt.got"

# ... and read back by Sluice as CSV.
cat >"$tmp/rcsv.sql" <<EOF
CREATE TABLE o (\`user\` STRING, url STRING) WITH ('connector' = 'kafka', 'topic' = 'out',
    'properties.bootstrap.servers' = '$boot', 'scan.startup.mode' = 'earliest-offset',
    'scan.bounded.mode' = 'latest-offset', 'format' = 'csv');
SELECT \`user\`, url FROM o;
EOF
timeout 60 "$sluice" run --quiet "$tmp/rcsv.sql" 2>"$tmp/rcsv.err" | sort >"$tmp/rcsv.sorted"
cat >"$tmp/rcsv.expected" <<'EOF'
{"op":"+I","user":"ann","url":"/C"}
{"op":"+I","user":"ann","url":"/E"}
{"op":"+I","user":"ann","url":"/G"}
{"op":"+I","user":"bob","url":"/B"}
{"op":"+I","user":"bob","url":"/D"}
{"op":"+I","user":"cid","url":"/F"}
EOF
check "a CSV topic read by the kafka source" "$tmp/rcsv.expected" "$tmp/rcsv.sorted"

# A computed time attribute (epoch milliseconds -> TIMESTAMP) in the source.
printf '0\t-\t{"v":1,"ms":1704067201000}\n0\t-\t{"v":2,"ms":1704067215000}\n0\t-\t{"v":4,"ms":1704067203000}\n' \
    | "$mock" produce -b "$boot" -t ms
cat >"$tmp/ms.sql" <<EOF
CREATE TABLE m (v BIGINT, ms BIGINT, ts AS TO_TIMESTAMP_LTZ(ms, 3), WATERMARK FOR ts AS ts)
WITH ('connector' = 'kafka', 'topic' = 'ms', 'properties.bootstrap.servers' = '$boot',
    'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset');
SELECT window_start, SUM(v) AS s FROM TABLE(TUMBLE(TABLE m, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY window_start, window_end;
EOF
timeout 60 "$sluice" run "$tmp/ms.sql" >"$tmp/ms.out" 2>"$tmp/ms.err"
cat >"$tmp/ms.expected" <<'EOF'
{"op":"+I","window_start":"2024-01-01 00:00:00","s":1}
{"op":"+I","window_start":"2024-01-01 00:00:10","s":2}
EOF
check "computed time attribute: event times and the late row" "$tmp/ms.expected" "$tmp/ms.out"

# Round robin over the 2 partitions of a fresh topic.
cat >"$tmp/rr.sql" <<EOF
CREATE TABLE src (a BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '6',
    'fields.a.kind' = 'sequence', 'fields.a.start' = '1', 'fields.a.end' = '6');
CREATE TABLE k (a BIGINT) WITH ('connector' = 'kafka', 'topic' = 'rr',
    'properties.bootstrap.servers' = '$boot', 'sink.partitioner' = 'round-robin');
INSERT INTO k SELECT a FROM src;
EOF
timeout 60 "$sluice" run --quiet "$tmp/rr.sql" >/dev/null 2>"$tmp/rr.err"
timeout 30 "$mock" consume -b "$boot" -t rr >"$tmp/rr.got"
printf '0\t-\t{"a":1}\n0\t-\t{"a":3}\n0\t-\t{"a":5}\n1\t-\t{"a":2}\n1\t-\t{"a":4}\n1\t-\t{"a":6}\n' >"$tmp/rr.expected"
check "round-robin partitioner" "$tmp/rr.expected" "$tmp/rr.got"

# ---- 6. failures ----
# A delivery the broker refuses fails the job with the broker's message.
start_mock faulty -t out:1 -f 1000
cat >"$tmp/df.sql" <<EOF
CREATE TABLE src (a BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '5');
CREATE TABLE k (a BIGINT) WITH ('connector' = 'kafka', 'topic' = 'out',
    'properties.bootstrap.servers' = '$boot', 'format' = 'json');
INSERT INTO k SELECT a FROM src;
EOF
timeout 60 "$sluice" run --quiet "$tmp/df.sql" >/dev/null 2>"$tmp/df.err"
rc=$?
if [ $rc -ne 0 ] && grep -q "delivery to topic 'out' failed: Broker: Topic authorization failed" "$tmp/df.err"; then
    ok "failed delivery fails the job with the broker's message"
else
    bad "failed delivery: exit $rc"; cat "$tmp/df.err"
fi

# Nothing listens on port 1: a clear error within connect.timeout, exit != 0.
for side in source sink; do
    if [ $side = source ]; then
        cat >"$tmp/un.sql" <<'EOF'
CREATE TABLE k (a BIGINT) WITH ('connector' = 'kafka', 'topic' = 't',
    'properties.bootstrap.servers' = '127.0.0.1:1', 'scan.startup.mode' = 'earliest-offset',
    'connect.timeout' = '2 s');
SELECT a FROM k;
EOF
    else
        cat >"$tmp/un.sql" <<'EOF'
CREATE TABLE src (a BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '5');
CREATE TABLE k (a BIGINT) WITH ('connector' = 'kafka', 'topic' = 't',
    'properties.bootstrap.servers' = '127.0.0.1:1', 'connect.timeout' = '2 s');
INSERT INTO k SELECT a FROM src;
EOF
    fi
    start=$(date +%s)
    timeout 60 "$sluice" run --quiet "$tmp/un.sql" >/dev/null 2>"$tmp/un.err"
    rc=$?
    took=$(($(date +%s) - start))
    if [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ $took -lt 20 ] &&
        grep -q "cannot get the metadata of topic 't' from '127.0.0.1:1' within 2000 ms" "$tmp/un.err"; then
        ok "unreachable broker ($side): clear error after the timeout, exit $rc"
    else
        bad "unreachable broker ($side): exit $rc after ${took}s"; cat "$tmp/un.err"
    fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
