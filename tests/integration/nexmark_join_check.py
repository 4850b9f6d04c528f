#!/usr/bin/env python3
"""Check the final result of a Nexmark join query (q3, q4, q5, q7, q8, q9,
q13, q20) against SQLite computing it in batch over the same events.

Usage: nexmark_join_check.py QUERY OUT.jsonl ALL.jsonl [SIDE.csv]

OUT.jsonl: what `sluice run` printed (JSON lines with "op": the changelog is
applied, so a regular join's retractions count); ALL.jsonl: `sluice gen
nexmark --table all` over the same events; SIDE.csv: q13's side input (key,
value lines). The generator here is in order (no out-of-orderness), so no row
is late and the windowed and regular joins equal their batch result once the
final watermark has passed. The SQLite queries are written from each query's
definition (windows as arithmetic on microseconds), not copied from its SQL.

Most queries compare the final multiset of rows exactly. Two cannot:
 - q4 averages per category (BIGINT, truncated as Flink's): equal per category;
 - q9 keeps one bid per auction ordered by price DESC, dateTime ASC, and ties
   on both are legal: each auction with a qualifying bid must have exactly one
   row, and that row must be one of its tied best rows."""
import json
import sqlite3
import sys
from collections import Counter
from datetime import date
from functools import lru_cache

EPOCH_DAY = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=None)
def to_us(text):
    """'YYYY-MM-DD HH:MM:SS[.fff]' (UTC) as microseconds since the epoch; by
    hand, as strptime takes half of this script's time."""
    day, clock = text.split(" ")
    y, mo, d = day.split("-")
    hms, _, frac = clock.partition(".")
    h, mi, sec = hms.split(":")
    days = date(int(y), int(mo), int(d)).toordinal() - EPOCH_DAY
    return ((days * 86400 + int(h) * 3600 + int(mi) * 60 + int(sec)) * 1_000_000
            + int((frac + "000000")[:6]))


TS_COLS = {"stime", "bid_dateTime", "auction_dateTime", "expires", "dateTime"}
W2 = 2_000_000  # q5's slide
W10 = 10_000_000  # q5's window size, q7's and q8's tumbling window


def canon(k, v):
    if k in TS_COLS and isinstance(v, str):
        return to_us(v)
    if isinstance(v, float):
        return float(f"{v:.12g}")
    return v


def final_state(path, cols):
    state = Counter()
    with open(path) as f:
        for line in f:
            obj = json.loads(line)
            op = obj.pop("op")
            row = tuple(canon(c, obj[c]) for c in cols)
            if op in ("+I", "+U"):
                state[row] += 1
            else:
                if state[row] <= 0:
                    raise SystemExit(f"retraction of a row not in the result: {op} {row}")
                state[row] -= 1
    return +state


def load(all_path, side_path):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE side (key, value)")
    if side_path:
        with open(side_path) as f:
            db.executemany("INSERT INTO side VALUES (?,?)",
                           ((int(k), v) for k, v in (ln.rstrip("\n").split(",", 1) for ln in f)))
    db.execute("CREATE TABLE person (id, name, city, state, dt)")
    db.execute("CREATE TABLE auction (id, itemName, description, initialBid, reserve, dt, "
               "expires, seller, category, extra)")
    db.execute("CREATE TABLE bid (auction, bidder, price, channel, url, dt, extra)")
    with open(all_path) as f:
        for line in f:
            e = json.loads(line)
            if e["event_type"] == 0:
                p = e["person"]
                db.execute("INSERT INTO person VALUES (?,?,?,?,?)",
                           (p["id"], p["name"], p["city"], p["state"], to_us(p["dateTime"])))
            elif e["event_type"] == 1:
                a = e["auction"]
                db.execute("INSERT INTO auction VALUES (?,?,?,?,?,?,?,?,?,?)",
                           (a["id"], a["itemName"], a["description"], a["initialBid"],
                            a["reserve"], to_us(a["dateTime"]), to_us(a["expires"]), a["seller"],
                            a["category"], a["extra"]))
            else:
                b = e["bid"]
                db.execute("INSERT INTO bid VALUES (?,?,?,?,?,?,?)",
                           (b["auction"], b["bidder"], b["price"], b["channel"], b["url"],
                            to_us(b["dateTime"]), b["extra"]))
    return db


