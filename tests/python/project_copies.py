"""dbt in copies of the project (the tests that change seeds, models or yml) and `dbt parse` of the
project itself, with dbt's saved parse reused (shared_builds.ParseCache).

A copy lives in its own directory, so nothing makes its first dbt command find a saved parse: each
paid a full parse (~15 CPU-s). Here dbt runs from the directory that holds the copy's warehouse,
with the relative DuckDB path `warehouse.duckdb`, as conftest.Warehouse does: the profile dbt checks
a saved parse against is then the same in every copy and in the project. A fresh target starts
from the run's first saved parse of the same vars (the copies' own, else the project's). dbt itself
compares that parse with the copy's files, vars, profile and env vars and parses again what differs
(the edited seeds, models or yml; the whole project when vars differ), so a reused parse can save
time but never change a result. A copy's parse is stored apart from the project's: builds of the
project itself never start from a copy's edited files.

A copy's files get the time of the copy as their modification time (`copy_project_parts`), never
the project's: dbt skips reading a yml file whose modification time equals the one in the saved
parse, and keeps the saved parse's content for it. With the project's times preserved (shutil's
copy2), a copy built from another copy's saved parse kept that copy's edited yml (a contract
switched off, a test removed) although its own files were the project's.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from revops.dbtcli import DbtResult, run_dbt
from revops.settings import PROJECT_DIR
from shared_builds import ParseCache, session_root

WAREHOUSE = "warehouse.duckdb"
COPIES = PROJECT_DIR / "<copies of the project>"
"""The ParseCache key of the copies' parses (not a directory)."""


def copy_project_parts(parts: Iterable[str], destination: Path) -> Path:
    """The project's files and folders `parts` copied into `destination`, each file modified now (see
    the module docstring); the destination."""
    for part in parts:
        source = PROJECT_DIR / part
        if source.is_dir():
            shutil.copytree(
                source,
                destination / part,
                ignore=shutil.ignore_patterns("__pycache__"),
                copy_function=shutil.copyfile,
            )
        elif source.exists():
            (destination / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination / part)
    return destination


def dbt_in(
    project_dir: Path,
    root: Path,
    args: Sequence[str],
    *,
    target: Path,
    dbt_vars: Mapping[str, Any] | None = None,
) -> DbtResult:
    """`dbt <args>` of `project_dir` (the project or a copy of it) against `root`/warehouse.duckdb,
    run from `root`, writing `target`; the saved parse reused as the module docstring says."""
    cache_root = session_root()
    cache = ParseCache(cache_root) if cache_root else None
    own, other = (PROJECT_DIR, COPIES) if project_dir == PROJECT_DIR else (COPIES, PROJECT_DIR)
    if cache:
        cache.seed(target, own, dbt_vars)
        cache.seed(target, other, dbt_vars)  # only if there is none of its own yet
    result = run_dbt(
        list(args),
        duckdb_path=Path(WAREHOUSE),
        target_path=target,
        dbt_vars=dbt_vars,
        project_dir=project_dir,
        cwd=root,
    )
    if cache:
        cache.store(target, own, dbt_vars)
    return result


def parsed_manifest(project_dir: Path, root: Path) -> Path:
    """`dbt parse` of a project (never into its shared target/): the manifest's path."""
    result = dbt_in(project_dir, root, ["parse"], target=root / "target")
    assert result.ok, result.output[-6000:]
    return root / "target" / "manifest.json"
