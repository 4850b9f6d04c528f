#!/usr/bin/env bash
# End-to-end: the 'nexmark' connector through `sluice run` (a q0-like
# pass-through into blackhole, a q1-like projection printing five bids with
# exact output, 10-second tumbling counts over 200k events), the benchmark's
# DDL (bench/nexmark/ddl.sql) planned by `sluice explain`, and `sluice gen
# nexmark`: the same rows as the SQL source, deterministic, CSV with header,
# usage errors.
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
check() { # name, expected-file, got-file
    if diff -u "$2" "$3" >"$tmp/diff"; then ok "$1"; else bad "$1"; head -30 "$tmp/diff"; fi
}

bid_table() { # extra WITH options
    cat <<EOF
CREATE TABLE bid (
    auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR,
    dateTime TIMESTAMP(3), extra VARCHAR,
    WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND
) WITH ('connector' = 'nexmark', 'nexmark.table' = 'bid'$1);
EOF
}

# q0: every bid into blackhole.
{
    bid_table ", 'events.num' = '100000'"
    cat <<'EOF'
CREATE TABLE discard (auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR,
    url VARCHAR, dateTime TIMESTAMP(3), extra VARCHAR) WITH ('connector' = 'blackhole');
INSERT INTO discard SELECT auction, bidder, price, channel, url, dateTime, extra FROM bid;
EOF
} >"$tmp/q0.sql"
"$sluice" run --quiet "$tmp/q0.sql" >"$tmp/q0.out" 2>"$tmp/q0.err"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$tmp/q0.out" ] && [ ! -s "$tmp/q0.err" ]; then
    ok "q0 into blackhole"
else
    bad "q0 into blackhole: exit $rc"; head -5 "$tmp/q0.err"
fi

# q1: the five bids among the first 9 events, prices in dollars.
{
    bid_table ", 'events.num' = '9', 'nexmark.seed' = '3', 'bid.avg-size' = '40'"
    echo "SELECT auction, bidder, 0.908 * price AS price, dateTime, extra FROM bid;"
} >"$tmp/q1.sql"
"$sluice" run --quiet "$tmp/q1.sql" >"$tmp/q1.out" 2>"$tmp/q1.err"
cat >"$tmp/q1.expected" <<'EOF'
{"op":"+I","auction":1000,"bidder":1007,"price":684.6320000000001,"dateTime":"2015-07-15 00:00:00","extra":"jqldjmatb"}
{"op":"+I","auction":1009,"bidder":1001,"price":56032.68,"dateTime":"2015-07-15 00:00:00","extra":"yntxviybb"}
{"op":"+I","auction":1006,"bidder":1001,"price":5670.46,"dateTime":"2015-07-15 00:00:00","extra":"obtrlsmhi"}
{"op":"+I","auction":1002,"bidder":1001,"price":351.396,"dateTime":"2015-07-15 00:00:00","extra":"bihudfxq"}
{"op":"+I","auction":1010,"bidder":1001,"price":216.104,"dateTime":"2015-07-15 00:00:00","extra":"gtnvkh"}
EOF
check "q1 projection: five bids" "$tmp/q1.expected" "$tmp/q1.out"

