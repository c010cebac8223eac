"""The long-lived dbt process the tests send their dbt commands to (revops.dbtserver) answers as a dbt
process of its own does (revops.launch, which the runners start: the `dbt` executable's entry point):
the same exit code for success, a failed node and an error, the same output, and the warehouse free
for other processes once a command has ended."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from revops.dbtcli import dbt_command
from revops.dbtserver import DbtServer
from revops.settings import PROJECT_DIR

COMMANDS = {
    "succeeds": (["show", "--inline", "select 42 as answer"], 0, "42"),
    "fails_a_node": (["run", "--select", "reads_a_missing_table"], 1, "reads_a_missing_table"),
    "cannot_run": (["run-operation", "no_such_macro"], 2, "no_such_macro"),
    "usage_error": (["build", "--no-such-option"], 2, "--no-such-option"),
}
SMALL_PROJECT = {
    "dbt_project.yml": "name: small\nversion: '1.0.0'\nconfig-version: 2\nprofile: revops_funnel\n",
    "models/answer.sql": "select 42 as answer\n",
    "models/reads_a_missing_table.sql": "select * from no_such_schema.no_such_table\n",
}
"""The commands run in a two-model project with this project's profile: what is compared is how a
process answers (exit code, output, the warehouse released), not the project, which every other test
builds through the server."""


@pytest.fixture(scope="module")
def server() -> DbtServer:
    server = DbtServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dbtserver_project")
    for name, text in SMALL_PROJECT.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_server_answers_as_the_executable(
    name: str, server: DbtServer, project: Path, tmp_path: Path
) -> None:
    args, expected_code, expected_text = COMMANDS[name]
    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    common = ["--project-dir", str(project), "--profiles-dir", str(PROJECT_DIR)]
    env = {**os.environ, "REVOPS_DUCKDB_PATH": warehouse.name, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}

    executable = subprocess.run(
        [*dbt_command(), *args, *common, "--target-path", str(tmp_path / "exe_target")],
        cwd=tmp_path,
        env={**env, "DBT_LOG_PATH": str(tmp_path / "exe")},
        capture_output=True,
        text=True,
        check=False,
    )
    code, output = server.run(
        [*args, *common, "--target-path", str(tmp_path / "server_target")],
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
