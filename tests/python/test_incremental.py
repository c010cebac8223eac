"""Incremental loading (upsert) and incremental dbt models (docs/nightly.md)."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from conftest import FIXTURES, Warehouse, generate
from nightly_helpers import (
    INCREMENTAL_MODELS,
    MODELS_ONLY,
    STATEFUL,
    build_models,
    compared,
    table_differences,
)
from revops.contract import contract
from revops.contract import table as contract_table
from revops.deltas import SplitPlan, split_raw
from revops.loader import load_dir
from revops.loadmeta import CHANGE_LOG_TABLE, clear_change_log
from revops.nightly import CHANGE_LOG_ONLY_ENV, incremental_build
from revops.rawio import sql_string
from revops.upsert import TableChanges, _Upsert, upsert_dir
from revops.validation import typed_sql

UPSERT = FIXTURES / "nightly" / "upsert"
LOOKBACK = FIXTURES / "nightly" / "lookback"


@pytest.fixture
def base_warehouse(warehouse: Warehouse) -> Warehouse:
    report = load_dir(UPSERT / "base", warehouse.path)
    assert report.loaded, report.problems
    return warehouse


def raw_rows(warehouse: Warehouse, table: str, columns: str) -> list[tuple]:
    return warehouse.query(f'SELECT {columns} FROM raw."{table}" ORDER BY ALL')


# --- the upsert loader, on a hand-made delta --------------------------------------------------


def test_upsert_applies_every_rule_with_exact_counts(base_warehouse: Warehouse) -> None:
    report = upsert_dir(UPSERT / "delta", base_warehouse.path)
    assert report.ok and report.loaded, report.problems
    assert report.changes == {
        "campaigns": TableChanges(replaced=1),
        # L7's unknown source campaign C9 is an optional reference: set to null, noted, row kept (so A10 too)
        "leads": TableChanges(inserted=3, replaced=1, unchanged=1, deleted=1, quarantined=3),
        "lead_activities": TableChanges(inserted=3, replaced=1, unchanged=1, deleted=1, quarantined=1),
        "lead_status_changes": TableChanges(inserted=1, unchanged=1, deleted=1),
        "deals": TableChanges(inserted=1),
    }
    for table in report.tables:
        assert table.rows_read == table.rows_loaded + table.rows_quarantined, table
    assert [(t.table, t.rows_read, t.rows_loaded, t.rows_quarantined) for t in report.tables] == [
        ("campaigns", 1, 1, 0),
        ("leads", 9, 6, 3),
        ("lead_activities", 7, 6, 1),
        ("lead_status_changes", 3, 3, 0),
        ("deals", 1, 1, 0),
    ]
    # Tables without a file in the delta are untouched.
    assert raw_rows(base_warehouse, "owners", "owner_id") == [("O1",), ("O2",)]
    assert raw_rows(base_warehouse, "opportunities", "opportunity_id") == [("OP1",)]


def test_upsert_leaves_the_exact_merged_rows(base_warehouse: Warehouse) -> None:
    assert upsert_dir(UPSERT / "delta", base_warehouse.path).loaded
    assert raw_rows(
        base_warehouse, "leads", "lead_id, business_unit, updated_at, _source_file, _line_number"
    ) == [
        ("L1", "BU2", datetime(2026, 4, 10, 10), "delta/leads.csv", 2),  # newer updated_at replaces
        ("L2", "BU1", datetime(2026, 4, 5, 10), "leads.csv", 3),  # older one was quarantined
        ("L3", "BU2", None, "leads.csv", 4),  # unchanged
        ("L4", "BU1", datetime(2026, 4, 4, 10), "leads.csv", 5),  # delete refused: A5 references it
        ("L6", "BU1", datetime(2026, 4, 11, 10), "delta/leads.csv", 7),
        ("L7", "BU1", None, "delta/leads.csv", 8),  # unknown source campaign C9 set to null (load note)
        ("L8", "BU2", None, "delta/leads.csv", 9),  # its delete in the same file was refused
    ]  # L5 deleted (its only activity A6 deleted in the same delta)
    assert raw_rows(base_warehouse, "lead_activities", "activity_id, lead_id, activity_type") == [
        ("A1", "L1", "demo_request"),
        ("A10", "L7", "page_view"),
        ("A2", "L2", "webinar_attend"),
        ("A4", "L3", "page_view"),
        ("A5", "L4", "page_view"),
        ("A7", "L6", "form_submit"),
        ("A8", "L2", "page_view"),
    ]
    assert raw_rows(base_warehouse, "lead_status_changes", "lead_id, status, owner_id") == [
        ("L1", "accepted", "O1"),
        ("L6", "accepted", "O1"),
    ]
    assert raw_rows(base_warehouse, "deals", "deal_id, renewed_from_deal_id") == [("D1", None), ("D2", "D1")]
    assert raw_rows(base_warehouse, "campaigns", "campaign_id, channel") == [
        ("C1", "exhibition"),
        ("C2", "seminar"),
    ]


def test_upsert_quarantines_with_exact_reasons(base_warehouse: Warehouse) -> None:
    assert upsert_dir(UPSERT / "delta", base_warehouse.path).loaded
    assert base_warehouse.query(
        "SELECT table_name, source_file, line_number, reason FROM raw.quarantine ORDER BY ALL"
    ) == [
        (
            "lead_activities",
            "delta/lead_activities.csv",
            8,
            "_deleted: not a boolean (accepted: true/false, TRUE/FALSE, t/f, 1/0, yes/no, はい/いいえ): 'maybe'",
        ),
        (
            "leads",
            "delta/leads.csv",
            3,
            "updated_at: older than the loaded row with this lead_id (kept the loaded row)",
        ),
        (
            "leads",
            "delta/leads.csv",
            5,
            "lead_id: cannot delete, still referenced by lead_activities.lead_id "
            "(delete those rows first, in the same delta)",
        ),
        ("leads", "delta/leads.csv", 10, "lead_id: deleted and upserted in the same file (nothing done)"),
    ]


def test_full_width_false_is_an_upsert_not_a_delete(base_warehouse: Warehouse, tmp_path: Path) -> None:
    """`ｆａｌｓｅ` and `０` are false as the validation reads them (full-width is half-width): the rows are
    upserts. Before, only half-width false words were upserts, so L3 was deleted and L9 was neither
    loaded nor quarantined."""
    delta = tmp_path / "delta"
    delta.mkdir()
    (delta / "leads.csv").write_text(
        "lead_id,created_at,business_unit,source_campaign_id,company_name,company_domain,email,crm_mql_at,"
        "updated_at,_deleted\n"
        "L3,2026-04-03T10:00:00+09:00,BU2,,Beta,beta.jp,,,2026-04-12T10:00:00+09:00,ｆａｌｓｅ\n"
        "L9,2026-04-12T10:00:00+09:00,BU1,,Theta,theta.jp,,,2026-04-12T10:00:00+09:00,０\n",
        encoding="utf-8",
    )
    report = upsert_dir(delta, base_warehouse.path)
    assert report.loaded
    leads = {
        row[0]: row[1:] for row in raw_rows(base_warehouse, "leads", "lead_id, business_unit, _line_number")
    }
    assert leads["L3"] == ("BU2", 2)
    assert leads["L9"] == ("BU1", 3)
    assert base_warehouse.query("SELECT count(*) FROM raw.quarantine") == [(0,)]


def test_a_load_note_is_kept_only_for_a_row_that_was_written(
    base_warehouse: Warehouse, tmp_path: Path
) -> None:
    """A note says "set to null, row kept". L2 (older than the loaded row) is quarantined, so it has
    no note; L9 is inserted with its note; sent again, L9 is unchanged and is not noted twice."""
    delta = tmp_path / "delta"
    delta.mkdir()
    (delta / "leads.csv").write_text(
        "lead_id,created_at,business_unit,source_campaign_id,company_name,company_domain,email,crm_mql_at,"
        "updated_at\n"
        "L2,2026-04-02T10:00:00+09:00,BU1,C9,Acme,acme.com,,,2026-04-03T10:00:00+09:00\n"
        "L9,2026-04-12T10:00:00+09:00,BU1,C9,Theta,theta.jp,,,2026-04-12T10:00:00+09:00\n",
        encoding="utf-8",
    )
    notes_sql = "SELECT source_file, line_number, column_name, value FROM raw.load_notes ORDER BY ALL"
    for _ in range(2):
        report = upsert_dir(delta, base_warehouse.path)
        assert report.loaded, report.problems
        assert base_warehouse.query(notes_sql) == [("delta/leads.csv", 3, "source_campaign_id", "C9")]
    # The quarantine is appended to by each upsert: L2 both times.
    assert base_warehouse.query("SELECT line_number FROM raw.quarantine") == [(2,), (2,)]
    leads = next(table for table in report.tables if table.table == "leads")
    assert (leads.rows_read, leads.rows_loaded, leads.rows_quarantined, leads.rows_noted) == (2, 1, 1, 0)
    assert report.changes["leads"] == TableChanges(unchanged=1, quarantined=1)


def test_upsert_logs_every_touched_lead(base_warehouse: Warehouse) -> None:
    report = upsert_dir(UPSERT / "delta", base_warehouse.path)
    # L1: replaced, its activity replaced, D2 renews its deal; L2: new activity A8 and campaign C2
    # changed; L3: status change deleted; L5: deleted; L6: new; L7: new (its unknown source campaign
    # set to null); L8: new. L2 (C2) and L5 (C2) also via the changed campaign. Not L4 (delete refused).
    expected = ["L1", "L2", "L3", "L5", "L6", "L7", "L8"]
    assert report.changed_leads == len(expected)
    # (after the base's full load, whose row has no lead)
    logged = base_warehouse.query(f"SELECT DISTINCT lead_id FROM raw.{CHANGE_LOG_TABLE} ORDER BY 1")
    assert logged == [*((lead,) for lead in expected), (None,)]


def test_upsert_of_the_same_delta_twice_changes_nothing_more(base_warehouse: Warehouse) -> None:
    assert upsert_dir(UPSERT / "delta", base_warehouse.path).loaded
    before = {table.name: raw_rows(base_warehouse, table.name, "*") for table in contract()}
    again = upsert_dir(UPSERT / "delta", base_warehouse.path)
    assert again.loaded
    # A1, A7, A8, A10 equal the loaded rows; A6 and A9 are deletes of absent rows.
    assert again.changes["lead_activities"] == TableChanges(unchanged=6, quarantined=1)
    # L1, L3, L6, L7, L8 equal; L5 already deleted; L2 still older, L4 still referenced, L8's delete.
    assert again.changes["leads"] == TableChanges(unchanged=6, quarantined=3)
    assert again.changes["lead_status_changes"] == TableChanges(unchanged=3)
    assert again.changed_leads == 0
    assert {table.name: raw_rows(base_warehouse, table.name, "*") for table in contract()} == before


def test_upsert_strict_and_dry_run_write_nothing(base_warehouse: Warehouse) -> None:
    before = {table.name: raw_rows(base_warehouse, table.name, "*") for table in contract()}
    strict = upsert_dir(UPSERT / "delta", base_warehouse.path, strict=True)
    assert strict.ok and not strict.loaded and strict.exit_code == 1
    dry = upsert_dir(UPSERT / "delta", base_warehouse.path, dry_run=True)
    assert dry.ok and not dry.loaded and dry.rows_quarantined == 4
    assert {table.name: raw_rows(base_warehouse, table.name, "*") for table in contract()} == before
    assert base_warehouse.query("SELECT count(*) FROM raw.quarantine") == [(0,)]


def test_a_failed_commit_reports_its_own_error_and_changes_nothing(
    base_warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A COMMIT that fails rolls back by itself (played here: roll back, then raise). Before, the upsert
    then ran ROLLBACK, whose "no transaction is active" replaced the COMMIT's error in the report."""
    before = {table.name: raw_rows(base_warehouse, table.name, "*") for table in contract()}

    class FailingCommit:
        def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
            self.connection = connection

        def execute(self, sql: str, *args: object) -> duckdb.DuckDBPyConnection:
            if sql == "COMMIT":
                self.connection.execute("ROLLBACK")
                raise duckdb.IOException("disk full at commit (simulated)")
            return self.connection.execute(sql, *args)

    write = _Upsert.write

    def write_with_failing_commit(self: _Upsert) -> None:
        self.connection = FailingCommit(self.connection)  # type: ignore[assignment]
        write(self)

    monkeypatch.setattr(_Upsert, "write", write_with_failing_commit)
    report = upsert_dir(UPSERT / "delta", base_warehouse.path)
    assert not report.loaded
    assert [problem.message for problem in report.problems] == [
        "cannot write the warehouse: disk full at commit (simulated)"
    ]
    assert {table.name: raw_rows(base_warehouse, table.name, "*") for table in contract()} == before