QUERIES = {
    "q3": (["name", "city", "state", "id"],
           "SELECT P.name, P.city, P.state, A.id FROM auction A JOIN person P "
           "ON A.seller = P.id WHERE A.category = 10 AND P.state IN ('OR', 'ID', 'CA')"),
    "q8": (["id", "name", "stime"],
           f"SELECT P.id, P.name, P.ws FROM "
           f"(SELECT DISTINCT id, name, dt - dt % {W10} AS ws FROM person) P JOIN "
           f"(SELECT DISTINCT seller, dt - dt % {W10} AS ws FROM auction) A "
           f"ON P.id = A.seller AND P.ws = A.ws"),
    # Every auction's highest bid made while it is open, averaged per category.
    "q4": (["id", "final"],
           "SELECT category, SUM(final) / COUNT(final) FROM (SELECT A.id, A.category, MAX(B.price) AS final "
           "FROM auction A JOIN bid B ON B.auction = A.id AND B.dt >= A.dt AND B.dt <= A.expires "
           "GROUP BY A.id, A.category) GROUP BY category"),
    # Sliding windows of 10 s every 2 s: a bid at t is in the 5 windows that start
    # at floor(t / 2 s) * 2 s - k * 2 s, k = 0..4. Every auction whose count in a
    # window is that window's highest count.
    "q5": (["auction", "num"],
           f"WITH k(k) AS (VALUES (0), (1), (2), (3), (4)), "
           f"C AS (SELECT auction, dt - dt % {W2} - k * {W2} AS ws, COUNT(*) AS num "
           f"FROM bid, k GROUP BY auction, ws), "
           f"M AS (SELECT ws, MAX(num) AS maxn FROM C GROUP BY ws) "
           f"SELECT C.auction, C.num FROM C JOIN M ON C.ws = M.ws AND C.num = M.maxn"),
    # Each 10-second window's highest price, then every bid at that price whose
    # time is within [window end - 10 s, window end] (both ends included).
    "q7": (["auction", "price", "bidder", "dateTime", "extra"],
           f"WITH M AS (SELECT dt - dt % {W10} + {W10} AS we, MAX(price) AS maxprice FROM bid "
           f"GROUP BY dt - dt % {W10}) "
           f"SELECT B.auction, B.price, B.bidder, B.dt, B.extra FROM bid B JOIN M "
           f"ON B.price = M.maxprice AND B.dt >= M.we - {W10} AND B.dt <= M.we"),
    # Every auction with each of its bids made while it is open (the best ones
    # are picked in check_q9).
    "q9": (["id", "itemName", "description", "initialBid", "reserve", "dateTime", "expires",
            "seller", "category", "extra", "auction", "bidder", "price", "bid_dateTime",
            "bid_extra"],
           "SELECT A.id, A.itemName, A.description, A.initialBid, A.reserve, A.dt, A.expires, "
           "A.seller, A.category, A.extra, B.auction, B.bidder, B.price, B.dt, B.extra "
           "FROM auction A JOIN bid B ON B.auction = A.id AND B.dt >= A.dt AND B.dt <= A.expires"),
    # Every bid with the side input's value of its auction id modulo 10,000.
    "q13": (["auction", "bidder", "price", "dateTime", "value"],
            "SELECT B.auction, B.bidder, B.price, B.dt, S.value FROM bid B "
            "JOIN side S ON S.key = B.auction % 10000"),
    "q20": (["auction", "bidder", "price", "channel", "url", "bid_dateTime", "bid_extra",
             "itemName", "description", "initialBid", "reserve", "auction_dateTime", "expires",
             "seller", "category", "auction_extra"],
            "SELECT B.auction, B.bidder, B.price, B.channel, B.url, B.dt, B.extra, A.itemName, "
            "A.description, A.initialBid, A.reserve, A.dt, A.expires, A.seller, A.category, "
            "A.extra FROM bid B JOIN auction A ON B.auction = A.id WHERE A.category = 10"),
}


