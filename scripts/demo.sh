#!/usr/bin/env bash
# Install, build and run the fraud-detection demo: the SQL job
# examples/fraud.sql through `sluice run`, then the same rules through the C
# API (examples/fraud.c). Both print the same three alerts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release >/dev/null
echo "== sluice run examples/fraud.sql"
./build/release/sluice run examples/fraud.sql
echo "== examples/fraud (C API) on examples/data/transactions.jsonl"
./build/release/examples/fraud examples/data/transactions.jsonl
