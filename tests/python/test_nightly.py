"""scripts/nightly.py: load, build, atomic publication, run log, retention (docs/nightly.md)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from conftest import run_script
from nightly_helpers import nightly
from revops import publish
from revops.contract import contract
from revops.deltas import SplitPlan, split_raw
from revops.runlog import RunRecord, read_run_results, write_record

READER = Path(__file__).with_name("nightly_reader.py")
READER_SECONDS = 900


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(sql).fetchall()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated demo exports split into an initial export and two daily deltas,
    and a first nightly run (full load) that published."""
    root = tmp_path_factory.mktemp("nightly")
    raw = root / "generated"
    result = run_script("generate.py", "--leads", "2000", "--seed", "5", "--out", str(raw))
    assert result.returncode == 0, result.stderr
    split_raw(raw, root / "exports", SplitPlan(days=2, late=((2, 2),), updated_leads=3))
    first = nightly(root / "run", "--raw-dir", str(root / "exports" / "initial"), "--mode", "full")
    assert first.returncode == 0, first.stdout + first.stderr
    return root


def unit_test_results(target: Path) -> int:
    """How many unit tests the last dbt build under `target` ran."""
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    return sum(result["unique_id"].startswith("unit_test.") for result in results)


def copy_run(demo: Path, tmp_path: Path) -> Path:
    shutil.copytree(demo / "run", tmp_path / "run", symlinks=False)
    return tmp_path / "run"


