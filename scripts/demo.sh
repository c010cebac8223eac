#!/usr/bin/env bash
# The main job end to end on demo data in the embedded DuckDB:
# set-up, generate, load, dbt build, dashboard, funnel summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python scripts/demo.py "$@"