def test_upsert_needs_a_loaded_warehouse(tmp_path: Path) -> None:
    report = upsert_dir(UPSERT / "delta", tmp_path / "none.duckdb")
    assert not report.ok and report.exit_code == 2
    assert "run a full load first" in str(report.problems[0])


def test_load_cli_upsert_mode(base_warehouse: Warehouse) -> None:
    result = base_warehouse.load(UPSERT / "delta", "--mode", "upsert")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "leads.csv:3:updated_at: older than the loaded row" in result.stderr
    assert "inserted" in result.stdout and "replaced" in result.stdout
    assert raw_rows(base_warehouse, "deals", "deal_id") == [("D1",), ("D2",)]


# --- the full load's change log (revops.changed_leads) ------------------------------------------


def _edited_export(tmp_path: Path) -> Path:
    """The base export again, complete, as the CRM exports it a day later: A5 (L4) gone without a trace,
    OP1 (L1) given owner O1, campaign C2 (source of L2 and L5) made an exhibition, lead L6 new, owner O1
    renamed and a cost changed (neither names a lead), L3 as it was."""
    export = tmp_path / "export_2"
    shutil.copytree(UPSERT / "base", export)
    edits = {
        "lead_activities.csv": [("A5,L4,2026-04-04T11:00:00+09:00,page_view,\n", "")],
        "opportunities.csv": [("OP1,L1,BU1,O2,", "OP1,L1,BU1,O1,")],
        "campaigns.csv": [(",webinar,,2026-04-10,", ",exhibition,,2026-04-10,")],
        "leads.csv": [
            (
                "delta.jp,,,2026-04-05T10:00:00+09:00\n",
                "delta.jp,,,2026-04-05T10:00:00+09:00\nL6,2026-04-06T10:00:00+09:00,BU1,,New,new.jp,,,\n",
            )
        ],
        "owners.csv": [("O1,山田 太郎,", "O1,山田 次郎,")],
        "campaign_costs.csv": [("C1,2026-03-01,500000,", "C1,2026-03-01,600000,")],
    }
    for name, replacements in edits.items():
        text = (export / name).read_text(encoding="utf-8")
        for old, new in replacements:
            assert text.count(old) == 1, (name, old)
            text = text.replace(old, new)
        (export / name).write_text(text, encoding="utf-8")
    return export