def fail(msg, rows=()):
    print(msg)
    for r in rows[:3]:
        print("  ", r)
    raise SystemExit(1)


def check_q4(want, got):
    """One row per category, its (integer) average equal to SQLite's."""
    want_avg = {k: v for (k, v) in want}
    got_avg = {}
    for (k, v), n in got.items():
        if n != 1 or k in got_avg:
            fail(f"q4: category {k} has more than one row in the result",
                 [r for r in got if r[0] == k])
        got_avg[k] = v
    if set(want_avg) != set(got_avg):
        fail(f"q4: categories: want {sorted(want_avg)}, got {sorted(got_avg)}")
    for k in sorted(want_avg):
        w, g = want_avg[k], got_avg[k]
        if w != g:
            fail(f"q4: category {k}: want average {w!r}, got {g!r}")
    return f"same {len(want_avg)} category averages as SQLite"


def check_q9(want, got):
    """Exactly one row per auction that has a bid made while it is open, and
    that row one of the auction's best (highest price, then earliest time)."""
    price, bid_dt = 12, 13
    best = {}
    for row in want:
        key = (-row[price], row[bid_dt])
        cur = best.get(row[0])
        if cur is None or key < cur[0]:
            best[row[0]] = (key, {row})
        elif key == cur[0]:
            cur[1].add(row)
    per_auction = Counter(r[0] for r in got.elements())
    dup = [a for a, n in per_auction.items() if n > 1]
    if dup:
        fail(f"q9: {len(dup)} auctions with more than one row, e.g. {dup[0]}",
             [r for r in got if r[0] == dup[0]])
    if set(per_auction) != set(best):
        missing = sorted(set(best) - set(per_auction))
        extra = sorted(set(per_auction) - set(best))
        fail(f"q9: want {len(best)} auctions, got {len(per_auction)}; "
             f"missing {missing[:5]}, extra {extra[:5]}")
    wrong = [r for r in got if r not in best[r[0]][1]]
    if wrong:
        r = wrong[0]
        b = next(iter(best[r[0]][1]))
        fail(f"q9: {len(wrong)} auctions with a row that is not a best bid, e.g. auction "
             f"{r[0]}: got price {r[price]} at {r[bid_dt]} us, want price {b[price]} at "
             f"{b[bid_dt]} us ({len(best[r[0]][1])} best rows)")
    ties = sum(1 for k, rows in best.values() if len(rows) > 1)
    return f"one best bid for each of {len(best)} auctions as SQLite ({ties} with ties)"


def main():
    q, out_path, all_path = sys.argv[1:4]
    side_path = sys.argv[4] if len(sys.argv) > 4 and q == "q13" else None
    cols, sql = QUERIES[q]
    db = load(all_path, side_path)
    want = Counter(tuple(canon(c, v) for c, v in zip(cols, row)) for row in db.execute(sql))
    got = final_state(out_path, cols)
    if q == "q4":
        print(check_q4(want, got))
        return
    if q == "q9":
        print(check_q9(want, got))
        return
    if got != want:
        missing = want - got
        extra = got - want
        print(f"{q}: want {sum(want.values())} rows, got {sum(got.values())}; "
              f"missing {sum(missing.values())}, extra {sum(extra.values())}")
        for r in list(missing)[:3]:
            print("  missing", r)
        for r in list(extra)[:3]:
            print("  extra  ", r)
        raise SystemExit(1)
    print(f"same {sum(want.values())} rows as SQLite")


main()
