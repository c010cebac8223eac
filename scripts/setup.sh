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

stamp=.venv/.requirements.sha256
wanted=$(cat requirements.txt ${EXTRA_REQUIREMENTS:-} pyproject.toml 2>/dev/null | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "setup: installing pinned requirements into .venv"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    # pip compiles the bytecode of what it installs; keep it (no --no-compile): where PYTHONDONTWRITEBYTECODE=1
    # is set, nothing writes it later and every process would compile dbt and its libraries again.
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt ${EXTRA_REQUIREMENTS:+-r $EXTRA_REQUIREMENTS}
    echo "setup: installing the revops package (editable)"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
    echo "$wanted" > "$stamp"
fi