def test_a_full_load_logs_exactly_the_leads_whose_rows_differ(
    base_warehouse: Warehouse, tmp_path: Path
) -> None:
    clear_change_log(base_warehouse.path)  # the base was built: as the nightly job does
    report = load_dir(_edited_export(tmp_path), base_warehouse.path)
    assert report.loaded, report.problems
    # L1: its opportunity's owner; L2 and L5: their source campaign; L4: its activity gone; L6: new. Not
    # L3 (unchanged), and nothing for the owner's name or the cost, which name no lead.
    logged = base_warehouse.query(
        f"SELECT lead_id, table_name, source_dir FROM raw.{CHANGE_LOG_TABLE} ORDER BY 1"
    )
    assert logged == [
        ("L1", "opportunities", "export_2"),
        ("L2", "campaigns", "export_2"),
        ("L4", "lead_activities", "export_2"),
        ("L5", "campaigns", "export_2"),
        ("L6", "leads", "export_2"),
    ]
    assert report.changed_leads == 5
    # the log names every changed lead: the night reads it alone
    assert incremental_build(base_warehouse.path).leads_from_change_log
    # The same export again changes nothing.
    clear_change_log(base_warehouse.path)
    again = load_dir(tmp_path / "export_2", base_warehouse.path)
    assert again.loaded and again.changed_leads == 0
    assert base_warehouse.query(f"SELECT count(*) FROM raw.{CHANGE_LOG_TABLE}") == [(0,)]
    assert incremental_build(base_warehouse.path).leads_from_change_log


def test_a_full_load_with_nothing_to_compare_counts_every_lead_as_changed(
    base_warehouse: Warehouse, tmp_path: Path
) -> None:
    """The first load logs one row without a lead; so does a load over tables of other columns (an older
    loader's), which cannot be compared: the night then reads the lookback."""
    assert base_warehouse.query(f"SELECT lead_id, table_name FROM raw.{CHANGE_LOG_TABLE}") == [(None, None)]
    clear_change_log(base_warehouse.path)
    with duckdb.connect(str(base_warehouse.path)) as connection:
        connection.execute("ALTER TABLE raw.lead_status_changes DROP COLUMN owner_id")
    report = load_dir(_edited_export(tmp_path), base_warehouse.path)
    assert report.loaded and report.changed_leads is None
    assert base_warehouse.query(f"SELECT lead_id, table_name FROM raw.{CHANGE_LOG_TABLE}") == [(None, None)]
    assert not incremental_build(base_warehouse.path).leads_from_change_log


# --- the lookback, on a hand-made sequence ----------------------------------------------------


def _activities(warehouse: Warehouse) -> list[tuple]:
    return warehouse.query("SELECT lead_id, activity_id FROM intermediate.int_activities_scored ORDER BY ALL")


