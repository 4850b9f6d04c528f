#!/usr/bin/env python3
"""Check a Nexmark query's result against an independent computation.

usage: nexmark_check.py QUERY ENGINE_OUTPUT BIDS.jsonl [--keys-only]

ENGINE_OUTPUT: the JSON lines `sluice run` prints for the query's INSERT into a
'print' table (a changelog with "op": +I, -U, +U, -D; the final state is
compared), or for q10 the CSV file the filesystem sink wrote. BIDS.jsonl: the
same events from `sluice gen nexmark --table bid --format json`, in arrival
order. The expected result is computed by SQLite (aggregations, Top-N,
dedup) or by plain Python (sessions, q10's formatting, q12's totals, which
depend on the wall clock and are checked as totals per bidder). Rows are
compared as multisets; timestamps as microseconds; doubles to 1e-9 relative.
"""
import csv
import json
import sqlite3
import sys
from collections import Counter, defaultdict
from datetime import date, datetime, timezone
from functools import lru_cache

TS_COLS = {"dateTime", "starttime", "endtime"}
EPOCH_DAY = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=None)
def to_us(text):
    """'YYYY-MM-DD HH:MM:SS[.fff]' (UTC) as microseconds since the epoch; by
    hand, as strptime took a third of this script's time."""
    day, clock = text.split(" ")
    y, mo, d = day.split("-")
    hms, _, frac = clock.partition(".")
    h, mi, sec = hms.split(":")
    days = date(int(y), int(mo), int(d)).toordinal() - EPOCH_DAY
    return ((days * 86400 + int(h) * 3600 + int(mi) * 60 + int(sec)) * 1_000_000
            + int((frac + "000000")[:6]))


def fmt_us(us, fmt):
    return datetime.fromtimestamp(us / 1e6, tz=timezone.utc).strftime(fmt)


def norm(v):
    if isinstance(v, float):
        return float(f"{v:.12g}")
    return v


def key(row):
    return tuple((k, norm(v)) for k, v in row)


def final_state(path):
    state = Counter()
    with open(path) as f:
        for line in f:
            obj = json.loads(line)
            op = obj.pop("op")
            row = key((k, to_us(v) if k in TS_COLS and isinstance(v, str) else v)
                      for k, v in obj.items())
            if op in ("+I", "+U"):
                state[row] += 1
            else:
                if state[row] <= 0:
                    raise SystemExit(f"retraction of a row not in the result: {op} {row}")
                state[row] -= 1
    return +state


def load(bids_path):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE bid (seq INTEGER, auction INTEGER, bidder INTEGER, price INTEGER, "
               "channel TEXT, url TEXT, dt TEXT, ts INTEGER, extra TEXT)")
    rows = []
    with open(bids_path) as f:
        for seq, line in enumerate(f):
            b = json.loads(line)
            rows.append((seq, b["auction"], b["bidder"], b["price"], b["channel"], b["url"],
                         b["dateTime"], to_us(b["dateTime"]), b["extra"]))
    db.executemany("INSERT INTO bid VALUES (?,?,?,?,?,?,?,?,?)", rows)
    return db, rows


RANKS = ["price < 10000", "price >= 10000 AND price < 1000000", "price >= 1000000"]


def counts_sql(group_cols):
    cols = ["COUNT(*) AS total_bids"]
    cols += [f"SUM({r}) AS rank{i + 1}_bids" for i, r in enumerate(RANKS)]
    for what, name in (("bidder", "bidders"), ("auction", "auctions")):
        cols.append(f"COUNT(DISTINCT {what}) AS total_{name}")
        cols += [f"COUNT(DISTINCT CASE WHEN {r} THEN {what} END) AS rank{i + 1}_{name}"
                 for i, r in enumerate(RANKS)]
    return cols


