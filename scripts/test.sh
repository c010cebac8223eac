#!/usr/bin/env bash
# Every test, from a fresh clone: installs what it needs (pinned Python
# packages; Debian's chromium and postgresql when missing), starts the
# services the tests use, then runs lint, conventions and the pytest suites
# (DuckDB always; PostgreSQL and Spark engine suites; headless-browser tests).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -f requirements-engines.txt ]; then export EXTRA_REQUIREMENTS=requirements-engines.txt; fi
bash scripts/setup.sh

apt_install() {
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        if [ -z "${_apt_updated:-}" ]; then apt-get update -qq >/dev/null && _apt_updated=1; fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    else
        echo "test: cannot install $* (needs root and apt-get)" >&2
        return 1
    fi
}

if ! command -v chromium >/dev/null 2>&1; then
    echo "test: installing Debian's chromium for the dashboard browser tests"
    apt_install chromium || true
fi
if [ -x scripts/engines/start_postgres.sh ] || [ -f scripts/engines/start_postgres.sh ]; then
    bash scripts/engines/start_postgres.sh || echo "test: PostgreSQL could not be started" >&2
fi
if ! command -v java >/dev/null 2>&1; then
    echo "test: installing Debian's Java 17 runtime for the Spark engine suite"
    apt_install openjdk-17-jre-headless || true
fi

export REVOPS_DUCKDB_PATH="${REVOPS_DUCKDB_PATH:-$(mktemp -d)/lint.duckdb}"

echo "== ruff"
.venv/bin/ruff check scripts tests
.venv/bin/ruff format --check scripts tests

echo "== sqlfluff (dbt templater)"
.venv/bin/sqlfluff lint models tests/dbt --disable-progress-bar
# The Salesforce models are disabled in the default build: lint them with crm_source salesforce,
# compiled over the Salesforce fixture's objects.
.venv/bin/python scripts/load.py --source salesforce --raw-dir tests/fixtures/salesforce/raw >/dev/null
.venv/bin/sqlfluff lint models/staging/salesforce tests/dbt/salesforce --config tests/sqlfluff_salesforce.cfg \
    --disable-progress-bar
echo "sqlfluff: clean"

echo "== engines"
deselect=()
for engine in postgres spark; do
    if .venv/bin/python scripts/engine_suite.py --engine "$engine" --check; then
        echo "engines: $engine suite WILL RUN (pytest -m $engine)"
    elif [ "${CI:-}" = "true" ]; then
        echo "engines: $engine is not available, and CI runs every engine" >&2
        exit 1
    else
        echo "engines: $engine suite NOT RUN (not available, see above)"
        deselect+=("not $engine")
    fi
done
echo "engines: duckdb suite WILL RUN (always)"
marker=""
for expression in "${deselect[@]}"; do marker="${marker:+$marker and }$expression"; done

echo "== pytest"
.venv/bin/pytest ${marker:+-m "$marker"} "$@"
