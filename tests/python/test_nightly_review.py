"""scripts/nightly.py review fixes: a read-write reader of the publication, the locks over the warehouse and
the dbt child, unexpected errors of the build phase, stale temporary files, a refused run's status line
(docs/nightly.md). No dbt: where a run gets as far as its build, a stand-in process plays dbt."""

from __future__ import annotations

import fcntl
import io
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from conftest import run_command
from revops import nightly
from revops.nightly import NightlyOptions, NightlyResult, NightlyRun
from test_nightly import FIRST_NIGHT, MARKER, _Nights, query

HOLD_READ_WRITE = (
    "import duckdb, sys, time; connection = duckdb.connect(sys.argv[1]); connection.execute('SELECT 1'); "
    "print('open', flush=True); time.sleep(120)"
)
"""A process that opens a DuckDB file read-write (DuckDB's default, what the duckdb CLI does) and keeps it."""
DBT_THAT_FAILS = "raise SystemExit(9)"
"""A stand-in for dbt that fails at once (the runs below that must not get as far as dbt)."""
DBT_THAT_HOLDS_THE_WAREHOUSE = (
    "import duckdb, os, pathlib, sys, time; connection = duckdb.connect(os.environ['REVOPS_DUCKDB_PATH']); "
    "ready = pathlib.Path(sys.argv[1]); partial = ready.with_suffix('.partial'); "
    "partial.write_text(str(os.getpid())); partial.replace(ready); time.sleep(120)"
)
"""A stand-in for a long dbt build: it opens the warehouse read-write (as dbt does), writes its PID to the
file named by its first argument, and sleeps."""
KILLED_RUN = """
import sys
from pathlib import Path

from rich.console import Console

from revops import nightly

root = Path(sys.argv[1])
nightly.dbt_command = lambda: [sys.executable, "-c", sys.argv[2], str(root / "dbt.pid")]
options = nightly.NightlyOptions(
    warehouse=root / "warehouse.duckdb", publish_dir=root / "published", target_path=root / "target"
)
nightly.run_nightly(options, Console(stderr=True))
"""
"""A nightly run (no load) whose dbt is argv[2], in a process of its own for the test to kill."""


