#!/usr/bin/env python3
"""Apply a changelog printed by `sluice run` (JSON lines with an "op" field:
+I, -U, +U, -D) and print the final rows, sorted, each as {"op":"+I",...}.

usage: final.py SLUICE_OUTPUT

For golden cases whose first line is "-- final" (tests/integration/sql.sh):
the raw changelog of an outer join depends on how its two inputs interleave,
its final result does not. A retraction of a row that is not there is an
error (exit 1).
"""
import json
import sys
from collections import Counter


def main():
    rows = Counter()
    for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
        obj = json.loads(line)
        op = obj.pop("op")
        key = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
        if op in ("+I", "+U"):
            rows[key] += 1
        elif rows[key] > 0:
            rows[key] -= 1
        else:
            print(f"line {n}: {op} of a row that is not in the result: {key}", file=sys.stderr)
            return 1
    out = []
    for key, c in rows.items():
        out += ['{"op":"+I",' + key[1:] if key != "{}" else '{"op":"+I"}'] * c
    for line in sorted(out):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
