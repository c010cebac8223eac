#!/usr/bin/env bash
# A local Spark standalone cluster for manual runs (docs/engines.md): a master on
# spark://127.0.0.1:7077 (another free port when 7077 is taken) and two workers with one core
# each, started with the launcher the pyspark package ships (no download; needs Java 17).
# Runs in the foreground; Ctrl-C stops every daemon. Options: --dir DIR --workers N --cores N.
# The test suite does not need this: tests/python/test_engines.py starts and stops its own cluster.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHONPATH="scripts${PYTHONPATH:+:$PYTHONPATH}" exec .venv/bin/python -m revops.spark_cluster "$@"
