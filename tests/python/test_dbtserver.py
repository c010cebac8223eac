"""The long-lived dbt process the tests send their dbt commands to (revops.dbtserver) answers as the
`dbt` executable does: the same exit code for success, a failed node and an error, the same output,
and the warehouse free for other processes once a command has ended."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from revops.dbtcli import dbt_executable
from revops.dbtserver import DbtServer
from revops.settings import PROJECT_DIR
from shared_builds import ParseCache, session_root

COMMANDS = {
    "succeeds": (["show", "--inline", "select 42 as answer"], 0, "42"),
    # Only raw.load_metadata is there (the on-run-start check passes): the view's source is missing.
    "fails_a_node": (["run", "--select", "stg_contract__owners"], 1, "stg_contract__owners"),
    "cannot_run": (["run-operation", "no_such_macro"], 2, "no_such_macro"),
    "usage_error": (["build", "--no-such-option"], 2, "--no-such-option"),
}


@pytest.fixture(scope="module")
def server() -> DbtServer:
    server = DbtServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def targets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One target directory per side for all commands. Each command runs in its own directory with the
    relative warehouse path `warehouse.duckdb`, so the profile is the same every time and dbt reads the
    saved parse (the run's shared one if there is one yet, shared_builds.ParseCache)."""
    targets = tmp_path_factory.mktemp("dbtserver_targets")
    root = session_root()
    if root is not None:
        for side in ("exe", "server"):
            ParseCache(root).seed(targets / side, PROJECT_DIR, None)
    return targets


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_server_answers_as_the_executable(
    name: str, server: DbtServer, targets: Path, tmp_path: Path
) -> None:
    args, expected_code, expected_text = COMMANDS[name]
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema raw; create table raw.load_metadata (loaded_at timestamp)")
    common = ["--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    env = {**os.environ, "REVOPS_DUCKDB_PATH": warehouse.name, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}

    executable = subprocess.run(
        [dbt_executable(), *args, *common, "--target-path", str(targets / "exe")],
        cwd=tmp_path,
        env={**env, "DBT_LOG_PATH": str(tmp_path / "exe")},
        capture_output=True,
        text=True,
        check=False,
    )
    code, output = server.run(
        [*args, *common, "--target-path", str(targets / "server")],
        {**env, "DBT_LOG_PATH": str(tmp_path / "server")},
        tmp_path,
    )

    assert executable.returncode == expected_code, executable.stdout + executable.stderr
    assert code == expected_code, output
    assert expected_text in executable.stdout + executable.stderr
    assert expected_text in output
    # The server closed its DuckDB handle: this process can open the warehouse for writing.
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create table written_after_the_command as select 1 as one")
