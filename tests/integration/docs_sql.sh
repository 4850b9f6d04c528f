#!/usr/bin/env bash
# docs/sql.md says what works, so it is tested:
#   - every ```sql block starts with "-- runnable" or "-- setup: NAME"; one
#     whose first line is "-- runnable" is run with
#     `sluice run` (stdin from /dev/null), or planned with `sluice explain`
#     when it says "-- runnable: explain", from the repository root, and must
#     exit 0 with no error on stderr; a "-- uses: A B" line prepends the
#     blocks marked "-- setup: A", "-- setup: B" (which must plan alone too);
#   - every function named in the first column of the "## Functions" table
#     exists in a function table of src/expr, and every aggregate named in
#     the aggregate list is one the binder knows (src/sql/bind.c).
# Usage: docs_sql.sh BUILD_DIR (run from the repository root).
set -uo pipefail
export LC_ALL=C
sluice=$(cd "$1" && pwd)/sluice
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$sluice" "$tmp" <<'PY'
import os
import re
import subprocess
import sys

sluice, tmp = sys.argv[1], sys.argv[2]
doc = open("docs/sql.md", encoding="utf-8").read()
passed = failed = 0


def ok(name):
    global passed
    print("ok   " + name)
    passed += 1


def bad(name, detail=""):
    global failed
    print("FAIL " + name)
    if detail:
        print("  " + detail.strip().replace("\n", "\n  "))
    failed += 1


# ---- the sql blocks ----
blocks = []  # (line number, text)
for m in re.finditer(r"^```sql\n(.*?)^```", doc, re.S | re.M):
    blocks.append((doc.count("\n", 0, m.start()) + 1, m.group(1)))
setups = {}
runs = []
for line, text in blocks:
    first = text.split("\n", 1)[0].strip()
    m = re.match(r"--\s*setup:\s*(\w+)$", first)
    if m:
        setups[m.group(1)] = text
        runs.append((line, text, "run", []))
        continue
    m = re.match(r"--\s*runnable(:\s*explain)?$", first)
    if not m:
        bad("docs/sql.md:%d: a sql block marked neither '-- runnable' nor '-- setup: NAME'" % line)
        continue
    uses = []
    for l in text.split("\n")[1:3]:
        u = re.match(r"--\s*uses:\s*(.*)$", l.strip())
        if u:
            uses = u.group(1).split()
    runs.append((line, text, "explain" if m.group(1) else "run", uses))

if len(runs) < 20:
    bad("docs/sql.md has runnable examples", "found only %d" % len(runs))
for line, text, mode, uses in runs:
    name = "docs/sql.md:%d (%s%s)" % (line, mode, ", uses " + " ".join(uses) if uses else "")
    missing = [u for u in uses if u not in setups]
    if missing:
        bad(name, "no '-- setup: %s' block" % " ".join(missing))
        continue
    path = os.path.join(tmp, "doc%d.sql" % line)
    with open(path, "w", encoding="utf-8") as f:
        for u in uses:
            f.write(setups[u] + "\n")
        f.write(text)
    try:
        r = subprocess.run([sluice, mode, "--quiet", path] if mode == "run" else [sluice, mode, path],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        bad(name, "timed out")
        continue
    err = "\n".join(l for l in r.stderr.splitlines()
                    if not re.match(r"sluice: 0 malformed rows sent to the dead-letter output, \d+ late rows?$", l)
                    and not l.endswith("has no INSERT INTO or SELECT statement: nothing to run"))
    if r.returncode != 0 or err:
        bad(name, "exit %d\n%s" % (r.returncode, r.stderr[:800]))
    else:
        ok(name)

# ---- the functions exist ----
src = ""
for fn in sorted(os.listdir("src/expr")):
    if fn.endswith(".c"):
        src += open(os.path.join("src/expr", fn), encoding="utf-8").read()
known = set(re.findall(r'\{"([A-Z_0-9]+)",\s*SLX_', src))
sec = doc.split("\n## Functions\n", 1)[1].split("\n## ", 1)[0]
names = set()
for row in re.findall(r"^\| (.*?) \| .* \|$", sec, re.M):
    for code in re.findall(r"`([^`]*)`", row):
        m = re.match(r"([A-Z_0-9]+)\s*(\(|$)", code)
        if m and m.group(1) != "FROM":
            names.add(m.group(1))
if len(names) < 60:
    bad("functions table parsed", "only %d names" % len(names))
for n in sorted(names):
    if n in known:
        ok("function %s exists" % n)
    else:
        bad("function %s exists" % n, "not in the function tables of src/expr/*.c")

bind = open("src/sql/bind.c", encoding="utf-8").read()
aggs = re.search(r"Aggregate functions: (.*?)\. They skip", doc, re.S)
agg_names = set(re.findall(r"`([A-Z_]+)", aggs.group(1))) if aggs else set()
if len(agg_names) < 10:
    bad("aggregate list parsed", str(agg_names))
for n in sorted(agg_names):
    if '{"%s", SL_AGG_' % n in bind:
        ok("aggregate %s exists" % n)
    else:
        bad("aggregate %s exists" % n, "not in slbind_agg_kind (src/sql/bind.c)")

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