def test_nightly_twice_while_bi_reads(demo: Path, tmp_path: Path) -> None:
    run = copy_run(demo, tmp_path)
    current = run / "published" / "revops.duckdb"
    first_run_id = query(current, "SELECT max(run_id) FROM ops.run_log")[0][0]
    # the full run ran the unit tests; the incremental nights below leave them out (unchanged code)
    assert unit_test_results(run / "target") > 0
    stop = tmp_path / "stop"
    readers = {
        mode: subprocess.Popen(
            [
                sys.executable,
                str(READER),
                mode,
                str(current),
                str(stop),
                str(tmp_path / f"{mode}.json"),
                str(READER_SECONDS),
            ]
        )
        for mode in ("loop", "hold")
    }
    try:
        for delta in sorted((demo / "exports").glob("day_*")):
            result = nightly(run, "--raw-dir", str(delta), "--mode", "upsert")
            assert result.returncode == 0, result.stdout + result.stderr
            assert "published" in result.stdout
    finally:
        stop.touch()
        for reader in readers.values():
            reader.wait(timeout=60)
    loop, hold = (json.loads((tmp_path / f"{mode}.json").read_text()) for mode in ("loop", "hold"))
    assert unit_test_results(run / "target") == 0
    assert loop["errors"] == [] and hold["errors"] == []
    assert not loop["timed_out"] and loop["rounds"] > 10 and hold["rounds"] > 10
    # the reader saw the first publication, then each new one, in order, never anything in between
    assert loop["run_ids"][0] == first_run_id and len(loop["run_ids"]) >= 2
    assert loop["run_ids"] == sorted(loop["run_ids"])
    # the connection held open since before the two runs kept reading the first publication
    assert hold["run_ids"] == [first_run_id] and hold["changed"] is False

    log = query(
        current,
        "SELECT run_id, status, load_mode, full_refresh, tests_failed, tests_errored, tests_passed > 0, "
        "load_seconds > 0, build_seconds > 0, mart_row_counts FROM ops.run_log ORDER BY run_id",
    )
    assert [row[1:8] for row in log] == [
        ("published", "full", True, 0, 0, True, True),
        ("published", "upsert", False, 0, 0, True, True),
        ("published", "upsert", False, 0, 0, True, True),
    ]
    assert loop["run_ids"][-1] == log[-1][0]
    # row counts per mart in the log are the published ones
    counts = json.loads(log[-1][9])
    marts = query(current, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY 1")
    assert counts == {name: query(current, f'SELECT count(*) FROM marts."{name}"')[0][0] for (name,) in marts}
    assert query(
        current, f"SELECT mart, row_count FROM ops.run_log_marts WHERE run_id = '{log[-1][0]}' ORDER BY 1"
    ) == sorted(counts.items())
    # --keep 2: the two newest publications, the current one among them
    kept = publish.kept_publications(run / "published")
    assert [path.name for path in kept] == [f"revops-{row[0]}.duckdb" for row in log[1:]]
    assert digest(kept[-1]) == digest(current)


def test_publication_holds_only_marts_and_the_run_log(demo: Path) -> None:
    current = demo / "run" / "published" / "revops.duckdb"
    schemas = query(current, "SELECT DISTINCT schema_name FROM duckdb_tables() ORDER BY 1")
    assert schemas == [("marts",), ("ops",)]
    assert query(current, "SELECT count(*) FROM duckdb_views() WHERE NOT internal") == [(0,)]
    warehouse = demo / "run" / "warehouse.duckdb"
    for (name,) in query(current, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'"):
        assert query(current, f'SELECT * FROM marts."{name}" ORDER BY ALL') == query(
            warehouse, f'SELECT * FROM marts."{name}" ORDER BY ALL'
        )
    # no column the raw contract marks as a prospect's personal data
    personal = {column.name for table in contract() for column in table.columns if column.pii}
    assert personal
    columns = {
        row[0] for row in query(current, "SELECT column_name FROM duckdb_columns() WHERE NOT internal")
    }
    assert not columns & personal


def test_a_failed_test_leaves_the_publication_untouched(demo: Path, tmp_path: Path) -> None:
    """Two tests fail in one night, one from the data and one from a var: a currency with no FX rate
    (it loads, a valid ISO code, but fails campaign_cost_currency_has_fx_rate), and drift_error_rate
    0 passed with --vars (any CRM-vs-agreed MQL disagreement fails mql_drift_above_error_rate)."""
    run = copy_run(demo, tmp_path)
    current = run / "published" / "revops.duckdb"
    before, kept_before = (
        digest(current),
        sorted(path.name for path in publish.kept_publications(run / "published")),
    )
    campaign = query(run / "warehouse.duckdb", "SELECT min(campaign_id) FROM raw.campaigns")[0][0]
    bad = tmp_path / "bad_fx"
    bad.mkdir()
    (bad / "campaign_costs.csv").write_text(
        f"campaign_id,cost_date,amount,currency\n{campaign},2026-09-30,100,XXX\n", encoding="utf-8"
    )
    result = nightly(
        run, "--raw-dir", str(bad), "--mode", "upsert", "--vars", json.dumps({"drift_error_rate": 0})
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "failed in phase build" in result.stderr
    assert "campaign_cost_currency_has_fx_rate" in result.stderr
    assert "mql_drift_above_error_rate" in result.stderr
    assert "is unchanged" in result.stderr
    assert digest(current) == before
    assert sorted(path.name for path in publish.kept_publications(run / "published")) == kept_before
    assert not list((run / "published").glob(".*tmp"))
    failed = query(
        run / "warehouse.duckdb",
        "SELECT status, failed_phase, tests_failed, publication FROM ops.run_log ORDER BY run_id DESC LIMIT 1",
    )
    assert failed == [("failed", "build", 2, None)]


def test_a_failed_load_leaves_the_publication_untouched(demo: Path, tmp_path: Path) -> None:
    run = copy_run(demo, tmp_path)
    current = run / "published" / "revops.duckdb"
    before = digest(current)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "leads.csv").write_text("lead_id,business_unit\nL1,BU1\n", encoding="utf-8")
    result = nightly(run, "--raw-dir", str(broken), "--mode", "upsert")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "failed in phase load" in result.stderr
    assert "missing required column 'created_at'" in result.stderr
    assert digest(current) == before
    failed = query(
        run / "warehouse.duckdb",
        "SELECT status, failed_phase, build_seconds FROM ops.run_log ORDER BY run_id",
    )
    assert failed[-1] == ("failed", "load", None)


# --- publication and run log, without dbt ---------------------------------------------------------


def test_a_second_run_at_the_same_time_does_nothing(tmp_path: Path) -> None:
    publish_dir = tmp_path / "published"
    publish_dir.mkdir()
    with (publish_dir / ".nightly.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = nightly(tmp_path)
    assert result.returncode == 4, result.stdout + result.stderr
    assert "another nightly run" in result.stderr
    assert not (tmp_path / "warehouse.duckdb").exists()


def _tiny_warehouse(path: Path, value: int) -> None:
    with duckdb.connect(str(path)) as connection:
        for schema in ("raw", "staging", "marts"):
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        connection.execute("CREATE OR REPLACE TABLE raw.leads AS SELECT 'x@example.com' AS email")
        connection.execute("CREATE OR REPLACE VIEW staging.leads AS SELECT * FROM raw.leads")
        connection.execute(
            f"CREATE OR REPLACE TABLE marts.fct AS SELECT range AS n, {value} AS v FROM range(3)"
        )
        connection.execute(f"CREATE OR REPLACE VIEW marts.mart_view AS SELECT {value} AS v")


def test_publish_is_one_atomic_rename_and_old_readers_keep_their_file(tmp_path: Path) -> None:
    warehouse, publish_dir = tmp_path / "warehouse.duckdb", tmp_path / "published"
    publish_dir.mkdir()
    records = []
    for number, value in enumerate((1, 2), start=1):
        _tiny_warehouse(warehouse, value)
        record = RunRecord(
            run_id=f"2026112{number}T000000Z-aaaaaa", started_at=datetime(2026, 11, 20 + number)
        )
        record.status = "published"
        record.set_mart_counts(publish.count_marts(warehouse))
        records.append(record)
        staged = publish_dir / f".revops-{record.run_id}.duckdb.tmp"
        publish.write_publication(warehouse, staged, records)
        if number == 1:
            publish.publish(staged, publish_dir, record.run_id, keep=5)
            held = duckdb.connect(str(publish.current_path(publish_dir)), read_only=True)
        else:
            publish.publish(staged, publish_dir, record.run_id, keep=5)
    current = publish.current_path(publish_dir)
    assert held.execute("SELECT DISTINCT v FROM marts.fct").fetchall() == [(1,)]
    assert held.execute("SELECT count(*) FROM ops.run_log").fetchall() == [(1,)]
    held.close()
    assert query(current, "SELECT DISTINCT v FROM marts.fct") == [(2,)]
    assert query(current, "SELECT * FROM marts.mart_view") == [(2,)]  # a view is published as a table
    assert query(current, "SELECT DISTINCT schema_name FROM duckdb_tables() ORDER BY 1") == [
        ("marts",),
        ("ops",),
    ]
    assert query(current, "SELECT run_id, status FROM ops.run_log ORDER BY 1") == [
        (records[0].run_id, "published"),
        (records[1].run_id, "published"),
    ]
    assert query(
        current, "SELECT mart, row_count FROM ops.run_log_marts WHERE run_id = '" + records[1].run_id + "'"
    ) == [
        ("fct", 3),
        ("mart_view", 1),
    ]
    assert sorted(path.name for path in publish_dir.iterdir()) == ["revops.duckdb", "runs"]


def test_retention_keeps_the_newest_n(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    names = [f"revops-2026112{day}T000000Z-abcdef.duckdb" for day in range(1, 6)]
    for name in names:
        (runs / name).write_bytes(b"x")
    removed = publish.prune(tmp_path, keep=3)
    assert [path.name for path in removed] == names[:2]
    assert [path.name for path in publish.kept_publications(tmp_path)] == names[2:]
    assert publish.prune(tmp_path, keep=0) == tuple(runs / name for name in names[2:4])  # never below 1


def test_run_results_are_counted_by_status(tmp_path: Path) -> None:
    results = {
        "results": [
            {"unique_id": "model.p.a", "status": "success"},
            {"unique_id": "model.p.b", "status": "error"},
            {"unique_id": "seed.p.s", "status": "success"},
            {"unique_id": "test.p.t1.abc", "status": "pass"},
            {"unique_id": "test.p.t2.abc", "status": "warn"},
            {"unique_id": "test.p.t3.abc", "status": "fail"},
            {"unique_id": "test.p.t4.abc", "status": "skipped"},
            {"unique_id": "unit_test.p.m.u1", "status": "pass"},
            {"unique_id": "unit_test.p.m.u2", "status": "error"},
            {"unique_id": "exposure.p.e", "status": "skipped"},
        ]
    }
    path = tmp_path / "run_results.json"
    path.write_text(json.dumps(results), encoding="utf-8")
    outcome = read_run_results(path)
    assert outcome is not None
    assert (outcome.models_ok, outcome.models_errored, outcome.models_skipped) == (2, 1, 0)
    assert (
        outcome.tests_passed,
        outcome.tests_warned,
        outcome.tests_failed,
        outcome.tests_errored,
        outcome.tests_skipped,
    ) == (2, 1, 1, 1, 1)
    assert outcome.failures == ["model b (error)", "test t3 (fail)", "unit_test u2 (error)"]
    assert read_run_results(tmp_path / "none.json") is None


def test_run_log_record_round_trips(tmp_path: Path) -> None:
    record = RunRecord(run_id="r1", started_at=datetime(2026, 11, 26, 1, 2, 3))
    record.set_mart_counts({"b": 2, "a": 1})
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        write_record(connection, record)
        record.status = "failed"
        write_record(connection, record)  # replaces, never duplicates
        rows = connection.execute("SELECT run_id, status, mart_row_counts FROM ops.run_log").fetchall()
        marts = connection.execute("SELECT * FROM ops.run_log_marts ORDER BY mart").fetchall()
    assert rows == [("r1", "failed", '{"a": 1, "b": 2}')]
    assert marts == [("r1", "a", 1), ("r1", "b", 2)]
