"""Shared pytest helpers: load a raw directory and build dbt into a temp warehouse."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest
import typer

from revops.dbtcli import DbtResult, run_dbt, stop_dbt_server, use_dbt_server
from revops.launch import tune_garbage_collection
from revops.loader import Report
from revops.settings import PROJECT_DIR
from shared_builds import (
    SESSION_ENV,
    ParseCache,
    assign_xdist_group,
    cpu_by_group,
    cpu_seconds,
    file_lock,
    group_scheduler,
    late_heavy_groups,
    once,
    record_cpu,
    record_groups,
    session_root,
    start_heavy_groups_first,
    start_session,
    worker_spans,
)

FIXTURES = PROJECT_DIR / "tests" / "fixtures"
# The integration-test dbt project: this project as a local package plus the fixture-only seeds.
INTEGRATION_PROJECT = PROJECT_DIR / "tests" / "integration_tests"
FIXTURE_EXPORT_TIME = "2099-12-31T00:00:00+09:00"
"""The hand-made fixtures are exports of a fixed moment, not of the wall clock (some lie after today):
every load in the suite without --export-time uses this (revops.loadmeta, env REVOPS_EXPORT_TIME)."""
os.environ.setdefault("REVOPS_EXPORT_TIME", FIXTURE_EXPORT_TIME)
# dbt's debug log file (logs/dbt.log under each target) costs about a tenth of a small build's CPU and no
# test reads it; the output dbt prints is kept. Set DBT_LOG_LEVEL_FILE=debug to have it back.
os.environ.setdefault("DBT_LOG_LEVEL_FILE", "none")
# One dbt thread per dbt run of the suite (profiles.yml; outside the tests the default is two).
# The suite's workers keep both cores busy, so a second thread gains no time, and two threads in one
# process contend for the GIL: a full build of the core fixture took 16.8 instead of 18.7 CPU-s
# (medians of four, alternating; docs/tests.md).
os.environ.setdefault("REVOPS_DBT_THREADS", "1")
SESSION_KEY = pytest.StashKey[Path]()
NO_UNIT_TESTS = ("--exclude-resource-type", "unit_test")
RUNS_NODES = frozenset({"build", "run", "test", "seed", "snapshot"})
NO_JSON = "--no-write-json"
JSON_ARTIFACTS = ("manifest.json", "run_results.json")
CORE_FACTS = ("fct_lead_funnel", "fct_opportunity", "int_as_of")
"""Built with every domain fixture (`Warehouse.build(reads=...)`): the facts every lead and won amount
reconciles through, with their data tests (the reconciliation tests among them) and the as-of."""
"""The dbt unit tests (hand-made inputs, independent of the loaded data) run once per test run, in
the core and Salesforce fixture builds (`core_warehouse`, `salesforce_build`); other builds leave them out."""


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


def run_command(
    app: typer.Typer, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run a command's typer app (`revops.cli.*.app`) in this process, as `run_script` runs its script:
    the same exit code, stdout and stderr, without a new interpreter importing duckdb, pyarrow and the
    loader (about 0.7 CPU-seconds a time, some eighty loads a run). `env` is set for the call only. An
    exception the command does not turn into an exit code is raised here. The tests of the scripts
    themselves, and any that need a second process (a lock held by this one), use `run_script`."""
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, list(args), env=dict(env or {}), catch_exceptions=False)
    return subprocess.CompletedProcess(["revops", *args], result.exit_code, result.stdout, result.stderr)


def counts(report: Report) -> dict[str, tuple[int, int, int]]:
    """A load report's rows per table: table -> (read, loaded, quarantined), each asserted balanced
    (rows read = rows loaded + rows quarantined)."""
    by_table = {}
    for table in report.tables:
        assert table.rows_read == table.rows_loaded + table.rows_quarantined, table
        by_table[table.table] = (table.rows_read, table.rows_loaded, table.rows_quarantined)
    return by_table


