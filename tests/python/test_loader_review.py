"""Loader bugs a review confirmed, each with hand-made input and exact expectations.

1. A year outside 1900-2999 is quarantined (it crashed the business calendar), the calendar's range is
   clamped, and an unexpected loader error fails the nightly in phase load (exit 2, logged).
2. A quote never closed stops the load at the line and column of the opening quote (it swallowed the
   rest of the file into one quarantined record, cut at 10,000 characters).
3. An upsert whose file leaves out optional columns keeps their loaded values and does not compare them.
4. An empty currency that means JPY compares equal to `JPY` in an upsert (not opportunity_history's).
5. Header names match ignoring case, spaces, full-width forms and `-`/space vs `_`.
6. Japanese Excel's long date `2026年4月1日` is a date.
7. A number DECIMAL(20,4) cannot hold is "out of range"; one it would round is quarantined.
8. A full load refuses a `_deleted` column.
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from conftest import FIXTURES, Warehouse, counts
from revops import loadmeta, normalise
from revops.contract import table as contract_table
from revops.loader import load_dir
from revops.nightly import EXIT_LOAD, NightlyOptions, run_nightly
from revops.upsert import TableChanges, upsert_dir

CORE = FIXTURES / "core" / "raw"
EXPORT_TIME = "2099-12-31T00:00:00+09:00"
"""The fixture's export time (conftest.FIXTURE_EXPORT_TIME): its deals are signed up to 2027."""
NUMBER_FORMS = "1234.5, 1,234,567, ¥1,234,567 or ￥1,234,567 (full-width digits too)"


def copied(tmp_path: Path, name: str = "raw") -> Path:
    target = tmp_path / name
    shutil.copytree(CORE, target)
    return target


def replace_line(path: Path, number: int, text: str) -> None:
    """Physical line `number` (1-based) of `path` replaced by `text`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[number - 1] = text
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def quarantined(warehouse: Warehouse) -> list[tuple]:
    return warehouse.query("SELECT table_name, line_number, reason FROM raw.quarantine ORDER BY ALL")


def delta(tmp_path: Path, files: dict[str, str]) -> Path:
    directory = tmp_path / "delta"
    directory.mkdir()
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def loaded_core(warehouse: Warehouse) -> None:
    report = load_dir(CORE, warehouse.path, export_time=EXPORT_TIME)
    assert report.loaded, report.problems


# --- 1. years outside 1900-2999 ----------------------------------------------------------------------


def test_a_year_outside_1900_to_2999_is_quarantined(warehouse: Warehouse, tmp_path: Path) -> None:
    """Before: `year 10000 is out of range` (the calendar ran to the year after 9999), an internal error."""
    raw = copied(tmp_path)
    replace_line(raw / "campaign_costs.csv", 3, "C_EXPO,9999-12-31,300000,JPY")
    replace_line(raw / "lead_activities.csv", 2, "A01,L01,0001-01-01T00:00:00,booth_visit,C_EXPO")
    report = load_dir(raw, warehouse.path, export_time=EXPORT_TIME)
    assert report.loaded, report.problems
    assert report.exit_code == 0
    assert quarantined(warehouse) == [
        (
            "campaign_costs",
            3,
            "cost_date: year outside 1900-2999 (a placeholder or a typo?): '9999-12-31'",
        ),
        (
            "lead_activities",
            2,
            "activity_at: year outside 1900-2999 (a placeholder or a typo?): '0001-01-01T00:00:00'",
        ),
    ]
    assert warehouse.query("SELECT min(calendar_date), max(calendar_date) FROM raw.business_calendar") == [
        (dt.date(2024, 1, 1), dt.date(2100, 12, 31))
    ]


def test_the_calendar_range_is_clamped_to_the_accepted_years() -> None:
    """A date that slipped into a raw table never makes the calendar ask for year 0 or 10000."""
    with duckdb.connect() as connection:
        connection.execute("CREATE SCHEMA raw")
        connection.execute(
            "CREATE TABLE raw.campaign_costs AS SELECT * FROM (VALUES (DATE '0001-01-01'), (DATE '9999-12-31')) "
            "t(cost_date)"
        )
        costs = contract_table("campaign_costs")
        years = loadmeta.calendar_years(connection, "raw", [costs], dt.datetime(2026, 12, 1))
    assert years == (1899, 3000)


def test_an_unexpected_load_error_fails_the_night_in_phase_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, the exception left the night with exit 1 (documented as a failed dbt build) and no log."""
    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()

    def crash(*args: object, **kwargs: object) -> None:
        raise ValueError("year 10000 is out of range")

    monkeypatch.setattr("revops.nightly.upsert_dir", crash)
    raw = tmp_path / "delta"
    raw.mkdir()
    options = NightlyOptions(
        warehouse=warehouse, publish_dir=tmp_path / "published", target_path=tmp_path / "target", raw_dir=raw
    )
    result = run_nightly(options, Console(quiet=True))
    assert result.exit_code == EXIT_LOAD == 2
    reason = f"upsert load of {raw} failed: internal error: ValueError: year 10000 is out of range"
    assert (result.record.failed_phase, result.record.reason) == ("load", reason)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        assert connection.execute("SELECT status, failed_phase, reason FROM ops.run_log").fetchall() == [
            ("failed", "load", reason)
        ]


