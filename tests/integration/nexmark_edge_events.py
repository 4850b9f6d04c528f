#!/usr/bin/env python3
"""Write a small hand-made Nexmark event set whose rows sit on the edges the
generated events almost never reach, for the join checks of
nexmark_queries.sh (nexmark_join_check.py compares the engine with SQLite).

Usage: nexmark_edge_events.py DIR

Writes DIR/all.jsonl (the shape of `sluice gen nexmark --table all --format
json`, read by the checker) and DIR/person.jsonl, DIR/auction.jsonl,
DIR/bid.jsonl (one flat JSON line per row, the columns of bench/nexmark/
ddl.sql, read by the job through 'filesystem' tables). Events are in event
time order, so none is late.

The edges (T = 2015-07-15 00:00:00):
 - q9: auction 1's best price is bid three times: twice at the same time (a
   tie on price and time: either row may win) and once later; auction 2's
   best bid is at its start time and auction 3's at its expiry (BETWEEN
   includes both ends); auction 4 has bids only after it expired and auction
   5 none (no row for either); bids of a missing auction 6. Rising prices
   replace the Top-1 row (retractions).
 - q4: categories 10 (auctions 1, 2), 11 (3, 4: 4 has no winning bid) and 12
   (5: none); the MAX of an auction rises and the averages are retracted.
 - q7: the highest price of window [T, T+10 s) is bid twice (a tie), and again
   at T+10 s exactly, which window [T+10 s, T+20 s) holds but the join's
   BETWEEN window_end - 10 s AND window_end also matches to the first window
   (the second window's maximum is higher); a bid at T+20 s ties the second
   window's maximum and is the third window's: it is matched to both.
 - q5: counts of one to three bids per auction: most sliding windows have
   several auctions tied on the top count.
 - q13: auction 10003's key (3) is not in the side input (no row), 10001's is.
"""
import json
import os
import sys
from datetime import datetime, timedelta

T = datetime(2015, 7, 15)


def ts(ms):
    t = T + timedelta(milliseconds=ms)
    s = t.strftime("%Y-%m-%d %H:%M:%S")
    return s + f".{ms % 1000:03d}" if ms % 1000 else s


def auction(id_, category, at_ms, expires_ms):
    return at_ms, 1, {
        "id": id_, "itemName": f"item-{id_}", "description": f"auction {id_}",
        "initialBid": 10, "reserve": 20, "dateTime": ts(at_ms), "expires": ts(expires_ms),
        "seller": 1000 + id_, "category": category, "extra": "",
    }


def bid(auction_, bidder, price, at_ms):
    return at_ms, 2, {
        "auction": auction_, "bidder": bidder, "price": price, "channel": "Google",
        "url": f"https://example.com/{bidder}", "dateTime": ts(at_ms), "extra": f"b{bidder}",
    }


def person(id_, at_ms):
    return at_ms, 0, {
        "id": id_, "name": f"person-{id_}", "emailAddress": "a@b.com",
        "creditCard": "1111 2222 3333 4444", "city": "Bend", "state": "OR",
        "dateTime": ts(at_ms), "extra": "",
    }


EVENTS = [
    person(1001, 0),
    auction(1, 10, 0, 5000),
    bid(6, 1, 50, 0),  # no auction 6
    bid(1, 2, 100, 0),  # at auction 1's start
    auction(3, 11, 1000, 3000),
    auction(4, 11, 1000, 2000),
    bid(1, 3, 500, 1000),  # auction 1's best, tied on price and time with the next
    bid(1, 4, 500, 1000),
    auction(2, 10, 2000, 4000),
    bid(2, 5, 800, 2000),  # auction 2's best, at its start
    bid(3, 6, 200, 2000),
    bid(1, 7, 500, 2000),  # the best price again, later: loses to the two above
    bid(2, 8, 300, 3000),
    bid(3, 9, 600, 3000),  # auction 3's best, at its expiry
    bid(2, 10, 900, 4001),  # after auction 2 expired
    auction(5, 12, 5000, 9000),
    bid(1, 11, 950, 5001),  # after auction 1 expired
    bid(4, 12, 999, 7000),  # window [T, T+10 s)'s maximum, tied with the next
    bid(10001, 13, 999, 8000),
    bid(10003, 14, 70, 9000),
    bid(10003, 15, 999, 10000),  # at window 1's end: the first window's maximum too
    bid(10001, 16, 1500, 12000),  # window [T+10 s, T+20 s)'s maximum
    bid(6, 17, 1500, 20000),  # at that window's end, tied with it: in two windows' results
    bid(10001, 18, 30, 21000),
    bid(10003, 19, 20, 24000),
]

KINDS = ("person", "auction", "bid")


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    ev = sorted(EVENTS, key=lambda e: e[0])  # stable: the list order within a millisecond
    with open(os.path.join(d, "all.jsonl"), "w") as f:
        for _, kind, row in ev:
            obj = {"event_type": kind}
            for k, name in enumerate(KINDS):
                obj[name] = row if k == kind else None
            f.write(json.dumps(obj) + "\n")
    for k, name in enumerate(KINDS):
        with open(os.path.join(d, name + ".jsonl"), "w") as f:
            for _, kind, row in ev:
                if kind == k:
                    f.write(json.dumps(row) + "\n")


main()
