#!/usr/bin/env python3
"""Generate the data of examples/iot.sql and its expected output.

Writes examples/data/iot.jsonl: temperature readings of two sensors every 30 s
from 08:00 to 08:09:50 (sensor-2 10 s after sensor-1), a few pairs swapped
(out of order within the 10-second watermark delay), and three readings that
arrive late:
  A  sensor-1 08:06:45, 30.0 (a spike), arriving after 08:07:40: behind the
     watermark; its window [08:02, 08:07) has fired but is within the
     2-minute allowed lateness, so that window's result is updated.
  B  sensor-2 08:04:50, 19.0 (a dip), arriving after 08:08:00: too late for
     [08:00, 08:05) (past its allowed lateness: that window does not see it),
     in time for [08:01, 08:06) and [08:02, 08:07) (updated) and for the
     windows that have not fired yet.
  C  sensor-1 08:01:15, 35.0, arriving after 08:09:00: every window holding it
     is past its allowed lateness; it is dropped and counted as late.

The expected results are computed here, independently of the engine, from the
documented semantics (docs/sql.md, "Lateness"): the watermark is the largest
event time seen so far minus the delay minus 1 microsecond, and it is in
force before any row that it makes late; a HOP window [s, e) fires when the
watermark reaches e - 1 us; a row that arrives later updates each window
holding it whose end - 1 us + allowed lateness is still ahead of the
watermark (a retraction of the window's previous result, -U, then the new
one, +U); a row none of whose windows is still open is dropped and counted.

examples/data/iot.expected holds the output lines stably sorted by device and
window (the order of different devices' rows is not defined; the updates of
one window stay in their order). Deterministic: the same seed, the same
files. An argument names another output directory (the tests regenerate the
files and compare).
"""
import datetime as dt
import os
import random
import sys

SEED = 7
US = 1_000_000
DELAY = 10 * US            # WATERMARK FOR ts AS ts - INTERVAL '10' SECOND
SLIDE = 60 * US            # HOP slide 1 minute
SIZE = 5 * 60 * US         # HOP size 5 minutes
LATENESS = 2 * 60 * US     # SET 'table.exec.emit.allow-lateness' = '2 min'
BASE = dt.datetime(2024, 5, 1, 8, 0, 0)
MIN = -(1 << 63)


def at(h, m, s):
    return int(((dt.datetime(2024, 5, 1, h, m, s) - BASE).total_seconds())) * US


def fmt_ts(us):
    return (BASE + dt.timedelta(microseconds=us)).strftime("%Y-%m-%d %H:%M:%S")


def fmt_double(v):
    """As the engine prints a DOUBLE: x.0 when integral, else the shortest %g
    (6 to 17 digits) that reads back as the same value."""
    if v == int(v) and abs(v) < 1e15:
        return "%.1f" % v
    for p in range(6, 18):
        s = "%.*g" % (p, v)
        if float(s) == v:
            return s
    return s


def make_rows():
    rnd = random.Random(SEED)
    temp = {"sensor-1": 21.0, "sensor-2": 24.0}
    rows = []
    for k in range(20):
        for dev, off in (("sensor-1", 0), ("sensor-2", 10)):
            temp[dev] += rnd.choice([-0.5, -0.25, 0.0, 0.25, 0.5])
            rows.append((dev, k * 30 * US + off * US, temp[dev]))
    # In-bound disorder: sensor-2 before sensor-1 (10 s apart) a few times.
    for i in (4, 12, 24):
        rows[i], rows[i + 1] = rows[i + 1], rows[i]

    def insert_after(ts, row):
        i = next(i for i, r in enumerate(rows) if r[1] == ts)
        rows.insert(i + 1, row)

    insert_after(at(8, 7, 40), ("sensor-1", at(8, 6, 45), 30.0))   # A
    insert_after(at(8, 8, 0), ("sensor-2", at(8, 4, 50), 19.0))    # B
    insert_after(at(8, 9, 0), ("sensor-1", at(8, 1, 15), 35.0))    # C
    return rows


def slice_end(ts):
    return ts - ts % SLIDE + SLIDE


def expected(rows):
    """Run the documented semantics over rows in arrival order."""
    slices = {}        # slice end -> {device: [temps]}
    fired = set()      # window ends fired on time
    prev = {}          # (device, window end) -> last emitted values
    out = []
    late = 0
    state = {"wm": MIN}

    def values(dev, e):
        temps = []
        for se in range(e - SIZE + SLIDE, e + 1, SLIDE):
            temps += slices.get(se, {}).get(dev, [])
        return temps

    def emit(dev, e):
        t = values(dev, e)
        v = (len(t), sum(t) / len(t), min(t), max(t))
        old = prev.get((dev, e))
        if old is not None:
            out.append(("-U", dev, e, old))
        out.append(("+U" if old is not None else "+I", dev, e, v))
        prev[(dev, e)] = v

    def passed(e):
        return e - 1 <= state["wm"]

    def expired(e):
        return e - 1 + LATENESS <= state["wm"]

    def advance(w):
        state["wm"] = w
        ends = sorted({e for se in slices for e in range(se, se + SIZE, SLIDE)})
        for e in ends:
            if e not in fired and passed(e):
                fired.add(e)
                devs = sorted({d for se in range(e - SIZE + SLIDE, e + 1, SLIDE)
                               for d in slices.get(se, {})})
                for d in devs:
                    emit(d, e)

    max_ts = MIN
    for dev, ts, temp in rows:
        w = max_ts - DELAY - 1 if max_ts != MIN else MIN
        if ts <= w and w > state["wm"]:
            advance(w)
        max_ts = max(max_ts, ts)
        se = slice_end(ts)
        last = se + SIZE - SLIDE
        if expired(last):
            late += 1
            continue
        slices.setdefault(se, {}).setdefault(dev, []).append(temp)
        for e in range(se, last + 1, SLIDE):
            if passed(e) and not expired(e):
                fired.add(e)
                emit(dev, e)
    advance((1 << 63) - 1)
    return out, late


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "examples", "data")
    rows = make_rows()
    with open(os.path.join(data, "iot.jsonl"), "w") as f:
        for dev, ts, temp in rows:
            f.write('{"device_id":"%s","temperature":%s,"ts":"%s"}\n'
                    % (dev, fmt_double(temp), fmt_ts(ts)))
    out, late = expected(rows)
    lines = []
    for kind, dev, e, (n, avg, lo, hi) in out:
        lines.append((dev, e, '{"op":"%s","device_id":"%s","window_start":"%s","window_end":"%s",'
                      '"readings":%d,"avg_temp":%s,"min_temp":%s,"max_temp":%s}'
                      % (kind, dev, fmt_ts(e - SIZE), fmt_ts(e), n, fmt_double(avg),
                         fmt_double(lo), fmt_double(hi))))
    lines.sort(key=lambda x: (x[0], x[1]))  # stable: updates keep their order
    with open(os.path.join(data, "iot.expected"), "w") as f:
        for _, _, line in lines:
            f.write(line + "\n")
    print("%d readings, %d late, %d output rows" % (len(rows), late, len(lines)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