@contextmanager
def held_read_write(path: Path) -> Iterator[int]:
    """`path` open read-write in another process (HOLD_READ_WRITE) while in the block; its PID."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_READ_WRITE, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        yield holder.pid
    finally:
        holder.kill()
        holder.wait()


def options_in(root: Path, publish_dir: str = "published", raw_dir: Path | None = None) -> NightlyOptions:
    return NightlyOptions(
        warehouse=root / "warehouse.duckdb",
        publish_dir=root / publish_dir,
        target_path=root / "target",
        raw_dir=raw_dir,
    )


def run_with_dbt(
    options: NightlyOptions, monkeypatch: pytest.MonkeyPatch, dbt: str = DBT_THAT_FAILS
) -> tuple[NightlyResult, str]:
    """A nightly run in this process whose `dbt` is the Python code `dbt`; its result and its output."""
    monkeypatch.setattr(nightly, "dbt_command", lambda: [sys.executable, "-c", dbt])
    output = io.StringIO()
    result = NightlyRun(options, Console(file=output, width=400)).run()
    return result, output.getvalue()


def tiny_warehouse(path: Path) -> None:
    with duckdb.connect(str(path)) as connection:
        connection.execute("CREATE SCHEMA marts")
        connection.execute("CREATE TABLE marts.fct AS SELECT 1 AS n")


# --- 1. a reader that opened the publication read-write --------------------------------------------


def test_a_reader_holding_the_publication_read_write_turns_patching_off_for_the_night(tmp_path: Path) -> None:
    """Its lock lets no one else open the file, not even read-only: the night writes every mart instead
    of patching a copy (never opening the old file), and the rename puts the new file in place under it."""
    nights = _Nights(tmp_path)
    nights.night(FIRST_NIGHT, [(None, True)])
    with held_read_write(nights.current) as reader:
        second = nights.night("UPDATE marts.leads_mart SET v = 2 WHERE lead_id = 'b'", [MARKER, ("b", False)])
        assert (second.mode, second.reason) == (
            "full",
            f"the current publication is open read-write in another process (PID {reader}): "
            "not read for a patch",
        )
        assert nights.published("SELECT * FROM marts.leads_mart ORDER BY ALL") == [
            ("a", 1),
            ("b", 2),
            ("c", 1),
        ]
        assert nights.published("SELECT run_id FROM ops.run_log ORDER BY 1") == [
            (run,) for run in nights.run_ids
        ]
    assert nights.ledger_rows() == 0
    # the reader gone, the next night patches again
    third = nights.night("UPDATE marts.leads_mart SET v = 3 WHERE lead_id = 'c'", [MARKER, ("c", False)])
    assert (third.mode, third.patched) == ("patched", {"leads_mart": 1})
    assert nights.published("SELECT * FROM marts.leads_mart ORDER BY ALL") == [("a", 1), ("b", 2), ("c", 3)]


# --- 2. the locks cover the warehouse and the dbt child; every error of the build is a logged failure ---


def _wait_for(path: Path, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, f"exited with {process.returncode} before {path} appeared"
        assert time.monotonic() < deadline, f"no {path} after {seconds} s"
        time.sleep(0.05)


def _locks_free(options: NightlyOptions, seconds: float = 30) -> bool:
    """Whether both lock files can be locked within `seconds` (once every holder has exited)."""
    paths = [
        options.publish_dir / ".nightly.lock",
        options.warehouse.with_name(options.warehouse.name + ".nightly.lock"),
    ]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with paths[0].open("w") as first, paths[1].open("w") as second:
            try:
                fcntl.flock(first, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(second, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                time.sleep(0.05)
                continue
            return True
    return False


def test_a_killed_run_keeps_the_next_one_out_while_its_dbt_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kill -9 of the nightly process leaves its dbt running (on the warehouse): the dbt child holds the
    run's locks, so the next run is refused (exit 4, nothing done) instead of failing its load or build on
    dbt's DuckDB lock; once that dbt ends, the locks are free."""
    options = options_in(tmp_path)
    killed = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, str(tmp_path), DBT_THAT_HOLDS_THE_WAREHOUSE],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    dbt_pid: int | None = None
    try:
        _wait_for(tmp_path / "dbt.pid", killed)
        dbt_pid = int((tmp_path / "dbt.pid").read_text())
        killed.send_signal(signal.SIGKILL)
        assert killed.wait() == -signal.SIGKILL
        result, output = run_with_dbt(options, monkeypatch)
        lock = tmp_path / "published" / ".nightly.lock"
        assert (result.exit_code, result.record.status, result.record.failed_phase, result.record.reason) == (
            4,
            "refused",
            None,
            f"another nightly run holds the lock {lock}; nothing was done",
        )
        assert "cannot write the run log" not in output
    finally:
        if dbt_pid is not None:
            with suppress(ProcessLookupError):
                os.kill(dbt_pid, signal.SIGKILL)
        killed.kill()
        killed.wait()
    assert _locks_free(options)


