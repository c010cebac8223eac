"""scripts/nightly.py: load, build, atomic publication, run log, retention (docs/nightly.md)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import NoReturn

import duckdb
import pytest
from rich.console import Console

from conftest import Warehouse, run_script
from nightly_helpers import nightly, tables_in
from revops import publish, settings
from revops.contract import contract
from revops.deltas import SplitPlan, split_raw
from revops.nightly import FINGERPRINT_PATHS, NightlyOptions, NightlyRun, _Phases, project_fingerprint
from revops.runlog import RunRecord, read_run_results, write_record
from revops.settings import PROJECT_DIR

READER = Path(__file__).with_name("nightly_reader.py")
READER_SECONDS = 900


def test_dbt_opens_duckdb_with_the_settings_the_other_processes_use(warehouse: Warehouse) -> None:
    """profiles.yml opens DuckDB with settings.py's memory limit and checkpoint threshold (the defaults
    and their environment variables are the same on both sides): the loader and the publication use the
    memory limit, and the benchmark's direct run both, so the lower bound it measures runs under the
    build's settings."""
    profile = (PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8")
    for name, default in (
        ("REVOPS_DUCKDB_MEMORY_LIMIT", settings.DEFAULT_DUCKDB_MEMORY_LIMIT),
        ("REVOPS_DUCKDB_CHECKPOINT_THRESHOLD", settings.DEFAULT_DUCKDB_CHECKPOINT_THRESHOLD),
    ):
        assert f"env_var('{name}', '{default}')" in profile
    asked = {
        "memory_limit": settings.duckdb_memory_limit(),
        "checkpoint_threshold": settings.duckdb_checkpoint_threshold(),
    }
    with duckdb.connect(":memory:", config=asked) as connection:
        expected = connection.execute(
            "select current_setting('memory_limit'), current_setting('checkpoint_threshold')"
        ).fetchone()
    assert expected is not None and expected[1] != "15.2 MiB"  # not DuckDB's default of 16MB
    shown = warehouse.dbt(
        "show",
        "--inline",
        "select current_setting('memory_limit') as memory, current_setting('checkpoint_threshold') as threshold",
    )
    assert shown.ok, shown.output[-3000:]
    assert re.search(rf"\|\s*{re.escape(expected[0])}\s*\|\s*{re.escape(expected[1])}\s*\|", shown.output), (
        shown.output
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def differing_rows(warehouse: Path, publication: Path, mart: str) -> int:
    """Rows of the mart in one file and not the other (as multisets, values exactly equal: a
    publication copies them), or -1 when the columns differ."""
    with duckdb.connect(":memory:") as connection:
        connection.execute(f"ATTACH '{warehouse}' AS left_file (READ_ONLY)")
        connection.execute(f"ATTACH '{publication}' AS right_file (READ_ONLY)")
        left, right = (f'{catalog}.marts."{mart}"' for catalog in ("left_file", "right_file"))
        # names and types (the warehouse's tables also carry the contracts' constraints)
        columns = [
            [row[:2] for row in connection.execute(f"DESCRIBE {side}").fetchall()] for side in (left, right)
        ]
        if columns[0] != columns[1]:
            return -1
        return connection.execute(
            f"SELECT (SELECT count(*) FROM (FROM {left} EXCEPT ALL FROM {right})) "
            f"+ (SELECT count(*) FROM (FROM {right} EXCEPT ALL FROM {left}))"
        ).fetchall()[0][0]


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
    return sum(unique_id.startswith("unit_test.") for unique_id in built_nodes(target))


def built_nodes(target: Path) -> set[str]:
    """The seeds, models, snapshots, data and unit tests the last dbt build under `target` ran."""
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    kinds = ("seed.", "model.", "snapshot.", "test.", "unit_test.")
    return {result["unique_id"] for result in results if result["unique_id"].startswith(kinds)}


def source_descendants(target: Path) -> set[str]:
    """Every enabled seed, model, snapshot and data test of the manifest under `target` with a source
    upstream (a test of a disabled model is in the manifest's nodes, disabled)."""
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    found: set[str] = set()
    todo = list(manifest["sources"])
    while todo:
        for child in manifest["child_map"].get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    nodes = manifest["nodes"]
    return {unique_id for unique_id in found if unique_id in nodes and nodes[unique_id]["config"]["enabled"]}


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
            # the four lead-keyed marts built incrementally (fct_lead_funnel, fct_attribution_credit,
            # fct_kpi_metric_events, mart_handoff_sla) are patched, the others copied
            assert "patched a copy of the current publication: 4 lead-keyed marts" in result.stderr
            # a night of upserts: the change log names every changed lead (DECISIONLOG D30)
            assert "the affected leads are the change log's" in result.stderr
    finally:
        stop.touch()
        for reader in readers.values():
            reader.wait(timeout=60)
    loop, hold = (json.loads((tmp_path / f"{mode}.json").read_text()) for mode in ("loop", "hold"))
    # the last night ran exactly what the loaded data reaches: no unit test, no seed, nothing that
    # reads only seeds (revops.nightly.INCREMENTAL_BUILD_ARGS), and every model and test downstream of a
    # source but int_lead_latest_changes and its tests, which only the lookback reads (CHANGE_LOG_ONLY_ARGS)
    built = built_nodes(run / "target")
    latest_changes = {
        unique_id
        for unique_id in source_descendants(run / "target")
        if "int_lead_latest_changes" in unique_id
    }
    assert "model.revops_funnel.int_lead_latest_changes" in latest_changes and len(latest_changes) >= 2
    assert built == source_descendants(run / "target") - latest_changes
    assert "model.revops_funnel.int_funnel_stages" not in built and unit_test_results(run / "target") == 0
    assert "model.revops_funnel.fct_lead_funnel" in built
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
        "load_seconds > 0, build_seconds > 0, mart_row_counts, changed_leads FROM ops.run_log ORDER BY run_id",
    )
    assert [row[1:8] for row in log] == [
        ("published", "full", True, 0, 0, True, True),
        ("published", "upsert", False, 0, 0, True, True),
        ("published", "upsert", False, 0, 0, True, True),
    ]
    # the first load had nothing to compare (no lead named); each upsert named the leads it changed
    assert log[0][10] is None and all(row[10] > 0 for row in log[1:])
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
    # the patched publication holds exactly the warehouse's marts, and the ledger was cleared
    warehouse = run / "warehouse.duckdb"
    mart_names = sorted(publish.count_marts(warehouse))  # tables and views (published as tables)
    assert tables_in(current, "marts") == mart_names
    assert {name: differing_rows(warehouse, current, name) for name in mart_names} == dict.fromkeys(
        mart_names, 0
    )
    assert query(warehouse, f"SELECT count(*) FROM main.{publish.LEDGER}") == [(0,)]


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
    """Two tests fail in one incremental night: a campaign cost in a currency with no FX rate loads (a
    valid ISO code), fails campaign_cost_currency_has_fx_rate and errors
    assert_fx_rates_cover_every_money_month (which names the month and currency to add). A night
    whose vars changed rebuilds everything (test_a_night_after_a_run_of_other_code_rebuilds_everything)
    and fails the same way; `--vars` reaching dbt is shown by the Salesforce nights
    (test_salesforce_source.py: crm_source)."""
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
    result = nightly(run, "--raw-dir", str(bad), "--mode", "upsert")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "build: incremental" in result.stdout + result.stderr
    assert "failed in phase build" in result.stderr
    assert "1 tests failed, 1 errored" in result.stderr
    assert "test campaign_cost_currency_has_fx_rate (fail)" in result.stderr
    assert "test assert_fx_rates_cover_every_money_month (error)" in result.stderr
    assert "is unchanged" in result.stderr
    assert digest(current) == before
    assert sorted(path.name for path in publish.kept_publications(run / "published")) == kept_before
    assert not list((run / "published").glob(".*tmp"))
    failed = query(
        run / "warehouse.duckdb",
        "SELECT status, failed_phase, tests_failed, tests_errored, publication FROM ops.run_log "
        "ORDER BY run_id DESC LIMIT 1",
    )
    assert failed == [("failed", "build", 1, 1, None)]
    # the marts' rewritten leads stay in the ledger: the next publication will include them
    assert query(
        run / "warehouse.duckdb",
        f"SELECT count(DISTINCT relation_name) FROM main.{publish.LEDGER}",
    ) == [(4,)]


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


class _Nights:
    """A tiny warehouse published night after night as scripts/nightly.py publishes: the run logged
    as published, the publication written (patching a copy of the current one) and put in place,
    then the ledger of unpublished leads cleared. Each night's SQL stands in for dbt."""

    def __init__(self, root: Path) -> None:
        self.warehouse, self.publish_dir = root / "warehouse.duckdb", root / "published"
        self.run_ids: list[str] = []

    @property
    def current(self) -> Path:
        return publish.current_path(self.publish_dir)

    def night(
        self, sql: str, ledger: list[tuple[str | None, bool]] | None, patch: bool = True
    ) -> publish.Written:
        """`ledger`: what the night's dbt recorded for marts.leads_mart, (lead_id, full_rebuild) rows;
        None: the warehouse has no ledger."""
        number = len(self.run_ids) + 1
        record = RunRecord(
            run_id=f"2026112{number}T000000Z-aaaaaa", started_at=datetime(2026, 11, 20 + number)
        )
        with duckdb.connect(str(self.warehouse)) as connection:
            connection.execute("CREATE SCHEMA IF NOT EXISTS marts")
            connection.execute(sql)
            if ledger is not None:
                connection.execute(
                    f"CREATE TABLE IF NOT EXISTS main.{publish.LEDGER} "
                    "(relation_name VARCHAR, invocation_id VARCHAR, lead_id VARCHAR, full_rebuild BOOLEAN)"
                )
                for lead_id, full_rebuild in ledger:
                    connection.execute(
                        f"INSERT INTO main.{publish.LEDGER} VALUES ('leads_mart', ?, ?, ?)",
                        [f"invocation-{number}", lead_id, full_rebuild],
                    )
        record.status = "published"
        record.set_mart_counts(publish.count_marts(self.warehouse))
        with duckdb.connect(str(self.warehouse)) as connection:
            write_record(connection, record)
        staged = self.publish_dir / f".revops-{record.run_id}.duckdb.tmp"
        self.publish_dir.mkdir(exist_ok=True)
        written = publish.write_publication(
            self.warehouse,
            staged,
            publish.read_run_log(self.warehouse),
            base=self.current if patch else None,
            run_id=record.run_id,
        )
        publish.publish(staged, self.publish_dir, record.run_id, keep=5)
        publish.clear_published_leads(self.warehouse, written)
        self.run_ids.append(record.run_id)
        return written

    def published(self, sql: str) -> list[tuple]:
        return query(self.current, sql)

    def ledger_rows(self) -> int:
        return query(self.warehouse, f"SELECT count(*) FROM main.{publish.LEDGER}")[0][0]


FIRST_NIGHT = (
    "CREATE TABLE marts.leads_mart AS SELECT * FROM (VALUES ('a', 1), ('b', 1), ('c', 1)) AS rows (lead_id, v);"
    "CREATE TABLE marts.agg AS SELECT 1 AS n;"
    "CREATE TABLE marts.gone AS SELECT 1 AS x"
)
MARKER = (None, False)


def test_a_night_patches_only_the_leads_its_marts_rewrote(tmp_path: Path) -> None:
    nights = _Nights(tmp_path)
    first = nights.night(FIRST_NIGHT, [(None, True)])
    assert (first.mode, first.reason) == ("full", "there is no current publication")
    assert nights.ledger_rows() == 0
    # Lead b changes, c goes, d comes, and the ledger says so; a also changes, planted behind the
    # ledger's back, so the publication shows which rows the patch touched: only the ledger's leads.
    second = nights.night(
        "UPDATE marts.leads_mart SET v = 2 WHERE lead_id = 'b';"
        "UPDATE marts.leads_mart SET v = 9 WHERE lead_id = 'a';"
        "DELETE FROM marts.leads_mart WHERE lead_id = 'c';"
        "INSERT INTO marts.leads_mart VALUES ('d', 1);"
        "UPDATE marts.agg SET n = 2;"
        "DROP TABLE marts.gone",
        [MARKER, ("b", False), ("c", False), ("d", False)],
    )
    assert (second.mode, second.patched, second.copied) == ("patched", {"leads_mart": 3}, ("agg",))
    assert second.summary() == (
        "patched a copy of the current publication: 1 lead-keyed marts (3 lead rewrites), 1 marts copied whole"
    )
    assert nights.published("SELECT * FROM marts.leads_mart ORDER BY ALL") == [("a", 1), ("b", 2), ("d", 1)]
    assert nights.published("SELECT * FROM marts.agg") == [(2,)]
    assert tables_in(nights.current, "marts") == ["agg", "leads_mart"]
    assert nights.published("SELECT run_id FROM ops.run_log ORDER BY 1") == [(run,) for run in nights.run_ids]
    assert nights.ledger_rows() == 0
    # a full rebuild: the mart is copied whole, a's planted change with it
    third = nights.night("UPDATE marts.leads_mart SET v = 3 WHERE lead_id = 'b'", [(None, True)])
    assert (third.mode, third.patched, third.copied) == ("patched", {}, ("agg", "leads_mart"))
    assert nights.published("SELECT * FROM marts.leads_mart ORDER BY ALL") == [("a", 9), ("b", 3), ("d", 1)]
    # nothing in the ledger for the mart: it is copied whole too
    fourth = nights.night("UPDATE marts.leads_mart SET v = 4 WHERE lead_id = 'd'", [])
    assert (fourth.mode, fourth.copied) == ("patched", ("agg", "leads_mart"))
    assert nights.published("SELECT * FROM marts.leads_mart ORDER BY ALL") == [("a", 9), ("b", 3), ("d", 4)]


def test_a_publication_that_is_not_the_last_one_is_never_patched(tmp_path: Path) -> None:
    nights = _Nights(tmp_path)
    nights.night(FIRST_NIGHT, [(None, True)])
    nights.night("UPDATE marts.leads_mart SET v = 2 WHERE lead_id = 'b'", [MARKER, ("b", False)])
    # Ops put the first night's publication back; the next night must not patch it (lead b's change
    # is in no ledger any more) but write every mart.
    first_file = publish.kept_publications(nights.publish_dir)[0]
    shutil.copyfile(first_file, nights.current)
    third = nights.night("UPDATE marts.leads_mart SET v = 3 WHERE lead_id = 'c'", [MARKER, ("c", False)])
    assert third.mode == "full"
    assert third.reason == (
        f"the current publication is of run {nights.run_ids[0]}, not of the last run the warehouse "
        f"published ({nights.run_ids[1]})"
    )
    assert nights.published("SELECT * FROM marts.leads_mart ORDER BY ALL") == [("a", 1), ("b", 2), ("c", 3)]
    # without a ledger, or without the current publication, every mart is written
    with duckdb.connect(str(nights.warehouse)) as connection:
        connection.execute(f"DROP TABLE main.{publish.LEDGER}")
    fourth = nights.night("UPDATE marts.leads_mart SET v = 4 WHERE lead_id = 'a'", None)
    assert (fourth.mode, fourth.reason) == ("full", "the warehouse has no ledger of unpublished leads")
    fifth = nights.night("UPDATE marts.leads_mart SET v = 5 WHERE lead_id = 'a'", [MARKER], patch=False)
    assert (fifth.mode, fifth.reason) == ("full", "no current publication given")
    assert nights.published("SELECT * FROM marts.leads_mart ORDER BY ALL") == [("a", 5), ("b", 2), ("c", 3)]
    assert nights.ledger_rows() == 0


def test_a_publication_with_many_free_blocks_is_written_anew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        publish, "MIN_FREE_BLOCKS", 8
    )  # the floor of 256 blocks is 64 MiB; keep the file small
    nights = _Nights(tmp_path)
    nights.night(
        FIRST_NIGHT + "; CREATE TABLE marts.big AS SELECT md5(range::VARCHAR) AS n FROM range(500000)",
        [(None, True)],
    )
    # the patch drops mart big from the copy: its blocks are free in the new publication
    second = nights.night("DROP TABLE marts.big", [MARKER, ("b", False)])
    assert second.mode == "patched"
    with duckdb.connect(str(nights.current), read_only=True) as connection:
        total, free = connection.execute(
            "SELECT total_blocks, free_blocks FROM pragma_database_size()"
        ).fetchall()[0]
    assert free > publish.MAX_FREE_SHARE * total
    patched_size = nights.current.stat().st_size
    third = nights.night("UPDATE marts.leads_mart SET v = 3 WHERE lead_id = 'c'", [MARKER, ("c", False)])
    assert (third.mode, third.reason) == (
        "full",
        f"{free:,} of the current publication's {total:,} blocks are free, more than 25%: written anew to compact it",
    )
    assert nights.current.stat().st_size < patched_size / 2
    assert nights.published("SELECT * FROM marts.leads_mart ORDER BY ALL") == [("a", 1), ("b", 1), ("c", 3)]


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


