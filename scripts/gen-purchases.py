#!/usr/bin/env python3
"""Generate the data of examples/top_items.sql and its expected output.

Writes examples/data/purchases.jsonl: purchases {order_id, item, quantity, ts}
of six items from 10:00 to 12:59, in arrival order: out of order by up to 50 s
(the watermark delay is 1 minute, so none of those is late), plus two
purchases that arrive after the watermark has closed their hour:
  order 900  webcam x3 at 10:58, arriving after 11:04: counted, it would make
             webcam (4 units) 3rd in hour 10; late, it is dropped (counted);
  order 901  mouse x5 at 11:30, arriving after 12:10: counted, it would make
             mouse (12 units) 1st in hour 11; late, it is dropped (counted).
Ties are broken by item name (ORDER BY units DESC, item): monitor and
usb-cable tie for 3rd in hour 10, and a few purchases at 12:59:30 make
keyboard tie webcam for 3rd in hour 12.

examples/data/purchases.expected is the job's output computed here,
independently of the engine: per hour, the units (SUM(quantity)) and orders
(COUNT(*)) of every item from the purchases that are not late (a purchase is
late when the hour it falls in ended at or before the watermark, which is the
largest event time seen before it minus 1 minute minus 1 microsecond), ranked
by units descending then item name, the first three, hours in order.
Deterministic: the same seed, the same files. An argument names another
output directory (the tests regenerate the files and compare).
"""
import datetime as dt
import os
import random
import sys

SEED = 42
DELAY_S = 60            # WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE
JITTER_S = 50           # in-bound disorder
BASE = dt.datetime(2024, 6, 1, 10, 0, 0)
ITEMS = ["headphones", "keyboard", "monitor", "mouse", "usb-cable", "webcam"]
# Popularity per hour: the ranking changes from hour to hour.
WEIGHTS = {
    0: [5, 3, 1, 4, 6, 2],
    1: [2, 6, 3, 5, 1, 1],
    2: [3, 2, 5, 1, 4, 3],
}


def fmt_ts(s):
    return (BASE + dt.timedelta(seconds=s)).strftime("%Y-%m-%d %H:%M:%S")


def make_rows():
    rnd = random.Random(SEED)
    rows = []  # (arrival key, order_id, item, quantity, ts seconds)
    oid = 1
    for h in range(3):
        for _ in range(18):
            ts = h * 3600 + rnd.randrange(3600)
            item = rnd.choices(ITEMS, WEIGHTS[h])[0]
            qty = rnd.choice([1, 1, 1, 2, 2, 3])
            rows.append([ts + rnd.randrange(JITTER_S + 1), 0, item, qty, ts])
    rows.sort(key=lambda r: (r[0], r[4]))
    for r in rows:
        r[1] = oid
        oid += 1
    rows = [tuple(r[1:]) for r in rows]

    def insert_after_first_at_or_after(t, row):
        i = next(i for i, r in enumerate(rows) if r[3] >= t)
        rows.insert(i + 1, row)

    insert_after_first_at_or_after(3600 + 180, (900, "webcam", 3, 3480))          # 10:58
    insert_after_first_at_or_after(2 * 3600 + 600, (901, "mouse", 5, 3600 + 1800))  # 11:30
    return rows


def force_tie(rows):
    """Make hour 12's 3rd and 4th items tie on units, by appending on-time
    purchases of the 4th at 12:59:30 (after the last purchase: not late)."""
    units = totals(rows)[2]
    ranked = sorted(units.items(), key=lambda kv: (-kv[1][0], kv[0]))
    third, fourth = ranked[2], ranked[3]
    need = third[1][0] - fourth[1][0]
    oid = 950
    while need > 0:
        q = min(need, 3)
        rows.append((oid, fourth[0], q, 2 * 3600 + 3570))
        oid += 1
        need -= q
    return third[0], fourth[0]


def totals(rows):
    """Units and orders per hour and item, late purchases left out."""
    out = {0: {}, 1: {}, 2: {}}
    max_ts = None
    late = 0
    for oid, item, qty, ts in rows:
        us = ts * 1_000_000
        wm = max_ts - DELAY_S * 1_000_000 - 1 if max_ts is not None else None
        hour = ts // 3600
        end_us = (hour + 1) * 3600 * 1_000_000
        if wm is not None and end_us - 1 <= wm:
            late += 1
        else:
            u, n = out[hour].get(item, (0, 0))
            out[hour][item] = (u + qty, n + 1)
        max_ts = us if max_ts is None else max(max_ts, us)
    totals.late = late
    return out


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "examples", "data")
    rows = make_rows()
    tied = force_tie(rows)
    with open(os.path.join(data, "purchases.jsonl"), "w") as f:
        for oid, item, qty, ts in rows:
            f.write('{"order_id":%d,"item":"%s","quantity":%d,"ts":"%s"}\n'
                    % (oid, item, qty, fmt_ts(ts)))
    t = totals(rows)
    with open(os.path.join(data, "purchases.expected"), "w") as f:
        for h in range(3):
            ranked = sorted(t[h].items(), key=lambda kv: (-kv[1][0], kv[0]))
            for rn, (item, (units, orders)) in enumerate(ranked[:3], 1):
                f.write('{"op":"+I","window_start":"%s","window_end":"%s","rn":%d,'
                        '"item":"%s","units":%d,"orders":%d}\n'
                        % (fmt_ts(h * 3600), fmt_ts((h + 1) * 3600), rn, item, units, orders))
            print("hour %d: %s" % (10 + h, ", ".join("%s=%d" % (k, v[0]) for k, v in ranked)),
                  file=sys.stderr)
    print("%d purchases, %d late; hour 12 tie: %s and %s"
          % (len(rows), totals.late, tied[0], tied[1]), file=sys.stderr)


if __name__ == "__main__":
    main()
