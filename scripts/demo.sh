#!/usr/bin/env bash
# Install, build and run the fraud-detection demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release >/dev/null
echo "== examples/fraud on examples/data/transactions.jsonl"
./build/release/examples/fraud examples/data/transactions.jsonl