def test_a_night_after_a_run_of_other_code_rebuilds_everything(tmp_path: Path) -> None:
    """An incremental night leaves out what depends on the code alone (revops.nightly.INCREMENTAL_BUILD_ARGS),
    so it needs the warehouse as the last published run of this code left it. After a run of other code (a
    full refresh of a change that failed, then the change reverted: its seeds and tables may still be there)
    the night rebuilds everything, until a run of this code is published again."""
    warehouse = tmp_path / "warehouse.duckdb"
    night = NightlyRun(
        NightlyOptions(
            warehouse=warehouse, publish_dir=tmp_path / "published", target_path=tmp_path / "target"
        ),
        Console(),
    )
    assert night._decide_full_refresh("A") == (True, "new warehouse")
    # other vars are other code: a night passed --vars it did not publish with rebuilds everything
    assert project_fingerprint({}) != project_fingerprint({"drift_error_rate": 0})
    # so is another pinned package: a new `holidays` changes the calendar the stored hand-off SLAs counted on
    copy = tmp_path / "project"
    for name in FINGERPRINT_PATHS:
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, copy / name)
    assert project_fingerprint({}, copy) == project_fingerprint({})
    pinned = (copy / "requirements.txt").read_text(encoding="utf-8")
    (copy / "requirements.txt").write_text(pinned.replace("holidays==", "holidays==9"), encoding="utf-8")
    assert project_fingerprint({}, copy) != project_fingerprint({})

    def logged(day: int, status: str, fingerprint: str | None) -> None:
        record = RunRecord(
            run_id=f"202612{day:02d}T000000Z-00000{day}",
            started_at=datetime(2026, 12, day),
            status=status,
            project_fingerprint=fingerprint,
        )
        with duckdb.connect(str(warehouse)) as connection:
            write_record(connection, record)

    logged(1, "failed", "A")
    assert night._decide_full_refresh("A") == (True, "no published run yet")
    logged(2, "published", "A")
    assert night._decide_full_refresh("A") == (False, "incremental since run 20261202T000000Z-000002")
    assert night._decide_full_refresh("B")[0] is True
    logged(3, "failed", "A")  # a failed night of the same code
    logged(4, "failed", None)  # failed in its load: it built nothing
    assert night._decide_full_refresh("A")[0] is False
    logged(5, "failed", "B")  # a failed build of other code
    assert night._decide_full_refresh("A") == (
        True,
        "a run since the last published one built other models, macros, seeds, tests or vars",
    )
    logged(6, "published", "A")
    assert night._decide_full_refresh("A") == (False, "incremental since run 20261206T000000Z-000006")


