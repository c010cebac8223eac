"""Run dbt commands against a chosen warehouse file.

Every runner (demo, nightly, benchmark, tests) goes through `run_dbt`, so the
profile, project dir, target path and vars are set the same way everywhere.
Each call gets its own target path, so parallel builds never share state.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from revops.settings import PROJECT_DIR


@dataclass(frozen=True)
class DbtResult:
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt(
    args: Sequence[str],
    *,
    duckdb_path: Path | None = None,
    target_path: Path | None = None,
    dbt_vars: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    echo: bool = False,
    project_dir: Path = PROJECT_DIR,
    cwd: Path | None = None,
) -> DbtResult:
    """Run `dbt <args>` in the project (or another one using its profiles, e.g. the integration-test
    project tests/integration_tests); return its exit code and output. dbt runs in `cwd` (default:
    the project dir), which a relative `duckdb_path` is resolved against."""
    command = [dbt_executable(), *args, "--project-dir", str(project_dir), "--profiles-dir", str(PROJECT_DIR)]
    if target_path is not None:
        command += ["--target-path", str(target_path)]
    if dbt_vars:
        command += ["--vars", json.dumps(dict(dbt_vars))]
    run_env = dict(os.environ)
    run_env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    if duckdb_path is not None:
        run_env["REVOPS_DUCKDB_PATH"] = str(duckdb_path)
    if target_path is not None:
        run_env["DBT_LOG_PATH"] = str(target_path / "logs")
    if env:
        run_env.update(env)
    workdir = cwd or project_dir
    if echo:
        completed = subprocess.run(command, cwd=workdir, env=run_env, check=False)
        return DbtResult(completed.returncode, "")
    completed = subprocess.run(command, cwd=workdir, env=run_env, check=False, capture_output=True, text=True)
    return DbtResult(completed.returncode, completed.stdout + completed.stderr)
