"""dbt in copies of the project (the tests that change seeds, models or yml) and `dbt parse` of the
project itself, with dbt's saved parse reused (shared_builds.ParseCache).

A copy lives in its own directory, so nothing makes its first dbt command find a saved parse: each
paid a full parse (~15 CPU-s). Here dbt runs from the directory that holds the copy's warehouse,
with the relative DuckDB path `warehouse.duckdb`, as conftest.Warehouse does: the profile dbt checks
a saved parse against is then the same in every copy and in the project. A fresh target starts
from the project's own saved parse of the same vars (one is made by `dbt parse` of the project when the
run has none yet), never from another copy's, and a copy's parse is never stored. dbt itself compares
that parse with the copy's files, vars, profile and env vars and parses again what differs (the edited
seeds, models or yml; the whole project when vars differ). A seed is the one node dbt reads from disk when it runs
(at the saved parse's root_path): a seed a copy left unedited keeps the saved node, so with another copy's
parse it loaded that copy's file, edited by then (test_governance's second in-place edit of a definition
read the first one's seeds). The project's seeds are never edited, so an unedited seed read there has the
copy's own content; an edited one differs in checksum and is parsed again at the copy's path.

A copy's files get the time of the copy as their modification time (`copy_project_parts`), never
the project's: dbt skips reading a yml file whose modification time equals the one in the saved
parse, and keeps the saved parse's content for it. With the project's times preserved (shutil's
copy2), a copy built from another copy's saved parse kept that copy's edited yml (a contract
switched off, a test removed) although its own files were the project's.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from revops.dbtcli import DbtResult, run_dbt
from revops.settings import PROJECT_DIR
from shared_builds import ParseCache, session_root

WAREHOUSE = "warehouse.duckdb"


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
    is_copy = project_dir != PROJECT_DIR
    if cache:
        if is_copy:
            _ensure_project_parse(cache, cache_root, dbt_vars)  # type: ignore[arg-type]
        cache.seed(target, PROJECT_DIR, dbt_vars)
    result = run_dbt(
        list(args),
        duckdb_path=Path(WAREHOUSE),
        target_path=target,
        dbt_vars=dbt_vars,
        project_dir=project_dir,
        cwd=root,
    )
    if cache:
        cache.mark(target, dbt_vars)
        if not is_copy:
            cache.store(target, PROJECT_DIR, dbt_vars)
    return result


_UNPARSEABLE: set[str] = set()
"""Vars under which the project itself does not parse (they name seeds only a copy has): no saved parse."""


def _ensure_project_parse(cache: ParseCache, cache_root: Path, dbt_vars: Mapping[str, Any] | None) -> None:
    """The project's own saved parse for these vars, made by a `dbt parse` of the project if the run has
    none yet: what every copy starts from (the module docstring says why never from another copy's). Vars
    the project cannot parse under (a seed set only the copy has) leave the copy to parse in full."""
    key = hashlib.sha256(json.dumps(dict(dbt_vars or {}), sort_keys=True).encode()).hexdigest()[:12]
    if key in _UNPARSEABLE or cache.has(PROJECT_DIR, dbt_vars):
        return
    scratch = cache_root / "project-parse" / f"{os.getpid()}-{key}"
    scratch.mkdir(parents=True, exist_ok=True)
    result = run_dbt(
        ["parse"],
        duckdb_path=Path(WAREHOUSE),
        target_path=scratch / "target",
        dbt_vars=dbt_vars,
        project_dir=PROJECT_DIR,
        cwd=scratch,
    )
    if result.ok:
        cache.store(scratch / "target", PROJECT_DIR, dbt_vars)
    else:
        _UNPARSEABLE.add(key)


def parsed_manifest(project_dir: Path, root: Path) -> Path:
    """`dbt parse` of a project (never into its shared target/): the manifest's path."""
    result = dbt_in(project_dir, root, ["parse"], target=root / "target")
    assert result.ok, result.output[-6000:]
    return root / "target" / "manifest.json"
