"""What lets the suite run on several pytest-xdist workers and pay dbt's fixed costs once
(README "Tests"; conftest.py wires it in).

- `session_root()`: one directory per pytest run, shared by the controller and every worker.
- `once(directory, make)`: `make(directory)` runs once per run across workers (a file lock);
  everyone else waits for it and reuses the result. Builds that tests only read go through it.
- `ParseCache`: dbt's partial_parse.msgpack of the first build of a (project, vars, target), copied
  into every later fresh target path. dbt itself checks the saved manifest against the project's
  files, vars, profile and env vars, and parses again (partially or fully) what differs, so a copy
  can only save a parse, never change a result. The profile's connection values are part of that
  check: a warehouse runs dbt from its own directory with the relative path `warehouse.duckdb`.
- `xdist_group_of(item)`: the tests that share a module-scoped build run on one worker (the
  module), with a module's Spark tests in a group of their own that overlaps the rest (their
  DuckDB reference is the run's shared core build; a PostgreSQL test stays with its module, whose
  build it reads); `HEAVY_FIRST` starts the longest groups first. pytest-xdist 3.8 tags a group by
  rewriting `item._nodeid`, which pytest 9 no longer reads, so its `--dist loadgroup` runs every
  test on its own; `group_scheduler` is that mode again, the groups read from the workers'
  collection (`record_groups`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from revops.dbtcli import dbt_server_cpu_seconds

SESSION_ENV = "REVOPS_TEST_SESSION_DIR"
PARTIAL_PARSE = "partial_parse.msgpack"
PARSE_VARS = "partial_parse.vars.json"
"""Beside a target's saved parse: the vars (and REVOPS_TARGET) it was made under (`ParseCache.mark`)."""
OWN_GROUP_MARKERS = ("spark",)
HEAVY_FIRST = (
    "test_engines-spark",
    "test_dashboard",
    "test_governance",
    "test_nightly",
    "test_incremental",
    "test_salesforce_source",
    "test_engines",
    "test_salesforce_connector",
    "test_pipeline_history",
    "test_loader",
    "test_retention",
    "test_exports",
    "test_untested_leads",
    "test_salesforce_generated",
    "test_accountability",
    "test_loader_fuzz",
    "test_generator",
    "test_pipeline",
    "test_attribution_demo",
    "test_pipeline_history_generated",
    "test_dbtserver",
    "test_accountability_generated",
)
"""xdist groups in the order they start: the longest first (worker seconds per group in a run of
2026-12-07, 2 workers: 287 to 12 s; docs/tests.md, session 31), so that the short ones fill the end of
every worker; the Spark suite first of all, its cluster's JVMs running beside the other workers. The
others follow in collection order. A group of more than LATE_GROUP_SECONDS that is not listed here is
named at the end of the run (`late_heavy_groups`): started last, it keeps one worker busy while the
other has nothing left."""
LATE_GROUP_SECONDS = 20.0


def start_session() -> Path:
    """Called once by the controller (or the only process): make the run's shared directory."""
    root = Path(tempfile.mkdtemp(prefix="revops-tests-"))
    os.environ[SESSION_ENV] = str(root)
    return root


def session_root() -> Path | None:
    value = os.environ.get(SESSION_ENV)
    return Path(value) if value else None


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def once(directory: Path, make: Callable[[Path], None]) -> Path:
    """`make(directory)` once per run, whichever worker asks first; a failed attempt is retried
    (and fails again, with its own message) by the next one who asks."""
    done = directory / ".done"
    with file_lock(directory.with_name(directory.name + ".lock")):
        if not done.exists():
            shutil.rmtree(directory, ignore_errors=True)
            directory.mkdir(parents=True)
            make(directory)
            done.touch()
    return directory


class ParseCache:
    """Saved dbt parses per (project dir, vars, dbt target), shared by the run's workers."""

    def __init__(self, root: Path) -> None:
        self.root = root / "dbt-parse"

    def _file(self, project_dir: Path, dbt_vars: Mapping[str, Any] | None) -> Path:
        key = json.dumps(
            [str(project_dir), dict(dbt_vars or {}), os.environ.get("REVOPS_TARGET", "")], sort_keys=True
        )
        return self.root / f"{hashlib.sha256(key.encode()).hexdigest()[:20]}.msgpack"

    def has(self, project_dir: Path, dbt_vars: Mapping[str, Any] | None) -> bool:
        return self._file(project_dir, dbt_vars).exists()

    @staticmethod
    def _vars_key(dbt_vars: Mapping[str, Any] | None) -> str:
        return json.dumps([dict(dbt_vars or {}), os.environ.get("REVOPS_TARGET", "")], sort_keys=True)

    def seed(self, target: Path, project_dir: Path, dbt_vars: Mapping[str, Any] | None) -> None:
        """Before a command in `target`: start it from the run's saved parse of `project_dir` and these
        vars, unless the target holds its own parse of the same vars (`mark`). A parse of other vars
        is worthless to the command (dbt parses the whole project again when the vars differ), so it
        is replaced; with no saved parse for these vars it is removed, which costs nothing."""
        held = target / PARTIAL_PARSE
        marked = target / PARSE_VARS
        if (
            held.exists()
            and marked.is_file()
            and marked.read_text(encoding="utf-8") != self._vars_key(dbt_vars)
        ):
            held.unlink()
        saved = self._file(project_dir, dbt_vars)
        if saved.exists() and not held.exists():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(saved, held)

    def mark(self, target: Path, dbt_vars: Mapping[str, Any] | None) -> None:
        """After a command in `target`: the vars its saved parse (if dbt wrote one) was made under."""
        if (target / PARTIAL_PARSE).exists():
            (target / PARSE_VARS).write_text(self._vars_key(dbt_vars), encoding="utf-8")

    def store(self, target: Path, project_dir: Path, dbt_vars: Mapping[str, Any] | None) -> None:
        saved = self._file(project_dir, dbt_vars)
        if saved.exists() or not (target / PARTIAL_PARSE).exists():
            return
        saved.parent.mkdir(parents=True, exist_ok=True)
        partial = saved.with_name(f"{saved.name}.{os.getpid()}")
        shutil.copyfile(target / PARTIAL_PARSE, partial)
        partial.replace(saved)