def generate(*args: str) -> subprocess.CompletedProcess:
    """scripts/generate.py's command in this process (`run_command`; the nightly job's demo in
    tests/python/test_nightly.py runs the script itself)."""
    from revops.cli.generate import app

    return run_command(app, *args)


class Warehouse:
    """A temp DuckDB warehouse with its own dbt target path; dbt runs in `project_dir` (the project, or
    the integration-test project for the fixtures that need its seeds)."""

    def __init__(self, root: Path, project_dir: Path = PROJECT_DIR) -> None:
        self.root = root
        self.path = root / "warehouse.duckdb"
        self.target = root / "target"
        self.project_dir = project_dir

    def load(self, raw_dir: Path, *extra: str) -> subprocess.CompletedProcess:
        from revops.cli.load import app

        return run_command(app, "--raw-dir", str(raw_dir), *extra, env={"REVOPS_DUCKDB_PATH": str(self.path)})

    def dbt(
        self,
        *args: str,
        dbt_vars: Mapping[str, Any] | None = None,
        artifacts: bool = False,
        env: Mapping[str, str] | None = None,
    ) -> DbtResult:
        """`dbt <args>` on this warehouse. dbt's JSON artifacts (manifest.json, run_results.json) are written
        only with `artifacts=True`, for a test that reads them: for a command that runs nodes, writing them
        costs dbt about 0.7 CPU-s (docs/tests.md), and most tests read the warehouse. Without, the target's
        earlier ones are removed, so that no test reads another command's."""
        if not artifacts and args and args[0] in RUNS_NODES and NO_JSON not in args:
            for name in JSON_ARTIFACTS:
                (self.target / name).unlink(missing_ok=True)
            args = (*args, NO_JSON)
        # dbt runs in the warehouse's directory with a relative DuckDB path, the same in every
        # warehouse, so a parse saved by another warehouse's build passes dbt's profile check.
        shared = session_root()
        cache = ParseCache(shared) if shared else None
        if cache:
            cache.seed(self.target, self.project_dir, dbt_vars)
        result = run_dbt(
            list(args),
            duckdb_path=Path(os.path.relpath(self.path, self.root)),
            target_path=self.target,
            dbt_vars=dbt_vars,
            env=env,
            project_dir=self.project_dir,
            cwd=self.root,
        )
        if cache:
            cache.mark(self.target, dbt_vars)
            cache.store(self.target, self.project_dir, dbt_vars)
        return result

    def build(
        self,
        raw_dir: Path,
        dbt_vars: Mapping[str, Any] | None = None,
        *,
        unit_tests: bool = False,
        reads: Sequence[str] = (),
        artifacts: bool = False,
    ) -> DbtResult:
        """Load raw_dir and `dbt build` every model, seed, snapshot and data test. The unit tests
        (hand-made inputs, independent of the loaded data) run only when asked: the core build runs
        them once per test run (`core_warehouse`), the Salesforce build its own (`salesforce_build`).

        `reads`: build only these nodes and the CORE_FACTS, everything they are made of (`+node`), and
        every data test on them (indirect selection `cautious`: a test whose parents were all built).
        For a domain's hand-made fixture (retention, attribution, accountability), whose tests read
        that domain's marts: the other domains' marts are built and tested on the core fixture and
        the generated worlds, and here would be about half the build for nothing the tests read."""
        loaded = self.load(raw_dir)
        assert loaded.returncode == 0, loaded.stdout + loaded.stderr
        scope = () if unit_tests else NO_UNIT_TESTS
        if reads:
            nodes = (*reads, *CORE_FACTS)
            scope += ("--select", *(f"+{node}" for node in nodes), "--indirect-selection", "cautious")
        result = self.dbt("build", *scope, dbt_vars=dbt_vars, artifacts=artifacts)
        assert result.ok, result.output[-6000:]
        return result

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Inside: every query of this warehouse shares one read-only connection (opening the file
        costs ~80 ms, which a scan of every column pays hundreds of times). dbt cannot write the
        warehouse meanwhile."""
        with duckdb.connect(str(self.path), read_only=True) as connection:
            self._reader = connection
            try:
                yield
            finally:
                self._reader = None

    @contextmanager
    def _connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        reader = getattr(self, "_reader", None)
        if reader is not None:
            yield reader
            return
        with duckdb.connect(str(self.path), read_only=True) as connection:
            yield connection

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple]:
        with self._connection() as connection:
            return connection.execute(sql, params or []).fetchall()

    def query_dicts(self, sql: str) -> list[dict[str, Any]]:
        with self._connection() as connection:
            cursor = connection.execute(sql)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput") and session_root() is None:
        config.stash[SESSION_KEY] = start_session()  # xdist's workers inherit it
    # The tests' dbt commands go to one long-lived dbt process per pytest process (revops.dbtserver):
    # the same arguments, environment, exit code and output as the executable, ~2 CPU-s less each.
    use_dbt_server()
    # The collector set as in dbt's processes: the tests' own allocations (query results, payloads,
    # generated rows) made Python's default collect about 23,000 times in a run, 16 s (docs/tests.md).
    tune_garbage_collection()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Each test's CPU seconds (its process and the dbt and loader processes it waited for; servers it
    started, PostgreSQL and the Spark cluster, are not counted), for the summary per group."""
    own, children = cpu_seconds()
    started = time.time()
    yield
    own_after, children_after = cpu_seconds()
    record_cpu(item, own_after - own, children_after - children, started, time.time())


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Where the CPU went: CPU seconds per xdist group (README "Tests"), the 15 largest."""
    root = config.stash.get(SESSION_KEY, None)
    if root is None:
        return
    groups = cpu_by_group(root)
    if not groups:
        return
    total = sum(cpu for _, cpu, _ in groups)
    terminalreporter.section(f"CPU seconds by test group (total {total:,.0f}, servers not counted)")
    for group, cpu, tests in groups[:15]:
        terminalreporter.write_line(f"{cpu:8.0f}  {group} ({tests} tests)")
    for worker, busy, finished in worker_spans(root):
        terminalreporter.write_line(
            f"worker {worker}: in tests {busy:.0f} s, last test ended at {finished:.0f} s"
        )
    for group, took in late_heavy_groups(root):
        terminalreporter.write_line(
            f"group {group} took {took:.0f} s and is not in shared_builds.HEAVY_FIRST, so it may start last"
            " (a shared build counts for the first group that asks for it)"
        )


def pytest_unconfigure(config: pytest.Config) -> None:
    stop_dbt_server()
    root = config.stash.get(SESSION_KEY, None)
    if root is not None:
        shutil.rmtree(root, ignore_errors=True)
        os.environ.pop(SESSION_ENV, None)


def pytest_itemcollected(item: pytest.Item) -> None:
    """`pytest -n N --dist loadgroup` (scripts/test.sh): the tests sharing a module's build on one
    worker (set here, before xdist reads the groups in its collection hook)."""
    assign_xdist_group(item)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    start_heavy_groups_first(items)
    record_groups(items)


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadgroup` that works with pytest 9 (shared_builds.group_scheduler)."""
    return group_scheduler(config, log) if config.getvalue("dist") == "loadgroup" else None


