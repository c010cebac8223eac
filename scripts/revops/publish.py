"""Atomic publication of the marts for BI (docs/nightly.md).

Layout of the publication directory (default `published/`):

    published/revops.duckdb              the current publication: BI connects here (read-only)
    published/runs/revops-<run_id>.duckdb the last N publications (hard links; the newest is the current one)

A publication is a DuckDB file holding only schema `marts` (every mart as a
table) and schema `ops` (the run log). It is written under a temporary name,
closed and synced, and then put in place with one `os.replace`: a reader
either opens the old file or the new one, never a half-written one, and a
reader that already has the old file open keeps reading it (the old inode
lives until it is closed). Nothing else in the warehouse (raw, staging,
intermediate: personal data) is copied.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from revops.rawio import sql_name, sql_string
from revops.runlog import SCHEMA as OPS_SCHEMA
from revops.runlog import RunRecord, write_record
from revops.settings import duckdb_memory_limit

MARTS_SCHEMA = "marts"
CURRENT_NAME = "revops.duckdb"
RUNS_DIR = "runs"
PUBLICATION_CATALOG = "publication"
WAREHOUSE_CATALOG = "warehouse"


@dataclass(frozen=True)
class Publication:
    current: Path
    kept: Path
    removed: tuple[Path, ...]


def current_path(publish_dir: Path) -> Path:
    return publish_dir / CURRENT_NAME


def kept_publications(publish_dir: Path) -> list[Path]:
    """Kept publications, oldest first (run ids sort by time)."""
    runs = publish_dir / RUNS_DIR
    return sorted(runs.glob("revops-*.duckdb")) if runs.is_dir() else []


def mart_tables(connection: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    rows = connection.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
        "UNION SELECT view_name FROM duckdb_views() WHERE database_name = ? AND schema_name = ? "
        "ORDER BY 1",
        [catalog, MARTS_SCHEMA, catalog, MARTS_SCHEMA],
    ).fetchall()
    return [str(row[0]) for row in rows]


def count_marts(warehouse: Path) -> dict[str, int]:
    """Rows per mart in the warehouse."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        catalog = connection.execute("SELECT current_database()").fetchall()[0][0]
        return {
            name: int(
                connection.execute(f"SELECT count(*) FROM {MARTS_SCHEMA}.{sql_name(name)}").fetchall()[0][0]
            )
            for name in mart_tables(connection, catalog)
        }


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_publication(warehouse: Path, target: Path, run_log: list[RunRecord]) -> None:
    """Write a new publication file at `target`: every mart as a table, and the run log."""
    target.unlink(missing_ok=True)
    # The profile's memory bound; row order is not part of a mart (BI sorts), so DuckDB may copy
    # without keeping it, which streams instead of buffering the largest marts.
    config = {"memory_limit": duckdb_memory_limit(), "preserve_insertion_order": False}
    with duckdb.connect(":memory:", config=config) as connection:
        connection.execute(f"ATTACH {sql_string(str(warehouse))} AS {WAREHOUSE_CATALOG} (READ_ONLY)")
        connection.execute(f"ATTACH {sql_string(str(target))} AS {PUBLICATION_CATALOG}")
        connection.execute(f"CREATE SCHEMA {PUBLICATION_CATALOG}.{MARTS_SCHEMA}")
        for name in mart_tables(connection, WAREHOUSE_CATALOG):
            connection.execute(
                f"CREATE TABLE {PUBLICATION_CATALOG}.{MARTS_SCHEMA}.{sql_name(name)} AS "
                f"SELECT * FROM {WAREHOUSE_CATALOG}.{MARTS_SCHEMA}.{sql_name(name)}"
            )
        for record in run_log:
            write_record(connection, record, catalog=PUBLICATION_CATALOG)
        connection.execute(f"DETACH {PUBLICATION_CATALOG}")
        connection.execute(f"DETACH {WAREHOUSE_CATALOG}")
    _fsync(target)


def read_run_log(warehouse: Path) -> list[RunRecord]:
    """Every record of the warehouse's run log, oldest first."""
    from dataclasses import fields

    names = [item.name for item in fields(RunRecord)]
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        exists = connection.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'run_log'",
            [OPS_SCHEMA],
        ).fetchall()[0][0]
        if not exists:
            return []
        rows = connection.execute(
            f"SELECT {', '.join(names)} FROM {OPS_SCHEMA}.run_log ORDER BY started_at, run_id"
        ).fetchall()
    return [RunRecord(**dict(zip(names, row, strict=True))) for row in rows]


def publish(staged: Path, publish_dir: Path, run_id: str, keep: int) -> Publication:
    """Keep `staged` as runs/revops-<run_id>.duckdb and make it current with one os.replace."""
    runs = publish_dir / RUNS_DIR
    runs.mkdir(parents=True, exist_ok=True)
    kept = runs / f"revops-{run_id}.duckdb"
    try:
        os.link(staged, kept)
    except OSError:
        shutil.copy2(staged, kept)
        _fsync(kept)
    current = current_path(publish_dir)
    os.replace(staged, current)
    with contextlib.suppress(OSError):
        _fsync(publish_dir)
    removed = prune(publish_dir, keep)
    return Publication(current=current, kept=kept, removed=removed)


def prune(publish_dir: Path, keep: int) -> tuple[Path, ...]:
    """Delete all but the `keep` newest kept publications (the current one is always kept)."""
    kept = kept_publications(publish_dir)
    doomed = kept[: max(len(kept) - max(keep, 1), 0)]
    for path in doomed:
        path.unlink(missing_ok=True)
    return tuple(doomed)
