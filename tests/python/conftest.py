"""Shared pytest helpers: load a raw directory and build dbt into a temp warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pytest

from revops.dbtcli import DbtResult, run_dbt
from revops.settings import PROJECT_DIR

FIXTURES = PROJECT_DIR / "tests" / "fixtures"
# The integration-test dbt project: this project as a local package plus the fixture-only seeds.
INTEGRATION_PROJECT = PROJECT_DIR / "tests" / "integration_tests"
FIXTURE_EXPORT_TIME = "2099-12-31T00:00:00+09:00"
"""The hand-made fixtures are exports of a fixed moment, not of the wall clock (some lie after today):
every load in the suite without --export-time uses this (revops.loadmeta, env REVOPS_EXPORT_TIME)."""
os.environ.setdefault("REVOPS_EXPORT_TIME", FIXTURE_EXPORT_TIME)


def run_script(script: str, *args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run scripts/<script> with this interpreter, capturing output."""
    import os

    run_env = dict(os.environ)
    if env:
        run_env.update(env)
    return subprocess.run(
        [sys.executable, str(PROJECT_DIR / "scripts" / script), *args],
        cwd=PROJECT_DIR,
        env=run_env,
        capture_output=True,
        text=True,
        check=False,
    )


class Warehouse:
    """A temp DuckDB warehouse with its own dbt target path; dbt runs in `project_dir` (the project, or
    the integration-test project for the fixtures that need its seeds)."""

    def __init__(self, root: Path, project_dir: Path = PROJECT_DIR) -> None:
        self.root = root
        self.path = root / "warehouse.duckdb"
        self.target = root / "target"
        self.project_dir = project_dir

    def load(self, raw_dir: Path, *extra: str) -> subprocess.CompletedProcess:
        result = run_script(
            "load.py", "--raw-dir", str(raw_dir), *extra, env={"REVOPS_DUCKDB_PATH": str(self.path)}
        )
        return result

    def dbt(self, *args: str, dbt_vars: Mapping[str, Any] | None = None) -> DbtResult:
        return run_dbt(
            list(args),
            duckdb_path=self.path,
            target_path=self.target,
            dbt_vars=dbt_vars,
            project_dir=self.project_dir,
        )

    def build(self, raw_dir: Path, dbt_vars: Mapping[str, Any] | None = None) -> DbtResult:
        loaded = self.load(raw_dir)
        assert loaded.returncode == 0, loaded.stdout + loaded.stderr
        result = self.dbt("build", dbt_vars=dbt_vars)
        assert result.ok, result.output[-6000:]
        return result

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple]:
        with duckdb.connect(str(self.path), read_only=True) as connection:
            return connection.execute(sql, params or []).fetchall()

    def query_dicts(self, sql: str) -> list[dict[str, Any]]:
        with duckdb.connect(str(self.path), read_only=True) as connection:
            cursor = connection.execute(sql)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path)


@pytest.fixture(scope="session")
def warehouse_factory(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Warehouse]:
    def make(name: str) -> Warehouse:
        return Warehouse(tmp_path_factory.mktemp(name))

    return make


@pytest.fixture(scope="session")
def integration_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/integration_tests with this project installed as its local package (`dbt deps`)."""
    logs = tmp_path_factory.mktemp("integration_deps")
    result = run_dbt(["deps"], env={"DBT_LOG_PATH": str(logs)}, project_dir=INTEGRATION_PROJECT)
    assert result.ok, result.output[-3000:]
    return INTEGRATION_PROJECT


@pytest.fixture(scope="session")
def core_warehouse(warehouse_factory: Callable[[str], Warehouse]) -> Warehouse:
    """tests/fixtures/core/raw loaded and built (`dbt build`, default vars) once per test session,
    shared by the tests that only read it (core marts, engines, PII). A test that changes a
    warehouse builds its own."""
    warehouse = warehouse_factory("core")
    warehouse.build(FIXTURES / "core" / "raw")
    return warehouse


@pytest.fixture(scope="session")
def salesforce_build(warehouse_factory: Callable[[str], Warehouse]) -> tuple[Warehouse, str, str]:
    """tests/fixtures/salesforce/raw loaded (`load.py --source salesforce`) and built (`dbt build`,
    crm_source salesforce) once per test session, shared by the Salesforce source tests and the Spark
    engine test, which only read it. Returns (warehouse, the loader's report, dbt's output)."""
    warehouse = warehouse_factory("salesforce_fixture")
    loaded = warehouse.load(FIXTURES / "salesforce" / "raw", "--source", "salesforce")
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    built = warehouse.dbt("build", dbt_vars={"crm_source": "salesforce"})
    assert built.ok, built.output[-6000:]
    return warehouse, loaded.stdout, built.output