def expected(q, db, rows):
    day = "strftime('%Y-%m-%d', dt)"
    if q == "q15":
        sql = f"SELECT {day} AS day, {', '.join(counts_sql([]))} FROM bid GROUP BY 1"
    elif q == "q16":
        sql = (f"SELECT channel, {day} AS day, MAX(strftime('%H:%M', dt)) AS minute, "
               f"{', '.join(counts_sql([]))} FROM bid GROUP BY channel, 2")
    elif q == "q17":
        sql = (f"SELECT auction, {day} AS day, COUNT(*) AS total_bids, "
               + ", ".join(f"SUM({r}) AS rank{i + 1}_bids" for i, r in enumerate(RANKS))
               + ", MIN(price) AS min_price, MAX(price) AS max_price, SUM(price) / COUNT(price) AS avg_price,"
               " SUM(price) AS sum_price FROM bid GROUP BY auction, 2")
    elif q == "q18":
        sql = ("SELECT auction, bidder, price, channel, url, ts AS dateTime, extra FROM ("
               "SELECT *, ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY ts DESC, "
               "seq DESC) AS rn FROM bid) WHERE rn = 1")
    elif q == "q19":
        sql = ("SELECT auction, bidder, price, channel, url, ts AS dateTime, extra, rank_number "
               "FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC, "
               "seq ASC) AS rank_number FROM bid) WHERE rank_number <= 10")
    elif q == "q11":
        gap = 10_000_000
        by = defaultdict(list)
        for r in rows:
            by[r[2]].append(r[7])
        out = Counter()
        for bidder, ts in by.items():
            ts.sort()
            start, last, n = ts[0], ts[0], 0
            for t in ts:
                if t >= last + gap:
                    out[key([("bidder", bidder), ("bid_count", n), ("starttime", start),
                             ("endtime", last + gap)])] += 1
                    start, n = t, 0
                last = max(last, t)
                n += 1
            out[key([("bidder", bidder), ("bid_count", n), ("starttime", start),
                     ("endtime", last + gap)])] += 1
        return out
    else:
        raise SystemExit(f"no check for {q}")
    cur = db.execute(sql)
    names = [d[0] for d in cur.description]
    return Counter(key(zip(names, r)) for r in cur)


def check_q10(path, rows):
    got = Counter()
    with open(path, newline="") as f:
        for rec in csv.reader(f):
            got[tuple(rec)] += 1
    want = Counter()
    for r in rows:
        want[(str(r[1]), str(r[2]), str(r[3]), r[6], r[8], fmt_us(r[7], "%Y-%m-%d"),
              fmt_us(r[7], "%H:%M"))] += 1
    return got, want


def check_q12(path, rows):
    got = Counter()
    with open(path) as f:
        for line in f:
            obj = json.loads(line)
            if obj["op"] != "+I":
                raise SystemExit(f"q12: unexpected {obj['op']}")
            got[obj["bidder"]] += obj["bid_count"]
    want = Counter(r[2] for r in rows)
    return got, want


def main():
    q, out_path, bids_path = sys.argv[1:4]
    keys_only = len(sys.argv) > 4 and sys.argv[4] == "--keys-only"
    db, rows = load(bids_path)
    if q == "q10":
        got, want = check_q10(out_path, rows)
    elif q == "q12":
        got, want = check_q12(out_path, rows)
    else:
        got, want = final_state(out_path), expected(q, db, rows)
    if keys_only:
        # q18 in parallel: which of two bids of one (bidder, auction) in the same
        # millisecond is "last" depends on which source subtask's rows arrive
        # first; compare the keys and the time of the kept bid only.
        def project(c):
            return Counter(tuple(kv for kv in row if kv[0] in ("auction", "bidder", "dateTime"))
                           for row in c.elements())
        got, want = project(got), project(want)
    if got != want:
        missing, extra = want - got, got - want
        print(f"{q}: {sum(got.values())} rows, expected {sum(want.values())}; "
              f"{sum(missing.values())} missing, {sum(extra.values())} unexpected")
        for r in list(missing)[:3]:
            print("  missing:   ", r)
        for r in list(extra)[:3]:
            print("  unexpected:", r)
        sys.exit(1)
    print(f"same {sum(want.values())} rows as the independent computation")


main()
