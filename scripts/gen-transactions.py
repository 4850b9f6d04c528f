#!/usr/bin/env python3
"""Generate the large fraud-demo data set and its expected alerts.

Writes examples/data/transactions-100k.jsonl: 100,000 transactions of 1,000
users over about two days, out of order by up to 20 s (the demo's watermark
bound is 30 s), with 0.5% rows that arrive hours late (beyond any window the
demo keeps open), plus a few malformed lines. The expected alerts are computed
here in batch from the same rows, independently of the engine, and written,
sorted, to examples/data/transactions-100k.expected; the expected summary
counts go to transactions-100k.counts.

Late rows are hours behind the newest row seen before them, far more than a
batch of rows spans, so whether a row is late does not depend on batch size;
they come from 100 users (L0..L99) whose devices were offline and who send
nothing else, so a late row cannot merge into a session still open (Flink
merges a late row into an open session; the unit tests cover that case).
Sessions merge when they touch (Flink's rule), so a gap of exactly one hour
still continues a session.
Deterministic: the same seed gives the same files.
"""
import json
import random
import datetime as dt

SEED = 20240101
N = 100_000
USERS = 1000
BOUND_S = 30          # the demo's out-of-orderness bound
JITTER_S = 20         # in-bound disorder
WINDOW_S = 300        # velocity window
GAP_S = 3600          # session gap
EPOCH = dt.datetime(2024, 1, 1, 0, 0, 0)


def fmt(t):
    return (EPOCH + dt.timedelta(seconds=t)).strftime("%Y-%m-%d %H:%M:%S")


def main():
    rnd = random.Random(SEED)
    home = {f"U{u}": rnd.choice(["US", "UK", "DE", "FR", "BR", "IN", "JP"]) for u in range(USERS)}
    users = list(home)
    # hot users make velocity alerts likely
    weights = [20 if i < 20 else 1 for i in range(USERS)]
    rows = []      # (arrival index, ts seconds, user, amount, country)
    t = 0.0
    max_ts = -1
    late = 0
    for i in range(N):
        t += rnd.expovariate(1 / 1.7)
        ts = int(t) - rnd.randint(0, JITTER_S)
        is_late = i > 5000 and rnd.random() < 0.005
        if is_late:
            ts = max_ts - rnd.randint(2 * 3600, 3 * 3600)
            late += 1
        user = rnd.choices(users, weights)[0]
        if is_late:
            user = f"L{rnd.randrange(100)}"
            home[user] = "US"
        country = home[user] if rnd.random() < 0.97 else rnd.choice(["US", "UK", "DE", "MX"])
        amount = round(rnd.lognormvariate(3.5, 1.2), 2)
        rows.append((ts, user, amount, country, is_late))
        if not is_late:
            max_ts = max(max_ts, ts)

    lines = [json.dumps({"user": u, "amount": a, "country": c, "ts": fmt(ts)},
                        separators=(",", ":")) for ts, u, a, c, _ in rows]
    bad = [
        '{"user":"U1","amount":12.5,"country":"US","ts":"2024-01-01 25:00:00"}',
        '{"user":"U2","amount":"lots","country":"US","ts":"2024-01-01 10:00:00"}',
        '{"user":"U3","amount":10,"country":"US"',
        'not json at all',
        '{"user":"U4","amount":10,"country":"US","ts":null}',
    ]
    for k, b in enumerate(bad):
        lines.insert(1000 + k * 20000, b)
    with open("examples/data/transactions-100k.jsonl", "w") as f:
        f.write("\n".join(lines) + "\n")

    alerts = []
    for ts, u, a, c, _ in rows:
        if a > 1000:
            alerts.append(f"ALERT high-value user={u} amount={a:.2f} ts={fmt(ts)}")
    on_time = [r for r in rows if not r[4]]
    counts = {}
    for ts, u, a, c, _ in on_time:
        w = ts - ts % WINDOW_S
        counts[(u, w)] = counts.get((u, w), 0) + 1
    for (u, w), n in counts.items():
        if n > 3:
            alerts.append(f"ALERT high-velocity user={u} count={n} window=[{fmt(w)}, {fmt(w + WINDOW_S)})")
    by_user = {}
    for ts, u, a, c, _ in on_time:
        by_user.setdefault(u, []).append((ts, c))
    for u, evs in by_user.items():
        evs.sort()
        start, last, cs = evs[0][0], evs[0][0], {evs[0][1]}
        for ts, c in evs[1:] + [(None, None)]:
            if ts is None or ts - last > GAP_S:
                if len(cs) > 1:
                    alerts.append(f"ALERT multi-country user={u} countries={len(cs)} "
                                  f"session=[{fmt(start)}, {fmt(last + GAP_S)})")
                if ts is not None:
                    start, last, cs = ts, ts, {c}
            else:
                last, cs = ts, cs | {c}
    alerts.sort()
    with open("examples/data/transactions-100k.expected", "w") as f:
        f.write("\n".join(alerts) + "\n")
    with open("examples/data/transactions-100k.counts", "w") as f:
        f.write(f"rows {N}\nmalformed {len(bad)}\nlate {late}\nalerts {len(alerts)}\n")


if __name__ == "__main__":
    main()