def xdist_group_of(item: pytest.Item) -> str:
    module = item.module.__name__ if item.module is not None else item.nodeid.split("::")[0]
    engine = next((name for name in OWN_GROUP_MARKERS if item.get_closest_marker(name)), None)
    return f"{module}-{engine}" if engine else module


def assign_xdist_group(item: pytest.Item) -> None:
    """Mark a test with its xdist group, unless it names one itself."""
    if item.get_closest_marker("xdist_group") is None:
        item.add_marker(pytest.mark.xdist_group(xdist_group_of(item)))


def record_groups(items: list[pytest.Item]) -> None:
    """In a worker: write each collected test's xdist group for the controller's scheduler."""
    root = session_root()
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if root is None or worker is None:
        return
    groups = {}
    for item in items:
        mark = item.get_closest_marker("xdist_group")
        groups[item.nodeid] = str(mark.args[0]) if mark is not None and mark.args else item.nodeid
    written = root / "xdist-groups" / f"{worker}.json"
    written.parent.mkdir(parents=True, exist_ok=True)
    partial = written.with_suffix(".part")
    partial.write_text(json.dumps(groups), encoding="utf-8")
    partial.replace(written)


def group_scheduler(config: pytest.Config, log: Any) -> Any:
    """xdist's LoadScopeScheduling with a scope per xdist group, in collection order (heavy first)."""
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:
                root = session_root()
                self.groups = {}
                for written in sorted((root / "xdist-groups").glob("*.json")) if root else []:
                    self.groups.update(json.loads(written.read_text(encoding="utf-8")))
            return self.groups.get(nodeid) or super()._split_scope(nodeid)

    config.option.loadscopereorder = False
    return GroupScheduling(config, log)


def cpu_seconds() -> tuple[float, float]:
    """(this process's user + system CPU seconds, those of its finished children (the loader, scripts)
    and of its long-lived dbt process)."""
    times = os.times()
    return times.user + times.system, times.children_user + times.children_system + dbt_server_cpu_seconds()


def record_cpu(item: pytest.Item, own: float, children: float, started: float, ended: float) -> None:
    """Append one test's CPU seconds (set-up, call and teardown) to the run's CPU log, per worker."""
    root = session_root()
    if root is None:
        return
    mark = item.get_closest_marker("xdist_group")
    group = str(mark.args[0]) if mark is not None and mark.args else xdist_group_of(item)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    log = root / "cpu" / f"{worker}.jsonl"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as handle:
        row = {"test": item.nodeid, "group": group, "worker": worker, "own": own, "children": children}
        handle.write(json.dumps({**row, "started": started, "ended": ended}) + "\n")


def cpu_by_group(root: Path) -> list[tuple[str, float, int]]:
    """(group, CPU seconds, tests) for every xdist group of the run, most CPU first."""
    totals: dict[str, list[float]] = {}
    for log in sorted((root / "cpu").glob("*.jsonl")):
        for line in log.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            total = totals.setdefault(row["group"], [0.0, 0])
            total[0] += row["own"] + row["children"]
            total[1] += 1
    return sorted(
        ((group, cpu, int(tests)) for group, (cpu, tests) in totals.items()), key=lambda row: -row[1]
    )


def worker_spans(root: Path) -> list[tuple[str, float, float]]:
    """(worker, seconds it spent in tests, seconds from the run's first test to its last test's end):
    where the two differ for the last worker to finish, the others sat idle."""
    spans: dict[str, list[float]] = {}
    first = None
    for log in sorted((root / "cpu").glob("*.jsonl")):
        for line in log.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            span = spans.setdefault(row["worker"], [0.0, 0.0])
            span[0] += row["ended"] - row["started"]
            span[1] = max(span[1], row["ended"])
            first = row["started"] if first is None else min(first, row["started"])
    return [(worker, busy, last - (first or last)) for worker, (busy, last) in sorted(spans.items())]


def late_heavy_groups(root: Path) -> list[tuple[str, float]]:
    """(group, worker seconds) of every group that took more than LATE_GROUP_SECONDS and is not in
    HEAVY_FIRST, longest first."""
    seconds: dict[str, float] = {}
    for log in sorted((root / "cpu").glob("*.jsonl")):
        for line in log.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            seconds[row["group"]] = seconds.get(row["group"], 0.0) + row["ended"] - row["started"]
    late = [(group, took) for group, took in seconds.items() if took > LATE_GROUP_SECONDS]
    return sorted(
        ((group, took) for group, took in late if group not in HEAVY_FIRST), key=lambda row: -row[1]
    )


def start_heavy_groups_first(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        group = item.get_closest_marker("xdist_group")
        name = str(group.args[0]) if group is not None and group.args else ""
        return HEAVY_FIRST.index(name) if name in HEAVY_FIRST else len(HEAVY_FIRST)

    items.sort(key=rank)