# 10-second tumbling windows over 200k events at 10,000 events/s: 100k events
# (92,000 bids, 2,000 people) a window; people ids run on across windows.
{
    bid_table ", 'events.num' = '200000'"
    cat <<'EOF'
CREATE TABLE person (
    id BIGINT, name VARCHAR, emailAddress VARCHAR, creditCard VARCHAR, city VARCHAR,
    state VARCHAR, dateTime TIMESTAMP(3), extra VARCHAR,
    WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND
) WITH ('connector' = 'nexmark', 'nexmark.table' = 'person', 'events.num' = '200000');
SELECT window_start, COUNT(*) AS bids, MIN(auction) AS min_auction, MAX(auction) AS max_auction
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))
GROUP BY window_start, window_end;
SELECT window_start, COUNT(*) AS people, MIN(id) AS first_id, MAX(id) AS last_id
FROM TABLE(TUMBLE(TABLE person, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))
GROUP BY window_start, window_end;
EOF
} >"$tmp/win.sql"
cat >"$tmp/win.expected" <<'EOF'
{"op":"+I","window_start":"2015-07-15 00:00:00","bids":92000,"min_auction":1000,"max_auction":7001}
{"op":"+I","window_start":"2015-07-15 00:00:00","people":2000,"first_id":1000,"last_id":2999}
{"op":"+I","window_start":"2015-07-15 00:00:10","bids":92000,"min_auction":6907,"max_auction":13009}
{"op":"+I","window_start":"2015-07-15 00:00:10","people":2000,"first_id":3000,"last_id":4999}
EOF
# The sources run at the job's parallelism, each subtask generating its share.
for p in 1 2; do
    "$sluice" run --quiet --set parallelism=$p "$tmp/win.sql" 2>&1 | sort >"$tmp/win.out"
    check "tumbling windows over bids and people (parallelism $p)" "$tmp/win.expected" "$tmp/win.out"
done

# The wide table of every event, a few of its columns (NULL where not of the
# event's kind).
cat >"$tmp/wide.sql" <<'EOF'
CREATE TABLE nx (event_type BIGINT, dateTime TIMESTAMP(3), person_id BIGINT, auction_id BIGINT,
    auction_seller BIGINT, bid_auction BIGINT)
WITH ('connector' = 'nexmark', 'nexmark.table' = 'all', 'events.num' = '55',
    'first-event.rate' = '1000');
SELECT event_type, dateTime, person_id, auction_id, auction_seller FROM nx WHERE event_type < 2;
EOF
"$sluice" run --quiet "$tmp/wide.sql" >"$tmp/wide.out" 2>&1
cat >"$tmp/wide.expected" <<'EOF'
{"op":"+I","event_type":0,"dateTime":"2015-07-15 00:00:00","person_id":1000,"auction_id":null,"auction_seller":null}
{"op":"+I","event_type":1,"dateTime":"2015-07-15 00:00:00.001","person_id":null,"auction_id":1000,"auction_seller":1000}
{"op":"+I","event_type":1,"dateTime":"2015-07-15 00:00:00.002","person_id":null,"auction_id":1001,"auction_seller":1008}
{"op":"+I","event_type":1,"dateTime":"2015-07-15 00:00:00.003","person_id":null,"auction_id":1002,"auction_seller":1000}
{"op":"+I","event_type":0,"dateTime":"2015-07-15 00:00:00.050","person_id":1001,"auction_id":null,"auction_seller":null}
{"op":"+I","event_type":1,"dateTime":"2015-07-15 00:00:00.051","person_id":null,"auction_id":1003,"auction_seller":1000}
{"op":"+I","event_type":1,"dateTime":"2015-07-15 00:00:00.052","person_id":null,"auction_id":1004,"auction_seller":1005}
{"op":"+I","event_type":1,"dateTime":"2015-07-15 00:00:00.053","person_id":null,"auction_id":1005,"auction_seller":1000}
EOF
check "'all' table: people and auctions" "$tmp/wide.expected" "$tmp/wide.out"