def test_two_runs_on_one_warehouse_with_other_publication_directories_exclude_each_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock beside the warehouse (<warehouse>.nightly.lock), held here as a run on it holds it."""
    options = options_in(tmp_path, publish_dir="published_b")
    with (tmp_path / "warehouse.duckdb.nightly.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result, output = run_with_dbt(options, monkeypatch)
    assert (result.exit_code, result.record.status, result.record.reason) == (
        4,
        "refused",
        f"another nightly run holds the lock {tmp_path / 'warehouse.duckdb.nightly.lock'}; nothing was done",
    )
    assert not options.warehouse.exists()
    assert "another nightly run holds the lock" in output


def test_the_warehouses_duckdb_lock_held_by_another_process_is_exit_4_in_the_phase_that_met_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that is no nightly run (a dbt build by hand, the duckdb CLI) holds the warehouse: the build
    phase (deciding whether to refresh) and the load fail with exit 4 and the reason, not a traceback (exit
    1) or a failed load (exit 2). The run log cannot be written then (the warehouse is the other process's)."""
    tiny_warehouse(tmp_path / "warehouse.duckdb")
    delta = tmp_path / "delta"
    delta.mkdir()
    locked = f"the warehouse {tmp_path / 'warehouse.duckdb'} is locked by another process"
    with held_read_write(tmp_path / "warehouse.duckdb") as holder:
        built, built_output = run_with_dbt(options_in(tmp_path), monkeypatch)
        loaded, loaded_output = run_with_dbt(options_in(tmp_path, raw_dir=delta), monkeypatch)
    for result, output, phase in ((built, built_output, "build"), (loaded, loaded_output, "load")):
        reason = result.record.reason or ""
        assert (result.exit_code, result.record.status, result.record.failed_phase) == (4, "failed", phase)
        assert reason.startswith(f"{locked} (a dbt build or a connection that is not this run's): "), reason
        assert "Could not set lock on file" in reason and f"(PID {holder})" in reason
        assert f"failed in phase {phase}: {locked}" in output
        assert "cannot write the run log" in output
        assert "Traceback" not in output
    assert query(
        tmp_path / "warehouse.duckdb", "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'ops'"
    ) == [(0,)]


def test_an_unexpected_error_in_the_build_phase_is_a_logged_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(warehouse: Path) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(nightly, "clear_change_log", boom)
    result, output = run_with_dbt(options_in(tmp_path), monkeypatch, dbt="pass")
    reason = "the build phase failed: internal error: RuntimeError: boom"
    assert (result.exit_code, result.record.status, result.record.failed_phase, result.record.reason) == (
        1,
        "failed",
        "build",
        reason,
    )
    assert f"failed in phase build: {reason}" in output
    assert query(
        tmp_path / "warehouse.duckdb",
        "SELECT status, failed_phase, reason, build_seconds >= 0 FROM ops.run_log",
    ) == [("failed", "build", reason, True)]


# --- 3. temporary files of a killed publication ----------------------------------------------------


def test_a_run_deletes_the_temporary_files_a_killed_publication_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish_dir = tmp_path / "published"
    (publish_dir / "runs").mkdir(parents=True)
    stale = {
        ".revops-20261201T000000Z-aaaaaa.duckdb.tmp": 2**20,
        ".revops-20261201T000000Z-aaaaaa.duckdb.tmp.wal": 0,
        "runs/.revops-20261130T000000Z-bbbbbb.duckdb.tmp": 0,
    }
    kept = {"revops.duckdb": 10, "runs/revops-20261130T000000Z-bbbbbb.duckdb": 10}
    for name, size in {**stale, **kept}.items():
        (publish_dir / name).write_bytes(b"x" * size)
    result, output = run_with_dbt(options_in(tmp_path), monkeypatch)
    assert result.exit_code == 1  # the stand-in dbt failed; the files went before the load
    assert sorted(
        str(path.relative_to(publish_dir)) for path in publish_dir.rglob("*") if path.is_file()
    ) == sorted([".nightly.lock", *kept])
    assert (
        f"removed 3 temporary files a killed publication left in {publish_dir}: "
        f"{', '.join(stale)} (1.0 MiB)\n"
    ) in output


# --- 4. a refused run's last line -----------------------------------------------------------------


def test_a_refused_run_says_so_on_its_last_line(tmp_path: Path) -> None:
    from revops.cli.nightly import app

    publish_dir = tmp_path / "published"
    publish_dir.mkdir()
    with (publish_dir / ".nightly.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = run_command(
            app,
            "--warehouse",
            str(tmp_path / "warehouse.duckdb"),
            "--publish-dir",
            str(publish_dir),
            "--target-path",
            str(tmp_path / "target"),
        )
    assert result.returncode == 4, result.stdout + result.stderr
    last = result.stdout.rstrip("\n").splitlines()[-1]
    pattern = (
        r"run \d{8}T\d{6}Z-[0-9a-f]{6}: refused \(not started: another nightly run holds the lock "
        + re.escape(str(publish_dir / ".nightly.lock"))
        + r"; nothing was done\)"
    )
    assert re.fullmatch(pattern, last), last
    assert not (tmp_path / "warehouse.duckdb").exists()