@pytest.fixture(scope="session")
def shared_build() -> Callable[..., Warehouse]:
    """`shared_build(name, raw_dir, dbt_vars=None, project_dir=PROJECT_DIR, unit_tests=False)`: raw_dir
    loaded and built (`dbt build`, unit tests only if asked: `Warehouse.build`) once per test run, whichever xdist worker asks first; the others wait and
    get the same warehouse. `name` identifies the build: the same name must always mean the same
    raw dir, vars and project. Only for tests that read the warehouse; a test that changes one
    builds its own (`warehouse`, `warehouse_factory`)."""
    root = session_root()
    assert root is not None

    def build(
        name: str,
        raw_dir: Path,
        dbt_vars: Mapping[str, Any] | None = None,
        project_dir: Path = PROJECT_DIR,
        unit_tests: bool = False,
    ) -> Warehouse:
        made = once(
            root / "builds" / name,
            # with its artifacts: the tests that share a build read how it went (run_results.json)
            # and what it built (manifest.json)
            lambda directory: Warehouse(directory, project_dir).build(
                raw_dir, dbt_vars, unit_tests=unit_tests, artifacts=True
            ),
        )
        return Warehouse(made, project_dir)

    return build


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
    root = session_root()
    assert root is not None
    with file_lock(root / "integration_deps.lock"):  # one `dbt deps` at a time in the shared project
        result = run_dbt(["deps"], env={"DBT_LOG_PATH": str(logs)}, project_dir=INTEGRATION_PROJECT)
    assert result.ok, result.output[-3000:]
    return INTEGRATION_PROJECT


