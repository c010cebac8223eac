"""Run dbt commands against a chosen warehouse file.

Every runner (demo, nightly, benchmark, tests) goes through `run_dbt`, so the
profile, project dir, target path and vars are set the same way everywhere.
Each call gets its own target path, so parallel builds never share state.

A process that makes many calls (the test suite) can have them answered by one long-lived dbt process
instead of a new dbt process each (`use_dbt_server()`, revops.dbtserver): the same arguments,
environment, working directory, exit code and output, without dbt's ~2 CPU-s start per call.
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

from revops.dbtserver import DbtServer
from revops.settings import PROJECT_DIR

_SERVER: DbtServer | None = None


@dataclass(frozen=True)
class DbtResult:
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def dbt_command() -> list[str]:
    """How a runner starts dbt as a process of its own: the `dbt` command line with its collector set
    for dbt (revops.launch), in this Python."""
    return [sys.executable, "-m", "revops.launch", "dbt"]


def use_dbt_server() -> None:
    """Send this process's later `run_dbt` calls (except `echo=True` ones) to one long-lived dbt
    process (revops.dbtserver), started at the first call."""
    global _SERVER
    if _SERVER is None:
        _SERVER = DbtServer()


def stop_dbt_server() -> None:
    """End the long-lived dbt process, if one runs; later calls start a dbt process again."""
    global _SERVER
    if _SERVER is not None:
        _SERVER.stop()
        _SERVER = None


def dbt_server_cpu_seconds() -> float:
    """CPU seconds used so far by the long-lived dbt process (0 if there is none)."""
    return 0.0 if _SERVER is None else _SERVER.cpu_seconds()


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
    command = [*dbt_command(), *args, "--project-dir", str(project_dir), "--profiles-dir", str(PROJECT_DIR)]
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
    # Spark's session method keeps its SparkSession (a JVM, with the settings of its first command) for
    # the life of the process: Spark commands always get a process of their own.
    if _SERVER is not None and run_env.get("REVOPS_TARGET", "duckdb") != "spark" and "spark" not in args:
        return DbtResult(*_SERVER.run(command[len(dbt_command()) :], run_env, Path(workdir).resolve()))
    completed = subprocess.run(command, cwd=workdir, env=run_env, check=False, capture_output=True, text=True)
    return DbtResult(completed.returncode, completed.stdout + completed.stderr)
