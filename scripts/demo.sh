#!/usr/bin/env bash
# The main job end to end on demo data in the embedded DuckDB:
# set-up, generate, load, dbt build, dashboard, funnel summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck source=scripts/apt.sh
source scripts/apt.sh
ensure_cjk_font
exec .venv/bin/python scripts/demo.py "$@"
