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

A night's publication is written by patching a copy of the current one when
that is safe (`write_publication(..., base=current)`): the marts keyed by lead
that dbt built incrementally get only the rows of the leads they rewrote
(the warehouse's ledger main.dbt_unpublished_leads, written by their
pre-hooks: macros/nightly/unpublished_leads.sql) deleted and inserted again;
every other mart is copied whole, and the run log is rewritten. Whenever the
copy could differ from what a full write would give (no ledger, a full
rebuild, other columns, or a current file that is not the last publication
the warehouse logged, or a current file another process holds open read-write,
whose lock lets no one else open it), the publication is written in full
instead, which never opens the current file.

Temporary files a killed publication left (STALE_PATTERN) are deleted by the
next run, under its lock (remove_stale_temporaries).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

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
LEDGER = "dbt_unpublished_leads"
"""The warehouse's ledger of leads rewritten since the last publication, in schema main."""
MAX_FREE_SHARE = 0.25
"""A current publication with more of its blocks free than this is not patched but written anew. Patches
delete rows, and DuckDB, once a row group holds enough deleted rows, rewrites it into new blocks and frees
the old: 1M leads, 2.5% of them rewritten a night, grew a 415 MiB file to 790 MiB with 45% of it free
after 11 nights and then stayed there. Writing anew then keeps the file within about 1.5x its fresh size."""
MIN_FREE_BLOCKS = 256
"""...and at least this many blocks free (64 MiB of DuckDB's 256 KiB blocks): a small file is patched anyway."""
LOCK_CONFLICT = "Could not set lock on file"
"""How DuckDB's error begins when another process holds a file's lock."""
STALE_PATTERN = ".revops-*.duckdb.tmp*"
"""The temporary files of a publication: the staged file (and its write-ahead log) in the publication
directory, a partial copy under runs/ (publish's fallback without hard links)."""


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


@dataclass(frozen=True)
class Written:
    """How a publication file was written."""

    mode: Literal["full", "patched"]
    reason: str = ""
    """Why it was written in full (empty when patched)."""
    patched: dict[str, int] = field(default_factory=dict)
    """Lead-keyed marts patched: mart -> leads whose rows were replaced."""
    copied: tuple[str, ...] = ()
    """Marts copied whole."""
    ledger_invocations: tuple[str, ...] = ()
    """The dbt invocations whose ledger rows this publication includes (cleared once it is in place)."""

    def summary(self) -> str:
        if self.mode == "full":
            return f"wrote every mart ({self.reason})"
        leads = sum(self.patched.values())
        return (
            f"patched a copy of the current publication: {len(self.patched)} lead-keyed marts "
            f"({leads:,} lead rewrites), {len(self.copied)} marts copied whole"
        )


def _connect() -> duckdb.DuckDBPyConnection:
    # The profile's memory bound; row order is not part of a mart (BI sorts), so DuckDB may copy
    # without keeping it, which streams instead of buffering the largest marts.
    config = {"memory_limit": duckdb_memory_limit(), "preserve_insertion_order": False}
    return duckdb.connect(":memory:", config=config)


def _ledger_exists(connection: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        connection.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
            "AND table_name = ?",
            [WAREHOUSE_CATALOG, LEDGER],
        ).fetchall()[0][0]
    )


def _ledger_invocations(connection: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    if not _ledger_exists(connection):
        return ()
    rows = connection.execute(
        f"SELECT DISTINCT invocation_id FROM {WAREHOUSE_CATALOG}.main.{LEDGER} ORDER BY 1"
    ).fetchall()
    return tuple(str(row[0]) for row in rows)


def _latest_published(connection: duckdb.DuckDBPyConnection, catalog: str, other_than: str) -> str | None:
    exists = connection.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? AND table_name = 'run_log'",
        [catalog, OPS_SCHEMA],
    ).fetchall()[0][0]
    if not exists:
        return None
    row = connection.execute(
        f"SELECT run_id FROM {sql_name(catalog)}.{OPS_SCHEMA}.run_log WHERE status = 'published' AND run_id <> ? "
        "ORDER BY started_at DESC, run_id DESC LIMIT 1",
        [other_than],
    ).fetchone()
    return str(row[0]) if row else None


def is_lock_conflict(error: BaseException | str) -> bool:
    """Whether a DuckDB error is its file lock held by another process (DuckDB allows one read-write
    process per file, or any number of read-only ones)."""
    return LOCK_CONFLICT in str(error)


def _held_by(error: BaseException | str) -> str:
    """The suffix " (PID n)" naming the process a DuckDB lock conflict reports, or ""."""
    found = re.search(r"\(PID (\d+)\)", str(error))
    return f" (PID {found[1]})" if found else ""