# The benchmark's DDL plans (its tables hold 100M events: not run here).
{
    cat bench/nexmark/ddl.sql
    cat <<'EOF'
CREATE TABLE discard (a BIGINT, b BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO discard SELECT auction, price FROM bid;
INSERT INTO discard SELECT id, seller FROM auction;
INSERT INTO discard SELECT id, id FROM person;
EOF
} >"$tmp/ddl.sql"
if "$sluice" explain "$tmp/ddl.sql" >"$tmp/ddl.out" 2>&1 &&
    [ "$(grep -c 'Source: .* (nexmark \(bid\|auction\|person\))' "$tmp/ddl.out")" -eq 3 ]; then
    ok "bench/nexmark/ddl.sql plans"
else
    bad "bench/nexmark/ddl.sql plans"; head -5 "$tmp/ddl.out"
fi

# `sluice gen` gives the rows of the SQL source (without the op field).
"$sluice" gen nexmark --table bid --events 5000 --seed 11 --format json >"$tmp/gen.json"
{
    bid_table ", 'events.num' = '5000', 'nexmark.seed' = '11'"
    echo "SELECT * FROM bid;"
} >"$tmp/all.sql"
"$sluice" run --quiet "$tmp/all.sql" | sed 's/^{"op":"+I",/{/' >"$tmp/run.json"
if [ "$(wc -l <"$tmp/gen.json")" -eq 4600 ]; then ok "gen: 4600 bids in 5000 events"; else bad "gen: bid count $(wc -l <"$tmp/gen.json")"; fi
check "gen = SQL source" "$tmp/gen.json" "$tmp/run.json"
"$sluice" run --quiet --set parallelism=2 "$tmp/all.sql" | sed 's/^{"op":"+I",/{/' | sort >"$tmp/run2.json"
sort "$tmp/gen.json" >"$tmp/gen.sorted"
check "gen = SQL source at parallelism 2 (sorted)" "$tmp/gen.sorted" "$tmp/run2.json"

# Deterministic; the seed matters; --table all has every kind.
"$sluice" gen nexmark --events 2000 --format csv >"$tmp/a.csv"
"$sluice" gen nexmark --events 2000 --format csv >"$tmp/b.csv"
"$sluice" gen nexmark --events 2000 --format csv --seed 1 >"$tmp/c.csv"
if cmp -s "$tmp/a.csv" "$tmp/b.csv" && ! cmp -s "$tmp/a.csv" "$tmp/c.csv"; then
    ok "gen: deterministic, seeded"
else
    bad "gen: deterministic, seeded"
fi
kinds=$(cut -d, -f1 "$tmp/a.csv" | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')
[ "$kinds" = "0:40 1:120 2:1840 " ] && ok "gen --table all: 40 people, 120 auctions, 1840 bids" \
    || bad "gen --table all kinds: $kinds"
# (10M events, cut short by head closing the pipe: gen then ends by SIGPIPE)
"$sluice" gen nexmark --events 10M --table person --format csv --header 2>&1 | head -1 >"$tmp/h1.csv"
echo "id,name,emailAddress,creditCard,city,state,dateTime,extra" >"$tmp/h1.expected"
check "gen csv header" "$tmp/h1.expected" "$tmp/h1.csv"
"$sluice" gen nexmark --events 100 --table all --format json >"$tmp/all.json"
head -1 "$tmp/all.json" | grep -q '^{"event_type":0,"person":{"id":1000,' \
    && ok "gen json: Flink's nested event form" || bad "gen json: nested form"

# rate.limited paces by the wall clock: 30 events at 1000/s take ~30 ms.
n=$(timeout 20 "$sluice" gen nexmark --events 30 --rate 1000 --set rate.limited=true | wc -l)
[ "$n" -eq 30 ] && ok "gen rate.limited" || bad "gen rate.limited: $n lines"

# Usage errors: exit code 2 and a message.
for args in "nexmark --table bids" "nexmark --events lots" "nexmark --format xml" \
    "nexmark --set rate.shape=SINE" "tpch" ""; do
    # shellcheck disable=SC2086
    "$sluice" gen $args >/dev/null 2>"$tmp/e.err"
    rc=$?
    if [ $rc -eq 2 ] && [ -s "$tmp/e.err" ]; then ok "gen $args: usage error"; else bad "gen $args: exit $rc"; fi
done
"$sluice" gen nexmark --help | grep -q "^usage: sluice gen nexmark" && ok "gen --help" || bad "gen --help"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