def _night_leads(warehouse: Warehouse, model: str) -> list[str]:
    """The leads `model` recomputed since its last full build, from the ledger of untested leads (the
    builds here leave the tests out, so nothing clears it)."""
    rows = warehouse.query(
        "SELECT DISTINCT lead_id FROM main.dbt_untested_leads WHERE model_id = ? AND lead_id IS NOT NULL "
        "ORDER BY lead_id",
        [f"model.revops_funnel.{model}"],
    )
    return [lead for (lead,) in rows]


def test_lookback_picks_up_late_rows_and_the_change_log_the_later_ones(tmp_path: Path) -> None:
    """day1 builds with activities up to 2026-04-10 (watermark); day2 brings A3 for L1 dated
    04-08 (2 days late, within the 3-day lookback) and A5 for L3 dated 04-05 (5 days late)."""
    select = ("--select", "+int_activities_scored")
    full_loads = Warehouse(tmp_path / "full")
    (tmp_path / "full").mkdir()
    assert full_loads.load(LOOKBACK / "day1").returncode == 0
    build_models(full_loads, *select)
    clear_change_log(full_loads.path)  # as the nightly job does after a successful build
    # A full load that cannot compare names no lead: here raw tables of other columns (an older loader's).
    with duckdb.connect(str(full_loads.path)) as connection:
        connection.execute("ALTER TABLE raw.lead_status_changes DROP COLUMN owner_id")
    assert full_loads.load(LOOKBACK / "day2_full").returncode == 0
    build_models(full_loads, *select)
    # L3 has nothing at or after 04-07 (watermark 04-10 minus 3 days): A5 is not picked up.
    assert _activities(full_loads) == [("L1", "A1"), ("L1", "A3"), ("L2", "A2"), ("L2", "A4"), ("L3", "A0")]
    assert _night_leads(full_loads, "int_activities_scored") == ["L1", "L2"]
    # A change log with a row without a lead does not name every changed lead: the nightly job reads the
    # lookback, and a build told otherwise stops instead of recomputing too few leads.
    assert not incremental_build(full_loads.path).leads_from_change_log
    told = full_loads.dbt("build", *MODELS_ONLY, "--select", "int_activities_scored", env=CHANGE_LOG_ONLY_ENV)
    assert not told.ok and 'load_changed_leads" holds a load that named no lead' in told.output, told.output[
        -3000:
    ]
    # so does a warehouse without a change log
    with duckdb.connect(str(full_loads.path)) as connection:
        connection.execute(f"DROP TABLE raw.{CHANGE_LOG_TABLE}")
    assert not incremental_build(full_loads.path).leads_from_change_log
    told = full_loads.dbt("build", *MODELS_ONLY, "--select", "int_activities_scored", env=CHANGE_LOG_ONLY_ENV)
    assert not told.ok and "there is no change log" in told.output, told.output[-3000:]
    build_models(full_loads, *select, "--full-refresh")
    assert ("L3", "A5") in _activities(full_loads)

    # The same full export over tables it can compare logs the leads whose rows differ: L1 (A3), L2 (A4)
    # and L3 (A5, however late), and the night recomputes exactly them.
    compared_loads = Warehouse(tmp_path / "compared")
    (tmp_path / "compared").mkdir()
    assert compared_loads.load(LOOKBACK / "day1").returncode == 0
    build_models(compared_loads, *select)
    clear_change_log(compared_loads.path)
    assert compared_loads.load(LOOKBACK / "day2_full").returncode == 0
    plan = build_models(compared_loads, *select, night=True)
    assert plan is not None and plan.leads_from_change_log
    assert _activities(compared_loads) == _activities(full_loads)
    assert _night_leads(compared_loads, "int_activities_scored") == ["L1", "L2", "L3"]

    upserts = Warehouse(tmp_path / "upsert")
    (tmp_path / "upsert").mkdir()
    assert upserts.load(LOOKBACK / "day1").returncode == 0
    build_models(upserts, *select)
    clear_change_log(upserts.path)  # as the nightly job does after a successful build
    # The day's delta without L2's A4: nothing of L2 changes, though its A2 (04-10) is within the lookback.
    delta = tmp_path / "day2_delta"
    delta.mkdir()
    rows = (LOOKBACK / "day2_delta" / "lead_activities.csv").read_text(encoding="utf-8").splitlines(True)
    (delta / "lead_activities.csv").write_text("".join(r for r in rows if not r.startswith("A4,")), "utf-8")
    assert upserts.load(delta, "--mode", "upsert").returncode == 0
    plan = build_models(upserts, *select, night=True)
    assert plan is not None and plan.leads_from_change_log
    # Salesforce's models (var crm_source, however it is set) are not what the upserts logged
    assert not incremental_build(upserts.path, {"crm_source": "salesforce"}).leads_from_change_log
    # The upsert logged L1 and L3: recomputed however late A5 is, and, on the nightly job's night of
    # upserts, only they (the log names every changed lead; the lookback would add L2).
    assert _activities(upserts) == [("L1", "A1"), ("L1", "A3"), ("L2", "A2"), ("L3", "A0"), ("L3", "A5")]
    assert _night_leads(upserts, "int_activities_scored") == ["L1", "L3"]


