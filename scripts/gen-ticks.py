#!/usr/bin/env python3
"""Make examples/data/ticks.jsonl and the expected output of
examples/vshape.sql (examples/data/ticks.expected), computed here
independently of the engine.

Ticks {sym, price, ts}: three symbols, one tick per symbol every second for
20 minutes, prices a random walk in steps of 0.25 (deterministic seed).
Rows arrive out of order by up to 3 seconds (the watermark delay is 5
seconds); two rows arrive 2 minutes late and are dropped (counted as late).

The pattern, per symbol in time order: a start row, three or more ticks each
lower than the one before, then a tick higher than the last (a V), AFTER
MATCH SKIP PAST LAST ROW. Falls and rises exclude each other, so the match
from a start row is unique: the longest run of falls, then a rise.
Usage: gen-ticks.py OUTDIR
"""
import json
import random
import sys
from datetime import datetime, timedelta, timezone

out = sys.argv[1] if len(sys.argv) > 1 else "examples/data"
rng = random.Random(7)
t0 = datetime(2024, 3, 1, 9, 30, 0, tzinfo=timezone.utc)
syms = ["ACME", "GLOBEX", "INITECH"]
ticks = []  # (sym, price, second)
for s in syms:
    p = {"ACME": 100.0, "GLOBEX": 50.0, "INITECH": 20.0}[s]
    for i in range(1200):
        p = max(1.0, p + rng.choice([-0.5, -0.25, -0.25, 0.25, 0.25, 0.5]))
        ticks.append((s, p, i))
ticks.sort(key=lambda t: (t[2], t[0]))
# arrival order: each row delayed by 0..3 s, stable on ties
arrival = sorted(range(len(ticks)), key=lambda k: (ticks[k][2] + rng.randint(0, 3), k))
rows = [ticks[k] for k in arrival]
# two late rows: inserted 2 minutes after their time
late = [("ACME", 1.0, 300), ("GLOBEX", 999.0, 600)]
for sym, price, sec in late:
    pos = next(i for i, r in enumerate(rows) if r[2] >= sec + 120)
    rows.insert(pos, (sym, price, sec))


def ts(sec):
    return (t0 + timedelta(seconds=sec)).strftime("%Y-%m-%d %H:%M:%S")


with open(f"{out}/ticks.jsonl", "w") as f:
    for sym, price, sec in rows:
        f.write(json.dumps({"sym": sym, "price": price, "ts": ts(sec)}, separators=(",", ":")) + "\n")

expected = []
for s in syms:
    seq = [t for t in ticks if t[0] == s]  # late rows excluded, in time order
    i = 0
    while i < len(seq):
        j = i + 1
        while j < len(seq) and seq[j][1] < seq[j - 1][1]:
            j += 1
        downs = j - i - 1
        if downs >= 3 and j < len(seq) and seq[j][1] > seq[j - 1][1]:
            expected.append({"op": "+I", "sym": s, "start_ts": ts(seq[i][2]),
                             "bottom_ts": ts(seq[j - 1][2]), "end_ts": ts(seq[j][2]),
                             "start_price": seq[i][1], "bottom_price": seq[j - 1][1],
                             "end_price": seq[j][1], "drop": seq[i][1] - seq[j - 1][1],
                             "downs": downs})
            i = j + 1
        else:
            i += 1
with open(f"{out}/ticks.expected", "w") as f:
    for e in sorted(json.dumps(e, separators=(",", ":")) for e in expected):
        f.write(e + "\n")