GENERATED_WORLD = ("--leads", "20000", "--seed", "20240401")
"""The generated world that test_generator and test_retention both read (scripts/generate.py args)."""


@pytest.fixture(scope="session")
def generated_world(shared_build: Callable[..., Warehouse]) -> tuple[Path, dict, Callable[[], Warehouse]]:
    """`scripts/generate.py GENERATED_WORLD --planted-rates` once per test run: (its raw dir, its
    planted rates, a function that returns it built with `dbt build` and default vars, also once per
    run: shared_build "generated_world"). For tests that only read them."""
    root = session_root()
    assert root is not None

    def make(directory: Path) -> None:
        planted = directory / "planted.json"
        made = generate(*GENERATED_WORLD, "--out", str(directory / "raw"), "--planted-rates", str(planted))
        assert made.returncode == 0, made.stdout + made.stderr

    made = once(root / "generated_world", make)
    planted = json.loads((made / "planted.json").read_text(encoding="utf-8"))
    return made / "raw", planted, lambda: shared_build("generated_world", made / "raw")


@pytest.fixture(scope="session")
def core_warehouse(shared_build: Callable[..., Warehouse]) -> Warehouse:
    """tests/fixtures/core/raw loaded and built (`dbt build`, default vars) once per test run,
    shared by the tests that only read it (core marts, engines, PII). A test that changes a
    warehouse builds its own."""
    return shared_build("core", FIXTURES / "core" / "raw", unit_tests=True)


@pytest.fixture(scope="session")
def salesforce_build() -> tuple[Warehouse, str, str]:
    """tests/fixtures/salesforce/raw loaded (`load.py --source salesforce`) and built (`dbt build`,
    crm_source salesforce) once per test run, whichever xdist worker asks first (as shared_build),
    shared by the Salesforce source tests and the Spark engine test, which only read it. Returns
    (warehouse, the loader's report, dbt's output)."""
    root = session_root()
    assert root is not None

    def make(directory: Path) -> None:
        warehouse = Warehouse(directory)
        loaded = warehouse.load(FIXTURES / "salesforce" / "raw", "--source", "salesforce")
        assert loaded.returncode == 0, loaded.stdout + loaded.stderr
        # with its artifacts: the Spark test reads its manifest
        built = warehouse.dbt("build", dbt_vars={"crm_source": "salesforce"}, artifacts=True)
        assert built.ok, built.output[-6000:]
        (directory / "load.out").write_text(loaded.stdout, encoding="utf-8")
        (directory / "build.out").write_text(built.output, encoding="utf-8")

    made = once(root / "builds" / "salesforce_fixture", make)
    return (
        Warehouse(made),
        (made / "load.out").read_text(encoding="utf-8"),
        (made / "build.out").read_text(encoding="utf-8"),
    )