def _unusable_base(connection: duckdb.DuckDBPyConnection, base: Path | None, run_id: str) -> str | None:
    """Why `base` cannot be patched into this run's publication, or None when it can."""
    if base is None:
        return "no current publication given"
    if not base.exists():
        return "there is no current publication"
    if base.with_name(base.name + ".wal").exists():
        return "the current publication has a write-ahead log"
    if not _ledger_exists(connection):
        return "the warehouse has no ledger of unpublished leads"
    published = _latest_published(connection, WAREHOUSE_CATALOG, run_id)
    try:
        connection.execute(f"ATTACH {sql_string(str(base))} AS base (READ_ONLY)")
    except duckdb.IOException as error:
        if not is_lock_conflict(error):
            raise
        # A reader opened the file read-write (DuckDB's default, the duckdb CLI's): its lock excludes
        # every reader but itself. A full write never opens the old file, and the rename does not either.
        holder = _held_by(error)
        return f"the current publication is open read-write in another process{holder}: not read for a patch"
    try:
        current = _latest_published(connection, "base", run_id)
        total, free = connection.execute(
            "SELECT total_blocks, free_blocks FROM pragma_database_size() WHERE database_name = 'base'"
        ).fetchall()[0]
    finally:
        connection.execute("DETACH base")
    if published is None or current != published:
        return (
            f"the current publication is of run {current}, not of the last run the warehouse published "
            f"({published})"
        )
    if free > MAX_FREE_SHARE * total and free >= MIN_FREE_BLOCKS:
        return (
            f"{free:,} of the current publication's {total:,} blocks are free, more than "
            f"{MAX_FREE_SHARE:.0%}: written anew to compact it"
        )
    return None


def _columns(connection: duckdb.DuckDBPyConnection, catalog: str, name: str) -> list[tuple[str, str]]:
    return [
        (str(row[0]), str(row[1]))
        for row in connection.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
            "AND table_name = ? ORDER BY column_index",
            [catalog, MARTS_SCHEMA, name],
        ).fetchall()
    ]