def test_a_night_of_upserts_extends_a_span_cut_at_the_as_of_instant(tmp_path: Path) -> None:
    """L2's activities A2 (04-10 10:00) and A6 (20:00) are after day1's export time (09:30, within the
    tolerance), so the as-of instant cuts L2's company span at its creation (04-09 09:00). The next
    night's upsert names only L1, with the export time 12:00: the as-of instant moves past A2, and L2's
    span, though L2 did not change and is still cut (by A6), must now end at A2, as a full refresh's
    does (int_lead_company_spans' judgement: a cut span is recomputed every night). So must L2's row of
    int_account_lead_companies, judged the same way (L2 has a domain: nothing else recomputes it)."""
    day1 = tmp_path / "day1"
    shutil.copytree(LOOKBACK / "day1", day1)
    leads = (day1 / "leads.csv").read_text(encoding="utf-8").splitlines()
    named = [leads[0]] + [
        line.replace(",BU1,,,,", ",BU1,,Acme KK,acme.co.jp,").replace(",BU2,,,,", ",BU2,,Acme KK,acme.co.jp,")
        for line in leads[1:]
    ]
    (day1 / "leads.csv").write_text("\n".join(named) + "\n", encoding="utf-8")
    with (day1 / "lead_activities.csv").open("a", encoding="utf-8") as activities:
        activities.write("A6,L2,2026-04-10T20:00:00+09:00,page_view,\n")
    delta = tmp_path / "day2"
    delta.mkdir()
    rows = (LOOKBACK / "day2_delta" / "lead_activities.csv").read_text(encoding="utf-8").splitlines(True)
    (delta / "lead_activities.csv").write_text(
        rows[0] + "".join(r for r in rows if r.startswith("A3,")), "utf-8"
    )

    select = ("--select", "+int_account_lead_companies")
    spans = (
        "SELECT lead_id, last_event_at, is_span_complete FROM intermediate.int_lead_company_spans ORDER BY 1"
    )
    companies = spans.replace("int_lead_company_spans", "int_account_lead_companies")
    night = Warehouse(tmp_path / "night")
    night.root.mkdir()
    assert night.load(day1, "--export-time", "2026-04-10T09:30:00").returncode == 0
    build_models(night, *select)
    assert night.query(spans)[1] == ("L2", datetime(2026, 4, 9, 9, 0), False)
    clear_change_log(night.path)
    assert night.load(delta, "--mode", "upsert", "--export-time", "2026-04-10T12:00:00").returncode == 0
    plan = build_models(night, *select, night=True)
    assert plan is not None and plan.leads_from_change_log
    assert _night_leads(night, "int_lead_company_spans") == ["L1", "L2"]
    assert _night_leads(night, "int_account_lead_companies") == ["L1", "L2"]
    assert night.query(spans) == [
        ("L1", datetime(2026, 4, 8, 10, 0), True),
        ("L2", datetime(2026, 4, 10, 10, 0), False),
        ("L3", datetime(2026, 4, 1, 10, 0), True),
    ]
    assert night.query(companies) == night.query(spans)


def test_a_night_recomputes_every_lead_whose_company_key_another_lead_can_change(tmp_path: Path) -> None:
    """Day 1: L1 (Acme KK, acme.co.jp) and L2 (Acme KK, no domain): L2 takes the one domain of its name.
    The night's upsert inserts L4 (Acme KK, acme-kk.com) and logs only L4. The name now carries two
    domains, so L2, which did not change, is keyed by its name, as a full refresh keys it
    (int_account_lead_companies' also_recompute: every lead without a domain)."""
    day1 = tmp_path / "day1"
    shutil.copytree(LOOKBACK / "day1", day1)
    leads = (day1 / "leads.csv").read_text(encoding="utf-8").splitlines()
    named = [
        leads[0],
        leads[1].replace(",BU1,,,,", ",BU1,,Acme KK,acme.co.jp,"),
        leads[2].replace(",BU1,,,,", ",BU1,,Acme KK,,"),
        leads[3],
    ]
    (day1 / "leads.csv").write_text("\n".join(named) + "\n", encoding="utf-8")
    delta = tmp_path / "day2"
    delta.mkdir()
    (delta / "leads.csv").write_text(
        leads[0] + "\nL4,2026-04-10T11:00:00+09:00,BU2,,Acme KK,acme-kk.com,,,\n", encoding="utf-8"
    )

    select = ("--select", "+int_account_lead_companies")
    companies = (
        "SELECT lead_id, company_key, matched_by FROM intermediate.int_account_lead_companies ORDER BY 1"
    )
    night = Warehouse(tmp_path / "night")
    night.root.mkdir()
    assert night.load(day1, "--export-time", "2026-04-10T12:00:00").returncode == 0
    build_models(night, *select)
    assert night.query(companies) == [("L1", "acme.co.jp", "domain"), ("L2", "acme.co.jp", "name_to_domain")]
    clear_change_log(night.path)
    assert night.load(delta, "--mode", "upsert", "--export-time", "2026-04-10T12:00:00").returncode == 0
    plan = build_models(night, *select, night=True)
    assert plan is not None and plan.leads_from_change_log
    assert _night_leads(night, "int_account_lead_companies") == ["L2", "L4"]
    assert night.query(companies) == [
        ("L1", "acme.co.jp", "domain"),
        ("L2", "acmekk", "name"),  # lowercased, the space removed
        ("L4", "acme-kk.com", "domain"),
    ]


def _built_then_upserted(
    root: Path, fixture: str, delta: dict[str, str], select: tuple[str, ...], dbt_vars: dict[str, str]
) -> Warehouse:
    """A warehouse at `root`/night: the fixture's raw files loaded and the `select`ed models built with
    `dbt_vars`, its change log cleared as a successful night clears it, then `delta` (file name -> CSV text)
    upserted: the next night's load."""
    delta_dir = root / "delta"
    delta_dir.mkdir(parents=True)
    for name, text in delta.items():
        (delta_dir / name).write_text(text, "utf-8")
    warehouse = Warehouse(root / "night")
    warehouse.root.mkdir()
    assert warehouse.load(FIXTURES / fixture / "raw").returncode == 0
    build_models(warehouse, *select, dbt_vars=dbt_vars)
    clear_change_log(warehouse.path)
    assert warehouse.load(delta_dir, "--mode", "upsert").returncode == 0
    return warehouse


