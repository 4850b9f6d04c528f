#!/usr/bin/env python3
"""Compare a Sluice SQL result with the same query run in batch by SQLite.

usage: sqlite_check.py SLUICE_OUTPUT SQLITE_QUERY_FILE DATA.jsonl BOUND_SECONDS

SLUICE_OUTPUT holds JSON lines with an "op" field (+I, -U, +U, -D), as
`sluice run` prints them; the changelog is applied to get the final result.
The data file is loaded into an SQLite table `orders` with every column of its
JSON objects plus:
  seq     the line number (arrival order, for tie breaks)
  ts_us   the event time in microseconds since the epoch
  ts_s    the event time in whole seconds
  wm_us   the watermark in force when the row arrived: the largest earlier
          ts_us minus the bound minus 1 microsecond (rows with ts_us <= wm_us
          are late for any window that has closed by then)
Malformed lines are skipped, as the engine sends them to its dead letters.
The two results must be equal as multisets of rows (column names included;
numbers compared to 1e-9 relative).
"""
import json
import sqlite3
import sys
from datetime import datetime, timezone


def to_us(text):
    dt = datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    return int(dt.timestamp()) * 1_000_000


def load(db, path, bound_s):
    rows = []
    for seq, line in enumerate(open(path, encoding="utf-8"), 1):
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if not isinstance(obj, dict) or not obj.get("ts"):
            continue
        rows.append((seq, obj))
    cols = []
    for _, obj in rows:
        for k in obj:
            if k not in cols:
                cols.append(k)
    extra = ["seq", "ts_us", "ts_s", "wm_us"]
    db.execute("CREATE TABLE orders (%s)" % ", ".join('"%s"' % c for c in cols + extra))
    max_us = None
    for seq, obj in rows:
        ts_us = to_us(obj["ts"])
        wm = None if max_us is None else max_us - bound_s * 1_000_000 - 1
        vals = [obj.get(c) for c in cols] + [seq, ts_us, ts_us // 1_000_000, wm]
        db.execute("INSERT INTO orders VALUES (%s)" % ", ".join("?" * len(vals)), vals)
        max_us = ts_us if max_us is None else max(max_us, ts_us)


def norm(v):
    if v is None:
        return ("0", "")
    if isinstance(v, bool):
        return ("b", v)
    if isinstance(v, (int, float)):
        return ("n", round(float(v), 9))
    return ("s", v)


def key(row):
    return tuple(sorted((k, norm(v)) for k, v in row.items()))


def main():
    out_path, query_path, data_path, bound = sys.argv[1:5]
    final = {}
    for line in open(out_path, encoding="utf-8"):
        obj = json.loads(line)
        op = obj.pop("op")
        k = key(obj)
        final[k] = final.get(k, 0) + (1 if op in ("+I", "+U") else -1)
    engine = sorted(k for k, n in final.items() for _ in range(n))
    if any(n < 0 for n in final.values()):
        print("engine changelog retracts rows it never inserted")
        return 1
    db = sqlite3.connect(":memory:")
    load(db, data_path, int(bound))
    cur = db.execute(open(query_path, encoding="utf-8").read())
    names = [d[0] for d in cur.description]
    lite = sorted(key(dict(zip(names, r))) for r in cur.fetchall())
    if engine != lite:
        print("engine and SQLite differ")
        print("  engine only:", [r for r in engine if r not in lite])
        print("  sqlite only:", [r for r in lite if r not in engine])
        return 1
    print("same %d rows as SQLite" % len(lite))
    return 0


if __name__ == "__main__":
    sys.exit(main())