# --- 2. a quote never closed ------------------------------------------------------------------------


def test_a_quote_never_closed_stops_the_load_at_its_line_and_column(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """Before: read 1, loaded 0, quarantined 1, exit 0; the quarantine kept 10,000 characters and the
    40,000 rows after the quote were neither loaded nor quarantined."""
    loaded_core(warehouse)
    before = warehouse.query("SELECT * FROM raw.lead_activities ORDER BY ALL")
    raw = copied(tmp_path)
    path = raw / "lead_activities.csv"
    rows = [
        *path.read_text(encoding="utf-8").splitlines()[:3],
        'A00X,L01,2026-04-06T10:00:00+09:00,"booth visit,C_EXPO',
        *(f"B{index:05d},L01,2026-04-07T10:00:00+09:00,form_submit,C_EXPO" for index in range(40_000)),
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = load_dir(raw, warehouse.path, export_time=EXPORT_TIME)
    assert report.exit_code == 2
    assert not report.loaded
    assert [str(problem) for problem in report.problems] == [
        f"{path}:4:activity_type: a quote opened in this field is never closed: every CSV reader takes the "
        "rest of the file into this one value, so the rows after it cannot be read; close the quote (a quote "
        'inside a quoted value is written "") and export the file again'
    ]
    assert warehouse.query("SELECT * FROM raw.lead_activities ORDER BY ALL") == before


def test_a_closed_multi_line_quoted_value_still_loads(warehouse: Warehouse, tmp_path: Path) -> None:
    raw = copied(tmp_path)
    replace_line(
        raw / "campaigns.csv",
        3,
        'C_WEB,"SaaS Webinar\nSeries ' + "x" * 3_000 + '",webinar,SaaS,2026-01-01,2026-06-30,',
    )
    report = load_dir(raw, warehouse.path, export_time=EXPORT_TIME)
    assert report.loaded, report.problems
    assert counts(report)["campaigns"] == (5, 5, 0)
    assert warehouse.query(
        "SELECT length(name), _line_number FROM raw.campaigns WHERE campaign_id = 'C_WEB'"
    ) == [(3_020, 3)]


# --- 3. an upsert leaving out optional columns --------------------------------------------------------


def test_an_upsert_without_optional_columns_keeps_their_loaded_values(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """Before: L05 lost its campaign, company, domain and email, and the re-sent status change of L01
    (without owner_id) was inserted a second time."""
    loaded_core(warehouse)
    directory = delta(
        tmp_path,
        {
            "leads.csv": "lead_id,created_at,business_unit,updated_at\n"
            "L05,2026-04-20T10:00:00+09:00,SaaS,2026-04-23T15:00:00+09:00\n",
            "lead_status_changes.csv": "lead_id,changed_at,status\nL01,2026-04-10T09:00:00+09:00,accepted\n",
        },
    )
    report = upsert_dir(directory, warehouse.path, export_time=EXPORT_TIME)
    assert report.loaded, report.problems
    assert report.changes == {
        "leads": TableChanges(replaced=1),
        "lead_status_changes": TableChanges(unchanged=1),
    }
    assert warehouse.query(
        "SELECT business_unit, source_campaign_id, company_name, company_domain, email, crm_mql_at, "
        "updated_at, _source_file FROM raw.leads WHERE lead_id = 'L05'"
    ) == [
        (
            "SaaS",
            "C_OUT",
            "Epsilon Holdings",
            "epsilon.example.com",
            "e@epsilon.example.com",
            None,
            dt.datetime(2026, 4, 23, 15, 0),
            "delta/leads.csv",
        )
    ]
    assert warehouse.query(
        "SELECT lead_id, changed_at, status, owner_id FROM raw.lead_status_changes WHERE lead_id = 'L01' "
        "ORDER BY ALL"
    ) == [("L01", dt.datetime(2026, 4, 10, 9, 0), "accepted", "U_IS1")]


def test_an_upsert_without_updated_at_replaces_and_keeps_the_loaded_updated_at(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """leads.updated_at is optional: a delta without it cannot be older than the loaded row, so L05's
    changed unit replaces it and the loaded updated_at (2026-04-22 15:00) is kept. Before, every such row
    was quarantined as older than the loaded one (a missing updated_at read as -infinity)."""
    loaded_core(warehouse)
    directory = delta(
        tmp_path, {"leads.csv": "lead_id,created_at,business_unit\nL05,2026-04-20T10:00:00+09:00,SaaS\n"}
    )
    report = upsert_dir(directory, warehouse.path, export_time=EXPORT_TIME)
    assert report.loaded, report.problems
    assert report.changes == {"leads": TableChanges(replaced=1)}
    assert warehouse.query("SELECT business_unit, updated_at FROM raw.leads WHERE lead_id = 'L05'") == [
        ("SaaS", dt.datetime(2026, 4, 22, 15, 0))
    ]


# --- 4. an empty currency means JPY -------------------------------------------------------------------


def test_a_resent_cost_with_empty_or_jpy_currency_is_unchanged(warehouse: Warehouse, tmp_path: Path) -> None:
    """The loaded costs are (C_EXPO, 2026-03-01, 500000, empty) and (C_EXPO, 2026-04-01, 300000, JPY).
    Before, both re-sent rows were inserted beside them: the spend doubled."""
    loaded_core(warehouse)
    directory = delta(
        tmp_path,
        {
            "campaign_costs.csv": "campaign_id,cost_date,amount,currency\n"
            'C_EXPO,2026/4/1,"¥300,000",\n'
            "C_EXPO,2026-03-01,500000,jpy\n"
        },
    )
    report = upsert_dir(directory, warehouse.path, export_time=EXPORT_TIME)
    assert report.loaded, report.problems
    assert report.changes == {"campaign_costs": TableChanges(unchanged=2)}
    assert warehouse.query(
        "SELECT campaign_id, cost_date, amount, currency FROM raw.campaign_costs "
        "WHERE campaign_id = 'C_EXPO' ORDER BY ALL"
    ) == [
        ("C_EXPO", dt.date(2026, 3, 1), Decimal("500000.0000"), None),
        ("C_EXPO", dt.date(2026, 4, 1), Decimal("300000.0000"), "JPY"),
    ]


def test_only_currencies_whose_empty_means_jpy_compare_so() -> None:
    from revops.upsert import (
        empty_currency,
    )  # new with the fix: imported here so the other tests run without it

    assert {
        name: empty_currency(contract_table(name), "currency")
        for name in ("campaign_costs", "opportunities", "deals", "opportunity_history")
    } == {"campaign_costs": "JPY", "opportunities": "JPY", "deals": "JPY", "opportunity_history": None}


# --- 5. header names ---------------------------------------------------------------------------------


def test_header_names_match_ignoring_case_spaces_and_full_width(warehouse: Warehouse, tmp_path: Path) -> None:
    """Before: `Amount` was an extra column (ignored) and every amount loaded NULL, exit 0 even --strict."""
    raw = copied(tmp_path)
    replace_line(
        raw / "opportunities.csv",
        1,
        "Opportunity ID,lead-id,ＢＵＳＩＮＥＳＳ＿ＵＮＩＴ,owner_id,created_at, Stage　,Amount,currency,closed_at,is_won",
    )
    report = load_dir(raw, warehouse.path, export_time=EXPORT_TIME, strict=True)
    assert report.loaded, report.problems
    opportunities = next(table for table in report.tables if table.table == "opportunities")
    assert opportunities.extra_columns == ()
    assert warehouse.query(
        "SELECT opportunity_id, lead_id, business_unit, stage, amount FROM raw.opportunities "
        "WHERE opportunity_id IN ('O01', 'O02') ORDER BY 1"
    ) == [
        ("O01", "L01", "SaaS", "Closed Won", Decimal("1200000.0000")),
        ("O02", "L10", "SaaS", "Negotiation", Decimal("900000.0000")),
    ]


def test_two_header_names_for_one_column_are_an_error(tmp_path: Path) -> None:
    raw = copied(tmp_path)
    path = raw / "campaign_costs.csv"
    path.write_text(
        "campaign_id,cost_date,amount,Amount\nC_EXPO,2026-03-01,500000,600000\n", encoding="utf-8"
    )
    report = load_dir(raw, tmp_path / "w.duckdb", export_time=EXPORT_TIME)
    assert report.exit_code == 2
    assert [str(problem) for problem in report.problems] == [
        f"{path}: column 'amount' appears more than once in the header (as 'amount', 'Amount')"
    ]


# --- 6. Japanese long dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "as_date", "as_timestamp"),
    [
        ("2026年4月1日", dt.date(2026, 4, 1), dt.datetime(2026, 4, 1, 0, 0)),
        ("２０２６年１２月３１日", dt.date(2026, 12, 31), dt.datetime(2026, 12, 31, 0, 0)),
        ("2026年4月1日 10:05", None, dt.datetime(2026, 4, 1, 10, 5)),
        ("2026年4月1日 0:00", dt.date(2026, 4, 1), dt.datetime(2026, 4, 1, 0, 0)),
        ("2026年4月1日10:05", None, None),
        ("26年4月1日", None, None),
    ],
)
def test_a_japanese_long_date_is_a_date(
    text: str, as_date: dt.date | None, as_timestamp: dt.datetime | None
) -> None:
    """Before: `not a date` (the 年月日 form was unknown)."""
    with duckdb.connect() as connection:
        connection.execute("SET TimeZone = 'UTC'")
        row = connection.execute(
            f"SELECT {normalise.date('$1')}, {normalise.timestamp('$1', 'Asia/Tokyo', 'Asia/Tokyo')}", [text]
        ).fetchall()
    assert row == [(as_date, as_timestamp)]


def test_a_japanese_long_date_loads(warehouse: Warehouse, tmp_path: Path) -> None:
    raw = copied(tmp_path)
    replace_line(raw / "campaign_costs.csv", 3, "C_EXPO,2026年4月1日,300000,JPY")
    report = load_dir(raw, warehouse.path, export_time=EXPORT_TIME)
    assert report.loaded, report.problems
    assert counts(report)["campaign_costs"] == (8, 8, 0)
    assert warehouse.query("SELECT cost_date FROM raw.campaign_costs WHERE _line_number = 3") == [
        (dt.date(2026, 4, 1),)
    ]


# --- 7. numbers DECIMAL(20,4) cannot hold or would round ---------------------------------------------


def test_an_amount_out_of_range_or_with_too_many_decimals_is_quarantined(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """Before: `99999999999999999` was "not a number", `1e-9` loaded as 0 and `0.00005` as 0.0001."""
    raw = copied(tmp_path)
    (raw / "campaign_costs.csv").write_text(
        "campaign_id,cost_date,amount,currency\n"
        "C_EXPO,2026-03-01,99999999999999999,\n"
        "C_EXPO,2026-03-02,1e-9,\n"
        "C_EXPO,2026-03-03,0.00005,\n"
        "C_EXPO,2026-03-04,1.50000,\n"
        "C_EXPO,2026-03-05,9999999999999999.9999,\n",
        encoding="utf-8",
    )
    report = load_dir(raw, warehouse.path, export_time=EXPORT_TIME)
    assert report.loaded, report.problems
    assert counts(report)["campaign_costs"] == (5, 2, 3)
    rounded = "more than 4 decimal places (would be rounded: DECIMAL(20,4)); round it in the export"
    assert quarantined(warehouse) == [
        (
            "campaign_costs",
            2,
            "amount: out of range (at most 16 digits before the decimal point: DECIMAL(20,4)): "
            "'99999999999999999'",
        ),
        ("campaign_costs", 3, f"amount: {rounded}: '1e-9'"),
        ("campaign_costs", 4, f"amount: {rounded}: '0.00005'"),
    ]
    assert warehouse.query("SELECT amount FROM raw.campaign_costs ORDER BY 1") == [
        (Decimal("1.5000"),),
        (Decimal("9999999999999999.9999"),),
    ]


# --- 8. a delete flag in a full load ------------------------------------------------------------------


def test_a_full_load_refuses_a_delete_flag(warehouse: Warehouse, tmp_path: Path) -> None:
    """Before: `_deleted` was an ignored extra column and the deleted row loaded as a live one."""
    loaded_core(warehouse)
    before = warehouse.query("SELECT * FROM raw.owners ORDER BY ALL")
    raw = copied(tmp_path)
    path = raw / "owners.csv"
    rows = path.read_text(encoding="utf-8").splitlines()
    path.write_text(
        "\n".join([rows[0] + ",_Deleted", *(row + "," for row in rows[1:-1]), rows[-1] + ",true"]) + "\n",
        encoding="utf-8",
    )
    report = load_dir(raw, warehouse.path, export_time=EXPORT_TIME)
    assert report.exit_code == 2
    assert [str(problem) for problem in report.problems] == [
        f"{path}: column '_deleted' marks deleted rows, which a full load would load as live ones: load this "
        "delta with --mode upsert (a full export has no deleted rows; drop the column)"
    ]
    assert warehouse.query("SELECT * FROM raw.owners ORDER BY ALL") == before