def test_a_night_recomputes_the_handoffs_an_owner_edit_or_a_later_as_of_instant_changes(
    tmp_path: Path,
) -> None:
    """The accountability fixture's hand-offs at as_of_date 2026-10-15 (tests/fixtures/accountability):
    B and D answered by U_IS2, G open and due Fri 10-16, F already breached. The night's upsert renames
    U_IS2 and moves her to field sales, and the night is judged at as_of_date 2026-10-17. No lead
    changed, yet int_handoff_sla must recompute B and D (stored_lookup: their stored owner differs from
    stg_crm__owners) and G (as_of_judgement: its due day ended), and only them, as a full refresh does;
    so must mart_handoff_sla, on the same configuration (handoff_sla_lead_replace_config)."""
    owners = "owner_id,name,team,business_unit\nU_IS2,鈴木 舞,field_sales,saas\n"
    select = ("--select", "+mart_handoff_sla")
    sla = (
        "SELECT lead_id, responding_owner_name, responding_owner_team, is_sla_due_day_over, sla_status "
        "FROM intermediate.int_handoff_sla ORDER BY lead_id"
    )
    night = _built_then_upserted(
        tmp_path, "accountability", {"owners.csv": owners}, select, {"as_of_date": "2026-10-15"}
    )
    assert night.query(sla)[-2:] == [
        ("F", None, None, True, "open_breached"),
        ("G", None, None, False, "open_in_sla"),
    ]
    later = {"as_of_date": "2026-10-17"}
    plan = build_models(night, *select, dbt_vars=later, night=True)
    assert plan is not None and plan.leads_from_change_log
    assert _night_leads(night, "int_handoff_sla") == ["B", "D", "G"]
    assert _night_leads(night, "mart_handoff_sla") == ["B", "D", "G"]
    assert night.query(sla) == [
        ("A", "佐藤 健", "inside_sales", True, "responded_in_sla"),
        ("B", "鈴木 舞", "field_sales", True, "responded_late"),
        ("C", "佐藤 健", "inside_sales", True, "responded_in_sla"),
        ("D", "鈴木 舞", "field_sales", True, "responded_in_sla"),
        ("E", "佐藤 健", "inside_sales", True, "responded_in_sla"),
        ("F", None, None, True, "open_breached"),
        ("G", None, None, True, "open_breached"),
    ]
    full = Warehouse(tmp_path / "full")
    full.root.mkdir()
    shutil.copyfile(night.path, full.path)
    build_models(full, *select, "--full-refresh", dbt_vars=later)
    assert table_differences(full.path, night.path, "intermediate", "int_handoff_sla") == []
    assert table_differences(full.path, night.path, "marts", "mart_handoff_sla") == []


def test_a_night_recomputes_the_opportunities_whose_states_changed(tmp_path: Path) -> None:
    """The pipeline fixture (tests/fixtures/pipeline/README.md) built at as_of_date 2026-06-05, then a
    night at 2026-06-12 whose upsert corrects P5's amount (no lead, no history row: the loader's change
    log names nothing) and moves U_FS2, P4's owner, to inside sales. int_opportunity_states must
    recompute exactly P5 (its inputs' digest), P4 (its stored owner_team) and P6 (its next state, won
    on 06-10, now begins before as-of), keep P1-P3 as stored, and equal a full refresh, as must every
    pipeline model after it. A night at 05-31 (the as-of moved back, as when a future-dated event is
    corrected) recomputes P6, whose win and the end of its open state now lie after it, and drops P5,
    created after it (no stored row but its own says so). Which opportunities a night
    recomputed shows on a copy whose stored rows were all marked (probability -1) before it: a
    recomputed opportunity's rows lose the mark."""
    delta = {
        "owners.csv": "owner_id,name,team,business_unit\nU_FS2,Field Two,inside_sales,saas\n",
        "opportunities.csv": "opportunity_id,lead_id,business_unit,owner_id,created_at,stage,amount,currency,"
        "closed_at,is_won,close_date\nP5,,saas,U_FS1,2026-06-01T10:00:00+09:00,Closed Lost,1200000,JPY,"
        "2026-06-01T10:00:00+09:00,false,\n",
    }
    select = (
        "--select",
        "+fct_opportunity_history",
        "+int_opportunity_stage_runs",
        "+mart_pipeline_waterfall",
    )
    night = _built_then_upserted(tmp_path, "pipeline", delta, select, {"as_of_date": "2026-06-05"})
    marked = Warehouse(tmp_path / "marked")
    marked.root.mkdir()
    shutil.copyfile(night.path, marked.path)
    full = Warehouse(tmp_path / "full")
    full.root.mkdir()

    def night_at(as_of_date: str) -> list[str]:
        """The night at `as_of_date` on both copies, the night's equality with a full refresh; returns
        the opportunities it recomputed."""
        with duckdb.connect(str(marked.path)) as connection:
            connection.execute("UPDATE intermediate.int_opportunity_states SET probability = -1")
        for warehouse in (marked, night):
            build_models(warehouse, *select, dbt_vars={"as_of_date": as_of_date}, night=True)
        shutil.copyfile(night.path, full.path)
        build_models(full, *select, "--full-refresh", dbt_vars={"as_of_date": as_of_date})
        for schema, model in (
            ("intermediate", "int_opportunity_states"),
            ("intermediate", "int_opportunity_stage_runs"),
            ("intermediate", "int_pipeline_movements"),
            ("marts", "fct_opportunity_history"),
            ("marts", "mart_pipeline_waterfall"),
        ):
            assert table_differences(full.path, night.path, schema, model) == [], (as_of_date, model)
        recomputed = marked.query(
            "SELECT opportunity_id FROM intermediate.int_opportunity_states GROUP BY 1 "
            "HAVING NOT bool_and(probability = -1) ORDER BY 1"
        )
        return [opportunity for (opportunity,) in recomputed]

    assert night_at("2026-06-12") == ["P4", "P5", "P6"]
    assert night.query(
        "SELECT opportunity_id, owner_team, amount FROM intermediate.int_opportunity_states "
        "WHERE opportunity_id IN ('P4', 'P5') ORDER BY 1"
    ) == [("P4", "inside_sales", 2_000_000), ("P5", "field_sales", 1_200_000)]
    states_of_p6 = (
        "SELECT stage, valid_from, valid_to, is_won FROM intermediate.int_opportunity_states "
        "WHERE opportunity_id = 'P6' ORDER BY valid_from"
    )
    assert night.query(states_of_p6) == [
        ("Id. Decision Makers", datetime(2026, 4, 20, 10), datetime(2026, 6, 10, 10), False),
        ("Closed Won", datetime(2026, 6, 10, 10), None, True),
    ]
    assert night_at("2026-05-31") == ["P6"]
    assert night.query(states_of_p6) == [("Id. Decision Makers", datetime(2026, 4, 20, 10), None, False)]
    assert night.query(
        "SELECT count(*) FROM intermediate.int_opportunity_states WHERE opportunity_id = 'P5'"
    ) == [(0,)]