def _bare_night(tmp_path: Path, run_id: str) -> NightlyRun:
    """A nightly run on tmp_path's warehouse and publication directory, with a given run id."""
    run = NightlyRun(
        NightlyOptions(
            warehouse=tmp_path / "warehouse.duckdb",
            publish_dir=tmp_path / "published",
            target_path=tmp_path / "target",
        ),
        Console(quiet=True),
    )
    run.record = RunRecord(run_id=run_id, started_at=datetime(2026, 12, int(run_id[6:8])))
    return run


def _killed(*args: object, **kwargs: object) -> NoReturn:
    """A kill, played by KeyboardInterrupt: the run does not catch it (as it could not catch SIGKILL)."""
    raise KeyboardInterrupt


def _logged(tmp_path: Path) -> list[tuple]:
    return query(
        tmp_path / "warehouse.duckdb",
        "SELECT run_id, status, project_fingerprint IS NOT NULL FROM ops.run_log ORDER BY run_id",
    )


def test_a_run_killed_before_its_rename_is_never_logged_as_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warehouse's log says `publishing` until the new file is in place, and `published` after; the
    publication's own copy of the log says `published`."""
    _tiny_warehouse(tmp_path / "warehouse.duckdb", 1)
    first, second = "20261201T000000Z-000001", "20261202T000000Z-000002"
    night = _bare_night(tmp_path, first)
    night._publish(_Phases(night.console))
    current = publish.current_path(tmp_path / "published")
    assert _logged(tmp_path) == [(first, "published", False)]
    assert query(current, "SELECT run_id, status FROM ops.run_log") == [(first, "published")]
    monkeypatch.setattr(publish, "publish", _killed)
    night = _bare_night(tmp_path, second)
    with pytest.raises(KeyboardInterrupt):
        night._publish(_Phases(night.console))
    assert _logged(tmp_path) == [(first, "published", False), (second, "publishing", False)]
    assert query(current, "SELECT run_id FROM ops.run_log") == [(first,)]  # still the first run's file


