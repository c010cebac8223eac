#!/usr/bin/env bash
# Every test, from a fresh clone: installs what it needs (pinned Python
# packages; Debian's chromium, fonts-noto-cjk and postgresql when missing), starts the
# services the tests use, then runs lint, conventions and the pytest suites
# (DuckDB always; PostgreSQL and Spark engine suites; headless-browser tests).
# The Spark suite starts (and stops) its own standalone cluster on 127.0.0.1 with pyspark's
# launcher. Prints where the time went at the end (README "Tests").
set -euo pipefail
cd "$(dirname "$0")/.."

timings=()
phase_started=$SECONDS
phase_done() {
    timings+=("$1 $((SECONDS - phase_started))s")
    phase_started=$SECONDS
}
report_timings() {
    local status=$?
    timings+=("total ${SECONDS}s")
    echo "== test.sh time: ${timings[*]} (exit $status)"
}
trap report_timings EXIT

# A fresh-clone run takes about 4.5 GB of disk at its peak (the .venv, the tests' warehouses in the
# temporary directory; docs/tests.md, session 27). A full disk fails the run minutes later with an
# INTERNALERROR ("No space left on device"), so say it first.
check_free_disk() {
    local directory free_kib
    for directory in . "${TMPDIR:-/tmp}"; do
        free_kib=$(df -Pk "$directory" | awk 'NR == 2 {print $4}')
        if [ -n "$free_kib" ] && [ "$free_kib" -lt $((6 * 1024 * 1024)) ]; then
            echo "test: WARNING: only $((free_kib / 1024)) MiB free on $(realpath "$directory"); the tests need about 4.5 GB" >&2
        fi
    done
}
check_free_disk

if [ -f requirements-engines.txt ]; then export EXTRA_REQUIREMENTS=requirements-engines.txt; fi

# shellcheck source=scripts/apt.sh
source scripts/apt.sh

# The Debian packages the tests use (Chromium for the dashboard's browser tests, the CJK font the
# dashboard embeds, Java 17 for Spark) are installed, in one apt-get call, and PostgreSQL is made
# ready while setup.sh installs the Python packages: on a fresh machine each takes tens of
# seconds, and neither needs the other. A package that cannot be installed fails the tests that
# need it, with the reason below.
debian_setup() {
    local missing=()
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    has_cjk_font || missing+=(fonts-noto-cjk)
    command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "test: installing Debian's ${missing[*]}"
        apt_install "${missing[@]}" || echo "test: could not install ${missing[*]}" >&2
    fi
    bash scripts/engines/start_postgres.sh || echo "test: PostgreSQL could not be started" >&2
}
debian_log=$(mktemp)
debian_setup >"$debian_log" 2>&1 &
debian_pid=$!
bash scripts/setup.sh
wait "$debian_pid" || true
cat "$debian_log"
rm -f "$debian_log"

phase_done "setup"

export REVOPS_DUCKDB_PATH="${REVOPS_DUCKDB_PATH:-$(mktemp -d)/lint.duckdb}"

echo "== ruff"
.venv/bin/ruff check scripts tests
.venv/bin/ruff format --check scripts tests
phase_done "ruff"

# sqlfluff (dbt templater and sqlfluff's Rust parser, ~80 CPU-seconds on the slower machine of 2026-12-04,
# ~120 with the Python parser; one process: its --processes 2 was slower) runs in the
# background while pytest's workers run, filling the cores pytest leaves idle; its output and
# result are reported after pytest.
lint_log=$(mktemp)
lint() {
    local started=$SECONDS
    export DBT_LOG_LEVEL_FILE=none  # dbt's debug log file, which nothing reads here
    # through revops.launch: sqlfluff's own entry point with the collector set for its parse trees
    # (about 20 CPU-s less for the first lint).
    .venv/bin/python -m revops.launch sqlfluff lint models tests/dbt --disable-progress-bar
    # The Salesforce models are disabled in the default build: lint them with crm_source salesforce,
    # compiled over the Salesforce fixture's objects.
    # (an export of a fixed moment, as in the tests: conftest.FIXTURE_EXPORT_TIME; some dates lie after today)
    .venv/bin/python scripts/load.py --source salesforce --raw-dir tests/fixtures/salesforce/raw \
        --export-time 2099-12-31T00:00:00+09:00 >/dev/null
    .venv/bin/python -m revops.launch sqlfluff lint models/staging/salesforce tests/dbt/salesforce --config tests/sqlfluff_salesforce.cfg \
        --disable-progress-bar
    echo "sqlfluff: clean ($((SECONDS - started))s, alongside pytest)"
}
timed_lint() {
    local TIMEFORMAT="sqlfluff: %R s wall, %U s user, %S s system"
    time lint
}
timed_lint >"$lint_log" 2>&1 &
lint_pid=$!

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
phase_done "engine checks"
marker=""
for expression in "${deselect[@]}"; do marker="${marker:+$marker and }$expression"; done

echo "== pytest"
# pytest-xdist: one worker per core. Both cores are busy from the first test to the last either way
# (the Spark cluster's JVMs, PostgreSQL and sqlfluff run beside the workers), and a third worker only
# adds contention: back to back on a fresh clone, 2 workers took 652 s and 1,078 CPU-s, 3 workers 696 s
# and 1,159 CPU-s (docs/tests.md, session 15). --dist loadgroup keeps the tests that share a build on
# one worker (tests/python/shared_builds.py). --durations: the slowest tests (set-up included).
workers="${PYTEST_WORKERS:-$(nproc)}"
pytest_status=0
.venv/bin/pytest -n "$workers" --dist loadgroup --durations=15 ${marker:+-m "$marker"} "$@" || pytest_status=$?
phase_done "pytest ($workers workers)"

echo "== sqlfluff (dbt templater)"
lint_status=0
wait "$lint_pid" || lint_status=$?
cat "$lint_log"
rm -f "$lint_log"
phase_done "sqlfluff (after pytest)"
if [ "$lint_status" -ne 0 ]; then echo "sqlfluff: FAILED" >&2; fi
[ "$pytest_status" -eq 0 ] && [ "$lint_status" -eq 0 ]