# --- incremental == full refresh, on generated data --------------------------------------------


@pytest.fixture(scope="module")
def generated_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated") / "raw"
    result = generate("--leads", "3000", "--seed", "11", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def _assert_same_warehouses(full: Warehouse, incremental: Warehouse, stale: tuple[str, ...] = ()) -> None:
    """Every raw, intermediate and mart table the same, but the intermediate tables in `stale`, which the
    incremental warehouse's last night left out."""
    with compared(full.path, incremental.path) as comparison:
        marts, incremental_marts = comparison.tables("marts")
        assert marts == incremental_marts
        assert "fct_lead_funnel" in marts and len(marts) >= 3
        problems: list[str] = []
        for table in contract():
            problems += comparison.differences("raw", table.name, exclude=("_source_file", "_line_number"))
        # every intermediate table (the incremental models and what is rebuilt from them), then the marts
        intermediate, incremental_intermediate = comparison.tables("intermediate")
        assert intermediate == incremental_intermediate
        built = {"intermediate": intermediate, "marts": marts}
        assert all(model in built[schema] for schema, model in INCREMENTAL_MODELS)
        for model in intermediate:
            if model not in stale:
                problems += comparison.differences("intermediate", model)
        for mart in marts:
            problems += comparison.differences("marts", mart)
    assert problems == []


@pytest.mark.parametrize(
    ("change", "found"),
    [
        ("UPDATE marts.t SET credit = credit * (1 + 1e-12) WHERE id = 1", None),  # within the tolerance
        (
            "UPDATE marts.t SET credit = credit * (1 + 1e-6) WHERE id = 1",
            "(1, 'a', 0.25) != (1, 'a', 0.25000025)",
        ),
        ("UPDATE marts.t SET label = NULL WHERE id = 2", "(2, 'b', 0.75) != (2, None, 0.75)"),
        ("INSERT INTO marts.t VALUES (2, 'b', 0.75)", "2 rows != 3 rows"),
        ("DELETE FROM marts.t WHERE id = 2", "2 rows != 1 rows"),
        ("UPDATE marts.t SET id = 3 WHERE id = 2", "(2, 'b', 0.75) != (3, 'b', 0.75)"),
    ],
)
def test_the_comparison_of_two_builds_catches_every_difference(
    change: str, found: str | None, tmp_path: Path
) -> None:
    """The equivalence tests' comparison (nightly_helpers.Comparison): exact in SQL first, then row by
    row with doubles to RELATIVE_TOLERANCE, so a change in the last bits passes and nothing else does."""
    paths = [tmp_path / "left.duckdb", tmp_path / "right.duckdb"]
    for path in paths:
        with duckdb.connect(str(path)) as connection:
            connection.execute("CREATE SCHEMA marts")
            connection.execute("CREATE TABLE marts.t (id INTEGER, label VARCHAR, credit DOUBLE)")
            connection.execute("INSERT INTO marts.t VALUES (1, 'a', 0.25), (2, 'b', 0.75)")
    with duckdb.connect(str(paths[1])) as connection:
        connection.execute(change)
    with compared(*paths) as comparison:
        problems = comparison.differences("marts", "t")
    assert problems == ([] if found is None else [f"marts.t: {found}"])


def test_incremental_upserts_give_exactly_the_full_refresh_marts(generated_raw: Path, tmp_path: Path) -> None:
    plan = SplitPlan(days=3, late=((2, 2), (2, 10)), updated_leads=5, deleted_activities=2)
    split = split_raw(generated_raw, tmp_path / "split", plan)
    assert all(split.rows[path.name]["lead_activities"] > 0 for path in split.deltas)

    incremental = Warehouse(tmp_path / "incremental")
    incremental.root.mkdir()
    assert incremental.load(split.initial).returncode == 0
    build_models(incremental, *STATEFUL)
    nights = []
    for number, delta in enumerate(split.deltas, start=1):
        report = upsert_dir(delta, incremental.path)
        assert report.loaded and report.rows_quarantined == 0, report.problems
        plan = build_models(incremental, *(STATEFUL if number < len(split.deltas) else ()), night=True)
        nights.append(plan is not None and plan.leads_from_change_log)
        clear_change_log(incremental.path)
    # The first night's log still holds the initial full load (its build did not clear it): the lookback
    # and the log. The others read the log alone, and leave int_lead_latest_changes as it was.
    assert nights == [False, True, True]
    # the planted late rows (10 days late: beyond the lookback) and updated leads are in the deltas
    late = incremental.query(
        "SELECT count(*) FROM raw.lead_activities WHERE _source_file LIKE 'day_%' AND activity_at < ?",
        [datetime.combine(split.days[0], datetime.min.time()) - timedelta(days=7)],
    )
    assert late == [(2,)]
    # planted updates: another business unit, updated_at noon of a delta day
    updated = incremental.query(
        "SELECT count(*) FROM raw.leads WHERE _source_file LIKE 'day_%' AND created_at < ? "
        "AND strftime(updated_at, '%H:%M:%S') = '12:00:00'",
        [datetime.combine(split.days[0], datetime.min.time())],
    )
    assert updated == [(5,)]

    full = Warehouse(tmp_path / "full")
    full.root.mkdir()
    assert full.load(split.final).returncode == 0
    build_models(full, "--full-refresh")
    _assert_same_warehouses(full, incremental, stale=("int_lead_latest_changes",))


def _plant_corrections(export: Path) -> None:
    """Corrections of old rows, as a CRM makes them in place: every opportunity of a lead without a status
    change (its creation answers the lead's MQL) given to another owner, and the campaign of most leads
    given another channel. No event records either."""
    with duckdb.connect() as connection:

        def rewrite(name: str, select: str) -> None:
            path = sql_string(str(export / name))
            connection.execute(
                f"CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv({path}, all_varchar = true)"
            )
            connection.execute(f"COPY ({select}) TO {path} (HEADER, DELIMITER ',')")

        status_changes = sql_string(str(export / "lead_status_changes.csv"))
        rewrite(
            "opportunities.csv",
            "SELECT * REPLACE (CASE WHEN NOT EXISTS (SELECT 1 FROM read_csv("
            f"{status_changes}, all_varchar = true) AS status WHERE status.lead_id = t.lead_id) "
            "THEN (SELECT min(owner_id) FROM t AS other WHERE other.owner_id <> t.owner_id) "
            "ELSE owner_id END AS owner_id) FROM t",
        )
        campaign = connection.execute(
            f"SELECT source_campaign_id FROM read_csv({sql_string(str(export / 'leads.csv'))}, all_varchar = true) "
            "WHERE source_campaign_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchall()[0][0]
        rewrite(
            "campaigns.csv",
            "SELECT * REPLACE (CASE WHEN campaign_id = "
            f"{sql_string(campaign)} THEN (SELECT min(channel) FROM t AS other WHERE other.channel <> t.channel) "
            "ELSE channel END AS channel) FROM t",
        )


def test_incremental_full_loads_give_exactly_the_full_refresh_marts(
    generated_raw: Path, tmp_path: Path
) -> None:
    """Nightly complete exports (--mode full): each load logs the leads whose rows differ from the ones it
    replaces, so late rows (10 days: beyond the lookback), rows deleted from the export and corrections
    that no event records are recomputed, and the night reads the log alone."""
    plan = SplitPlan(days=3, late=((2, 2), (2, 10)), updated_leads=5, deleted_activities=2, cumulative=True)
    split = split_raw(generated_raw, tmp_path / "split", plan)
    _plant_corrections(split.cumulative[-1])

    incremental = Warehouse(tmp_path / "incremental")
    incremental.root.mkdir()
    assert incremental.load(split.initial).returncode == 0
    build_models(incremental, *STATEFUL)
    nights = []
    for number, export in enumerate(split.cumulative, start=1):
        assert incremental.load(export).returncode == 0
        plan_of_night = build_models(
            incremental, *(STATEFUL if number < len(split.cumulative) else ()), night=True
        )
        nights.append(plan_of_night is not None and plan_of_night.leads_from_change_log)
        clear_change_log(incremental.path)
    # The first night's log still holds the initial load's row without a lead: the lookback and the log.
    assert nights == [False, True, True]
    full = Warehouse(tmp_path / "full")
    full.root.mkdir()
    shutil.copytree(split.cumulative[-1], tmp_path / "last")
    assert full.load(tmp_path / "last").returncode == 0
    build_models(full, "--full-refresh")
    # the corrections reach the incremental models: re-owned opportunities answered MQLs
    assert full.query(
        "SELECT count(*) FROM intermediate.int_handoff_sla WHERE response_status = 'opportunity' "
        "AND lead_id NOT IN (SELECT lead_id FROM raw.lead_status_changes)"
    ) != [(0,)]
    _assert_same_warehouses(full, incremental, stale=("int_lead_latest_changes",))


def test_split_final_equals_initial_plus_deltas(generated_raw: Path, tmp_path: Path) -> None:
    """The replay itself: upserting every delta onto the initial load gives a full load of final/."""
    split = split_raw(
        generated_raw, tmp_path / "split", SplitPlan(days=2, updated_leads=3, deleted_activities=1)
    )
    merged, final = tmp_path / "merged.duckdb", tmp_path / "final.duckdb"
    assert load_dir(split.initial, merged).loaded
    for delta in split.deltas:
        assert upsert_dir(delta, merged).loaded
    assert load_dir(split.final, final).loaded
    for table in contract():
        assert (
            table_differences(final, merged, "raw", table.name, exclude=("_source_file", "_line_number"))
            == []
        )
    with duckdb.connect(str(merged), read_only=True) as connection:
        updated = connection.execute(
            "SELECT count(*) FROM raw.leads WHERE _source_file LIKE 'day_%' AND created_at < ? "
            "AND strftime(updated_at, '%H:%M:%S') = '12:00:00'",
            [datetime.combine(split.days[0], datetime.min.time())],
        ).fetchall()
    assert updated == [(3,)]


def test_split_days_and_arrivals(generated_raw: Path, tmp_path: Path) -> None:
    """A delivery holds only what the CRM knew by the end of its day."""
    split = split_raw(generated_raw, tmp_path / "split", SplitPlan(days=2, end=date(2026, 6, 30)))
    assert split.days == [date(2026, 6, 29), date(2026, 6, 30)]

    def local(column: str) -> str:
        """The loader's reading of a timestamp text (offset or reporting time)."""
        typed = typed_sql(contract_table("leads").column("created_at"), column, "Asia/Tokyo")
        assert typed is not None
        return typed

    with duckdb.connect() as connection:
        for delta, day in zip(split.deltas, split.days, strict=True):
            end_of_day = datetime.combine(day, datetime.max.time())
            leads = connection.execute(
                f"SELECT count(*), count(*) FILTER (WHERE CAST({local('created_at')} AS DATE) = ?), "
                f"max({local('created_at')}), max({local('updated_at')}), max({local('crm_mql_at')}) "
                f"FROM read_csv('{delta / 'leads.csv'}', all_varchar = true)",
                [day],
            ).fetchall()[0]
            assert leads[0] > leads[1] > 0  # new leads, and changed ones sent again
            assert all(value <= end_of_day for value in leads[2:] if value is not None)
            latest_activity = connection.execute(
                f"SELECT max({local('activity_at')}) FROM read_csv('{delta / 'lead_activities.csv'}', "
                "all_varchar = true)"
            ).fetchall()[0][0]
            assert latest_activity.date() == day
        after = connection.execute(
            f"SELECT count(*) FROM read_csv('{split.final / 'deals.csv'}', all_varchar = true) "
            "WHERE CAST(signed_at AS DATE) > DATE '2026-06-30'"
        ).fetchall()
    assert after == [(0,)]