def _patchable(connection: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Marts whose ledger allows a patch: mart -> distinct leads to replace."""
    rows = connection.execute(
        f"SELECT relation_name, bool_or(full_rebuild), count(DISTINCT lead_id) "
        f"FROM {WAREHOUSE_CATALOG}.main.{LEDGER} GROUP BY relation_name"
    ).fetchall()
    return {str(name): int(leads) for name, full_rebuild, leads in rows if not full_rebuild}


def _is_table(connection: duckdb.DuckDBPyConnection, catalog: str, name: str) -> bool:
    return bool(
        connection.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? AND table_name = ?",
            [catalog, MARTS_SCHEMA, name],
        ).fetchall()[0][0]
    )


def _patch(connection: duckdb.DuckDBPyConnection) -> tuple[dict[str, int], tuple[str, ...]]:
    """Bring the publication's marts to the warehouse's: patch what the ledger allows, copy the rest."""
    published = set(mart_tables(connection, PUBLICATION_CATALOG))
    wanted = mart_tables(connection, WAREHOUSE_CATALOG)
    for gone in sorted(published - set(wanted)):
        connection.execute(f"DROP TABLE {PUBLICATION_CATALOG}.{MARTS_SCHEMA}.{sql_name(gone)}")
    patchable = _patchable(connection)
    patched: dict[str, int] = {}
    copied: list[str] = []
    for name in wanted:
        source = f"{WAREHOUSE_CATALOG}.{MARTS_SCHEMA}.{sql_name(name)}"
        target = f"{PUBLICATION_CATALOG}.{MARTS_SCHEMA}.{sql_name(name)}"
        columns = _columns(connection, WAREHOUSE_CATALOG, name)
        if (
            name in patchable
            and name in published
            and _is_table(connection, WAREHOUSE_CATALOG, name)
            and ("lead_id", "VARCHAR") in columns
            and _columns(connection, PUBLICATION_CATALOG, name) == columns
        ):
            connection.execute(
                "CREATE OR REPLACE TEMPORARY TABLE patch_leads AS "
                f"SELECT DISTINCT lead_id FROM {WAREHOUSE_CATALOG}.main.{LEDGER} "
                "WHERE relation_name = ? AND lead_id IS NOT NULL",
                [name],
            )
            connection.execute(f"DELETE FROM {target} WHERE lead_id IN (SELECT lead_id FROM patch_leads)")
            connection.execute(
                f"INSERT INTO {target} SELECT * FROM {source} WHERE lead_id IN (SELECT lead_id FROM patch_leads)"
            )
            patched[name] = patchable[name]
        else:
            connection.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM {source}")
            copied.append(name)
    connection.execute(f"DROP SCHEMA IF EXISTS {PUBLICATION_CATALOG}.{OPS_SCHEMA} CASCADE")
    return patched, tuple(copied)


def write_publication(
    warehouse: Path,
    target: Path,
    run_log: list[RunRecord],
    base: Path | None = None,
    run_id: str = "",
) -> Written:
    """Write a new publication file at `target`: every mart as a table, and the run log.

    With `base` (the current publication) and `run_id` (this run's), patch a copy of `base` when
    it is the publication of the last run the warehouse logged as published (other than
    `run_id`); otherwise, or without `base`, write every mart.
    """
    target.unlink(missing_ok=True)
    with _connect() as connection:
        connection.execute(f"ATTACH {sql_string(str(warehouse))} AS {WAREHOUSE_CATALOG} (READ_ONLY)")
        invocations = _ledger_invocations(connection)
        reason = _unusable_base(connection, base, run_id)
        if reason is None and base is not None:
            shutil.copyfile(base, target)
            connection.execute(f"ATTACH {sql_string(str(target))} AS {PUBLICATION_CATALOG}")
            patched, copied = _patch(connection)
            written = Written("patched", "", patched, copied, invocations)
        else:
            connection.execute(f"ATTACH {sql_string(str(target))} AS {PUBLICATION_CATALOG}")
            connection.execute(f"CREATE SCHEMA {PUBLICATION_CATALOG}.{MARTS_SCHEMA}")
            names = mart_tables(connection, WAREHOUSE_CATALOG)
            for name in names:
                connection.execute(
                    f"CREATE TABLE {PUBLICATION_CATALOG}.{MARTS_SCHEMA}.{sql_name(name)} AS "
                    f"SELECT * FROM {WAREHOUSE_CATALOG}.{MARTS_SCHEMA}.{sql_name(name)}"
                )
            written = Written("full", reason or "", {}, tuple(names), invocations)
        for record in run_log:
            write_record(connection, record, catalog=PUBLICATION_CATALOG)
        connection.execute(f"DETACH {PUBLICATION_CATALOG}")
        connection.execute(f"DETACH {WAREHOUSE_CATALOG}")
    _fsync(target)
    return written


def clear_published_leads(warehouse: Path, written: Written) -> None:
    """Delete the ledger rows a publication now in place included (the warehouse must be writable)."""
    if not written.ledger_invocations:
        return
    with duckdb.connect(str(warehouse)) as connection:
        placeholders = ", ".join("?" for _ in written.ledger_invocations)
        connection.execute(
            f"DELETE FROM main.{LEDGER} WHERE invocation_id IN ({placeholders})",
            list(written.ledger_invocations),
        )


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
        # No hard links here (another file system): a copy, under a temporary name until complete, so
        # a copy that fails half way (disk full) never leaves a truncated file among the kept ones.
        partial = runs / f".{kept.name}.tmp"
        try:
            shutil.copy2(staged, partial)
            _fsync(partial)
            os.replace(partial, kept)
        finally:
            partial.unlink(missing_ok=True)
    current = current_path(publish_dir)
    os.replace(staged, current)
    with contextlib.suppress(OSError):
        _fsync(publish_dir)
    removed = prune(publish_dir, keep)
    return Publication(current=current, kept=kept, removed=removed)


def remove_stale_temporaries(publish_dir: Path) -> dict[Path, int]:
    """Delete the temporary files a killed publication left (STALE_PATTERN, in `publish_dir` and its
    runs/); the ones deleted, with their sizes in bytes. Only while holding the nightly lock: then no
    publication is being written. A file it cannot delete stays for the next run."""
    removed: dict[Path, int] = {}
    for folder in (publish_dir, publish_dir / RUNS_DIR):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob(STALE_PATTERN)):
            try:
                size = path.stat().st_size
                path.unlink()
            except OSError:
                continue
            removed[path] = size
    return removed


def prune(publish_dir: Path, keep: int) -> tuple[Path, ...]:
    """Delete all but the `keep` newest kept publications (the current one is always kept); the ones
    deleted. Best effort: it runs after the new publication is in place, so a file it cannot delete
    stays for the next run to try again instead of failing a run whose publication is already live."""
    kept = kept_publications(publish_dir)
    doomed = kept[: max(len(kept) - max(keep, 1), 0)]
    removed: list[Path] = []
    for path in doomed:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            continue
        removed.append(path)
    return tuple(removed)
