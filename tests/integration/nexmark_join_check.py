#!/usr/bin/env python3
"""Check the final result of a Nexmark join query (q3, q8, q20) against
SQLite running the same query in batch over the same events.

Usage: nexmark_join_check.py QUERY OUT.jsonl ALL.jsonl

OUT.jsonl: what `sluice run` printed (JSON lines with "op": the changelog is
applied, so a regular join's retractions count); ALL.jsonl: `sluice gen
nexmark --table all` over the same events. The generator here is in order
(no out-of-orderness), so no row is late and the windowed and regular joins
equal their batch result once the final watermark has passed."""
import json
import sqlite3
import sys
from collections import Counter
from datetime import datetime, timezone


def to_us(text):
    fmt = "%Y-%m-%d %H:%M:%S.%f" if "." in text else "%Y-%m-%d %H:%M:%S"
    dt = datetime.strptime(text, fmt).replace(tzinfo=timezone.utc)
    return int(dt.timestamp()) * 1_000_000 + dt.microsecond


TS_COLS = {"stime", "bid_dateTime", "auction_dateTime", "expires", "dateTime"}


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


def load(all_path):
    db = sqlite3.connect(":memory:")
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


W = 10_000_000  # q8's 10-second tumbling window, in microseconds

QUERIES = {
    "q3": (["name", "city", "state", "id"],
           "SELECT P.name, P.city, P.state, A.id FROM auction A JOIN person P "
           "ON A.seller = P.id WHERE A.category = 10 AND P.state IN ('OR', 'ID', 'CA')"),
    "q8": (["id", "name", "stime"],
           f"SELECT P.id, P.name, P.ws FROM "
           f"(SELECT DISTINCT id, name, dt - dt % {W} AS ws FROM person) P JOIN "
           f"(SELECT DISTINCT seller, dt - dt % {W} AS ws FROM auction) A "
           f"ON P.id = A.seller AND P.ws = A.ws"),
    "q20": (["auction", "bidder", "price", "channel", "url", "bid_dateTime", "bid_extra",
             "itemName", "description", "initialBid", "reserve", "auction_dateTime", "expires",
             "seller", "category", "auction_extra"],
            "SELECT B.auction, B.bidder, B.price, B.channel, B.url, B.dt, B.extra, A.itemName, "
            "A.description, A.initialBid, A.reserve, A.dt, A.expires, A.seller, A.category, "
            "A.extra FROM bid B JOIN auction A ON B.auction = A.id WHERE A.category = 10"),
}


def main():
    q, out_path, all_path = sys.argv[1:4]
    cols, sql = QUERIES[q]
    db = load(all_path)
    want = Counter(tuple(canon(c, v) for c, v in zip(cols, row)) for row in db.execute(sql))
    got = final_state(out_path, cols)
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
