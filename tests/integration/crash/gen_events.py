#!/usr/bin/env python3
"""gen_events.py N SEED > events.jsonl - out-of-order events for the crash test.

N rows {"k": key, "v": int, "ts": "YYYY-MM-DD HH:MM:SS.mmm"}: 300 keys, event
time advancing about 100 ms per row, each row shifted back by up to 4 s
(the job's watermark delay is 5 s, so no row is late), and some keys pause
for a while so that session windows (gap 20 s) close and open again.
"""
import random
import sys
from datetime import datetime, timedelta, timezone

n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
rnd = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 7)
base = datetime(2024, 1, 1, tzinfo=timezone.utc)
out = sys.stdout
keys = 300
for i in range(n):
    t_ms = i * 100 - rnd.randrange(0, 4000)
    if t_ms < 0:
        t_ms = 0
    k = rnd.randrange(keys)
    # keys k with (minute + k) % 7 == 0 are quiet for that minute: sessions end
    minute = (t_ms // 60000)
    if (minute + k) % 7 == 0:
        k = (k + 1) % keys
    ts = base + timedelta(milliseconds=t_ms)
    out.write('{"k":"key-%03d","v":%d,"ts":"%s.%03d"}\n'
              % (k, rnd.randrange(1000), ts.strftime("%Y-%m-%d %H:%M:%S"), t_ms % 1000))
