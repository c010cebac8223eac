#!/usr/bin/env bash
# Create .venv, install the pinned Python dependencies and the project's own
# package (editable: `revops` command, import path `revops`). Idempotent: skips
# the install when the requirements and pyproject.toml have not changed.
set -euo pipefail
cd "$(dirname "$0")/.."

python_bin="${PYTHON:-}"
if [ -z "$python_bin" ]; then
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1; then python_bin="$candidate"; break; fi
    done
fi
if [ -z "$python_bin" ]; then
    echo "setup: no python3 found; install Python 3.11" >&2
    exit 1
fi

if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv with $("$python_bin" --version)"
    "$python_bin" -m venv .venv
fi

UV_VERSION=0.13.9

# The bytecode of what is installed is compiled (uv --compile-bytecode; pip does it by default): where
# PYTHONDONTWRITEBYTECODE=1 is set, nothing writes it later and every process would compile dbt and its
# libraries again.
install_with_uv() {
    .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION" &&
        .venv/bin/uv pip install --quiet --system-certs --python .venv/bin/python --compile-bytecode \
            -r requirements.txt ${EXTRA_REQUIREMENTS:+-r $EXTRA_REQUIREMENTS} &&
        .venv/bin/uv pip install --quiet --system-certs --python .venv/bin/python --compile-bytecode --no-deps -e .
}

install_with_pip() {
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check \
        -r requirements.txt ${EXTRA_REQUIREMENTS:+-r $EXTRA_REQUIREMENTS}
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
}

stamp=.venv/.requirements.sha256
wanted=$(cat requirements.txt ${EXTRA_REQUIREMENTS:-} pyproject.toml 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "setup: installing pinned requirements into .venv"
    # uv installs the same pins about twice as fast as pip (~23 s against ~40 s on a fresh 2-core
    # machine, pyspark's wheel built from its source archive included); pip does it where uv cannot
    # be installed or cannot reach the index.
    if ! install_with_uv; then
        echo "setup: uv could not install the requirements; installing them with pip"
        install_with_pip
    fi
    echo "$wanted" > "$stamp"
fi

# The dashboard's one front-end dependency (package.json: plotly.js's finance bundle, embedded in the
# page), from the npm registry as package-lock.json pins it (version and integrity hash). Debian's npm
# where the machine has none.
frontend_stamp=node_modules/.revops-lock.sha256
frontend_wanted=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$frontend_stamp" ] || [ "$(cat "$frontend_stamp")" != "$frontend_wanted" ]; then
    if ! command -v npm >/dev/null 2>&1; then
        echo "setup: installing Debian's npm (for the dashboard's plotly.js bundle)"
        # shellcheck source=scripts/apt.sh
        source scripts/apt.sh
        apt_install npm
    fi
    echo "setup: installing the dashboard's front-end dependency (npm ci)"
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
    echo "$frontend_wanted" > "$frontend_stamp"
fi