def test_a_run_killed_in_its_build_is_logged_as_running_with_its_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its fingerprint is in the log, so the next night knows tables of that code may have been rebuilt
    (test_a_night_after_a_run_of_other_code_rebuilds_everything)."""
    _tiny_warehouse(tmp_path / "warehouse.duckdb", 1)
    night = _bare_night(tmp_path, "20261201T000000Z-000001")
    monkeypatch.setattr(night, "_stream_dbt", _killed)
    with pytest.raises(KeyboardInterrupt):
        night._build(_Phases(night.console))
    assert _logged(tmp_path) == [("20261201T000000Z-000001", "running", True)]


def test_a_copy_that_fails_half_way_leaves_no_kept_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without hard links the kept publication is a copy; one that fails half way (disk full) leaves no
    truncated runs/revops-<run_id>.duckdb, and the current publication and the staged file are as they
    were (the run then fails in its publish phase)."""
    publish_dir = tmp_path / "published"
    (publish_dir / publish.RUNS_DIR).mkdir(parents=True)
    current = publish.current_path(publish_dir)
    current.write_bytes(b"the current publication")
    staged = publish_dir / ".revops-r2.duckdb.tmp"
    staged.write_bytes(b"x" * 1000)

    def no_link(source: Path, target: Path) -> None:
        raise OSError(18, "Invalid cross-device link")

    def half_copy(source: Path, target: Path) -> None:
        Path(target).write_bytes(Path(source).read_bytes()[:500])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publish.os, "link", no_link)
    monkeypatch.setattr(publish.shutil, "copy2", half_copy)
    with pytest.raises(OSError, match="No space left"):
        publish.publish(staged, publish_dir, "r2", keep=5)
    assert list((publish_dir / publish.RUNS_DIR).iterdir()) == []
    assert current.read_bytes() == b"the current publication"
    assert staged.stat().st_size == 1000


def test_prune_leaves_a_file_it_cannot_delete_and_deletes_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pruning runs after the new publication is live: a file it cannot delete stays for the next run,
    and the run does not fail."""
    runs = tmp_path / publish.RUNS_DIR
    runs.mkdir()
    for run_id in ("20261201T000000", "20261202T000000", "20261203T000000"):
        (runs / f"revops-{run_id}.duckdb").write_bytes(b"")
    stuck = runs / "revops-20261201T000000.duckdb"
    unlink = Path.unlink

    def refuse_stuck(path: Path, missing_ok: bool = False) -> None:
        if path == stuck:
            raise PermissionError(13, "Permission denied", str(path))
        unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", refuse_stuck)
    assert publish.prune(tmp_path, keep=1) == (runs / "revops-20261202T000000.duckdb",)
    assert sorted(path.name for path in runs.iterdir()) == [
        "revops-20261201T000000.duckdb",
        "revops-20261203T000000.duckdb",
    ]
