"""The validated raw loader (scripts/load.py) and validator (scripts/validate.py)."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import FIXTURES, Warehouse, run_script
from revops.contract import contract
from revops.contract import table as contract_table
from revops.loader import Report, TableReport, load_dir, validate_dir
from revops.validation import raw_columns

LOADER_FIXTURES = FIXTURES / "loader"
GOOD = LOADER_FIXTURES / "good"
BAD_ROWS = LOADER_FIXTURES / "bad_rows"
TABLES = tuple(table.name for table in contract())

TS_FORMS = "YYYY-MM-DD or YYYY/M/D, optionally with H:MM[:SS[.fff]] and an offset (Z, +09:00)"
NUMBER_FORMS = "1234.5, 1,234,567, ¥1,234,567 or ￥1,234,567 (full-width digits too)"
BOOLEAN_FORMS = "true/false, TRUE/FALSE, t/f, 1/0, yes/no, はい/いいえ"

# Every row of bad_rows/ that must be quarantined: (table, line, reason). Rows whose only problem is
# an optional reference pointing nowhere (leads line 7, lead_status_changes line 4) are loaded with a
# load note instead; '2026/04/10' and 'jpy' are accepted export forms.
EXPECTED_QUARANTINE = [
    (
        "campaigns",
        4,
        "channel: not one of exhibition, webinar, seminar, paid_search, paid_social, content, email, "
        "referral, outbound, other: 'tv'",
    ),
    ("campaigns", 5, "name: required value missing"),
    ("campaigns", 6, "started_on: not a date (accepted: YYYY-MM-DD or YYYY/M/D): '2026-02-30'"),
    ("owners", 3, "owner_id: duplicate primary key 'O2' (kept line 4, last in file)"),
    ("leads", 3, f"created_at: not a timestamp (accepted: {TS_FORMS}): '2026-13-01'"),
    (
        "leads",
        4,
        f"business_unit: required value missing; crm_mql_at: not a timestamp (accepted: {TS_FORMS}): 'yesterday'",
    ),
    ("leads", 6, "lead_id: duplicate primary key 'L4' (kept line 5, latest updated_at)"),
    ("leads", 8, "lead_id: duplicate primary key 'L6' (kept line 9, last in file)"),
    ("leads", 10, "lead_id: required value missing"),
    ("leads", 11, f"created_at: not a timestamp (accepted: {TS_FORMS}): '2026-04-01T25:00'"),
    ("campaign_costs", 3, "amount: below the minimum 0: '-100'"),
    ("campaign_costs", 4, "amount: required value missing"),
    ("campaign_costs", 5, "(record): malformed CSV record: Expected Number of Columns: 4 Found: 5"),
    ("lead_activities", 3, "lead_id: references missing leads.lead_id: 'L2'"),
    (
        "lead_activities",
        4,
        "lead_id: references missing leads.lead_id: 'L404'; activity_at: required value missing",
    ),
    ("lead_activities", 5, "activity_type: required value missing"),
    ("lead_status_changes", 3, "status: not one of accepted, rejected, disqualified, nurture: 'won'"),
    (
        "opportunities",
        3,
        "amount: ambiguous number (a decimal point or a thousands separator?); "
        f"write {NUMBER_FORMS}: '1.000'; is_won: not a boolean (accepted: {BOOLEAN_FORMS}): 'maybe'",
    ),
    ("deals", 3, "opportunity_id: required value missing (required when deal_type is 'new')"),
    ("deals", 4, "renewed_from_deal_id: required value missing (required when deal_type is 'renewal')"),
    ("deals", 6, "renewed_from_deal_id: references missing deals.deal_id: 'D2'"),
    ("deals", 7, "renewed_from_deal_id: references missing deals.deal_id: 'D5'"),
    (
        "deals",
        8,
        f"amount: not a number (accepted: {NUMBER_FORMS}): 'abc'; "
        "contract_end: not a date (accepted: YYYY-MM-DD or YYYY/M/D): '2026-13-40'",
    ),
    ("deals", 9, "deal_type: not one of new, renewal, expansion: 'upsell'"),
]
LOADER_TABLES = ("business_calendar", "load_changed_leads", "load_metadata", "load_notes")


def copy_dir(source: Path, tmp_path: Path, name: str = "raw") -> Path:
    target = tmp_path / name
    shutil.copytree(source, target)
    return target


def rewrite(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.write_bytes(text.encode(encoding))


CAMPAIGNS_HEADER = "campaign_id,name,channel,business_unit,started_on,ended_on"


def validated_campaigns(tmp_path: Path, text: str) -> TableReport:
    """The good directory with campaigns.csv replaced by `text`, validated: the campaigns table's report."""
    raw = copy_dir(GOOD, tmp_path)
    rewrite(raw / "campaigns.csv", text)
    report = validate_dir(raw)
    assert report.exit_code != 2, report.problems
    return next(table for table in report.tables if table.table == "campaigns")


def snapshot(db_path: Path) -> dict[str, list[tuple]]:
    """Every table of schema raw with all its rows, for before/after comparisons."""
    with duckdb.connect(str(db_path), read_only=True) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' ORDER BY 1"
            ).fetchall()
        ]
        return {
            name: connection.execute(f'SELECT * FROM raw."{name}" ORDER BY ALL').fetchall() for name in names
        }


def assert_balanced(report: Report) -> None:
    for table in report.tables:
        assert table.rows_read == table.rows_loaded + table.rows_quarantined, table


@pytest.fixture
def good_warehouse(warehouse: Warehouse) -> Warehouse:
    report = load_dir(GOOD, warehouse.path)
    assert report.exit_code == 0 and report.loaded, report.problems
    return warehouse


# --- a clean load -------------------------------------------------------------------------


def test_good_directory_loads_every_table_with_contract_columns(warehouse: Warehouse) -> None:
    result = warehouse.load(GOOD)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    tables = warehouse.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' ORDER BY 1"
    )
    assert [row[0] for row in tables] == sorted([*TABLES, "quarantine", *LOADER_TABLES])
    # the change log: one row without a lead, every row is new (revops.loadmeta)
    assert warehouse.query("SELECT * FROM raw.load_changed_leads") == [(None, None, GOOD.name)]
    for table in contract():
        columns = warehouse.query(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'raw' AND table_name = ? ORDER BY ordinal_position",
            [table.name],
        )
        assert columns == list(raw_columns(table))
    assert warehouse.query("SELECT count(*) FROM raw.quarantine") == [(0,)]
    counts = {name: warehouse.query(f"SELECT count(*) FROM raw.{name}")[0][0] for name in TABLES}
    assert counts == {
        "campaigns": 2,
        "owners": 2,
        "leads": 3,
        "campaign_costs": 2,
        "lead_activities": 3,
        "lead_status_changes": 2,
        "opportunities": 3,
        "deals": 3,
        "opportunity_history": 0,  # optional and not exported: loaded empty
    }
    for name in TABLES:
        assert name in result.stdout
    assert "loaded 20 rows" in result.stdout


def test_values_are_typed_converted_and_japanese_round_trips(good_warehouse: Warehouse) -> None:
    leads = good_warehouse.query("SELECT * FROM raw.leads ORDER BY _line_number")
    assert leads == [
        (
            "L1",
            datetime(2026, 4, 1, 1, 30),  # 2026-03-31T16:30:00Z: next fiscal year in Asia/Tokyo
            "BU1",
            "C1",
            "株式会社テスト",
            "test.co.jp",
            "taro@test.co.jp",
            None,
            datetime(2026, 4, 1, 9, 0),  # +09:00 unchanged
            "leads.csv",
            2,
        ),
        (
            "L2",
            datetime(2026, 4, 1, 10, 0),
            "BU1",
            "C2",
            "Acme, Inc.",
            "acme.com",
            "a@acme.com",
            datetime(2026, 4, 2, 12, 0),  # naive, no seconds: already reporting time
            datetime(2026, 4, 2, 0, 0),  # bare date: midnight
            "leads.csv",
            3,
        ),
        (
            "L3",
            datetime(2026, 4, 2, 8, 15),
            "BU2",
            None,
            "ﾊﾝｶｸ商事 ～①",
            None,
            None,
            None,
            None,
            "leads.csv",
            4,
        ),
    ]
    assert good_warehouse.query("SELECT activity_id, activity_at FROM raw.lead_activities ORDER BY 1") == [
        ("A1", datetime(2026, 4, 1, 1, 45)),
        ("A2", datetime(2026, 4, 2, 11, 0)),  # +0900
        ("A3", datetime(2026, 4, 3, 9, 0, 0, 123000)),
    ]
    assert good_warehouse.query(
        "SELECT opportunity_id, amount, currency, closed_at, is_won FROM raw.opportunities ORDER BY 1"
    ) == [
        ("OP1", Decimal("1200000.0000"), "JPY", datetime(2026, 5, 1, 10, 0), True),
        ("OP2", Decimal("5000.5000"), "USD", None, None),
        ("OP3", None, None, datetime(2026, 4, 20, 0, 0), False),
    ]
    assert good_warehouse.query("SELECT * EXCLUDE (_source_file) FROM raw.deals ORDER BY 1") == [
        (
            "D1",
            "OP1",
            date(2026, 5, 1),
            "new",
            Decimal("1200000"),
            None,
            date(2026, 5, 1),
            date(2027, 4, 30),
            None,
            2,
        ),
        (
            "D2",
            None,
            date(2027, 4, 15),
            "renewal",
            Decimal("1300000"),
            "JPY",
            date(2027, 5, 1),
            date(2028, 4, 30),
            "D1",
            3,
        ),
        (
            "D3",
            None,
            date(2026, 10, 1),
            "expansion",
            Decimal("300000"),
            "JPY",
            date(2026, 10, 1),
            date(2027, 4, 30),
            None,
            4,
        ),
    ]
    assert good_warehouse.query("SELECT campaign_id, name, business_unit FROM raw.campaigns ORDER BY 1") == [
        ("C1", "展示会 2026 春", "BU1"),
        ("C2", "ウェビナー「DX入門」", None),
    ]


# --- bad rows -----------------------------------------------------------------------------


def test_bad_rows_are_quarantined_with_exact_reasons(warehouse: Warehouse) -> None:
    report = load_dir(BAD_ROWS, warehouse.path)
    assert report.exit_code == 0 and report.loaded
    assert_balanced(report)
    quarantined = warehouse.query("SELECT table_name, line_number, reason FROM raw.quarantine")
    assert quarantined == EXPECTED_QUARANTINE
    assert warehouse.query("SELECT DISTINCT source_file FROM raw.quarantine WHERE table_name = 'leads'") == [
        ("leads.csv",)
    ]
    by_table = {
        table.table: (table.rows_read, table.rows_loaded, table.rows_quarantined) for table in report.tables
    }
    assert by_table == {
        "campaigns": (5, 2, 3),
        "owners": (3, 2, 1),
        "leads": (10, 4, 6),
        "campaign_costs": (5, 2, 3),
        "lead_activities": (4, 1, 3),
        "lead_status_changes": (4, 3, 1),
        "opportunities": (4, 3, 1),
        "deals": (8, 2, 6),
        "opportunity_history": (0, 0, 0),  # optional and not exported
    }
    for name, (read, loaded, quarantined_rows) in by_table.items():
        assert warehouse.query(f"SELECT count(*) FROM raw.{name}") == [(loaded,)]
        assert warehouse.query("SELECT count(*) FROM raw.quarantine WHERE table_name = ?", [name]) == [
            (quarantined_rows,)
        ]
        assert read == loaded + quarantined_rows


def test_raw_record_is_the_row_as_read(warehouse: Warehouse) -> None:
    load_dir(BAD_ROWS, warehouse.path)
    records = dict(
        warehouse.query("SELECT line_number, raw_record FROM raw.quarantine WHERE table_name = 'leads'")
    )
    assert json.loads(records[6]) == {
        "lead_id": "L4",
        "created_at": "2026-04-01T10:00:00+09:00",
        "business_unit": "BU1",
        "source_campaign_id": None,
        "company_name": "older",
        "company_domain": None,
        "email": None,
        "crm_mql_at": None,
        "updated_at": "2026-04-03T00:00:00+09:00",
    }
    malformed = warehouse.query(
        "SELECT raw_record FROM raw.quarantine WHERE table_name = 'campaign_costs' AND line_number = 5"
    )
    assert json.loads(malformed[0][0]) == {"_csv_record": "C1,2026-03-04,100,JPY,extra"}


def test_duplicates_keep_latest_updated_at_or_last_in_file(warehouse: Warehouse) -> None:
    load_dir(BAD_ROWS, warehouse.path)
    assert warehouse.query("SELECT lead_id, company_name, _line_number FROM raw.leads ORDER BY 1") == [
        ("L1", "株式会社テスト", 2),
        ("L4", "newest", 5),  # latest updated_at, though earlier in the file
        ("L5", None, 7),  # its unknown source campaign C3 set to null (raw.load_notes)
        ("L6", "second", 9),  # equal updated_at: the last in the file
    ]
    assert warehouse.query("SELECT owner_id, name, _line_number FROM raw.owners ORDER BY 1") == [
        ("O1", "山田", 2),
        ("O2", "佐藤 (new)", 4),  # no updated_at: the last in the file
    ]


def test_references_are_checked_against_loaded_rows(warehouse: Warehouse) -> None:
    load_dir(BAD_ROWS, warehouse.path)
    # D5 renews the quarantined D2, D6 renews D5: both quarantined; D4 renews the loaded D1.
    assert warehouse.query("SELECT deal_id, renewed_from_deal_id FROM raw.deals ORDER BY 1") == [
        ("D1", None),
        ("D4", "D1"),
    ]
    assert warehouse.query("SELECT activity_id FROM raw.lead_activities") == [("A1",)]
    # the record after a malformed CSV record keeps its own line number
    assert warehouse.query("SELECT cost_date, amount, _line_number FROM raw.campaign_costs ORDER BY 3") == [
        (date(2026, 3, 1), Decimal("500000"), 2),
        (date(2026, 3, 5), Decimal("200"), 6),
    ]


def test_cli_reports_quarantined_rows_on_stderr(warehouse: Warehouse) -> None:
    result = warehouse.load(BAD_ROWS)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    leads = BAD_ROWS / "leads.csv"
    assert f"{leads}:3:created_at: not a timestamp (accepted: {TS_FORMS}): '2026-13-01'" in lines
    assert f"{leads}:4:business_unit: required value missing" in lines
    assert f"{leads}:4:crm_mql_at: not a timestamp (accepted: {TS_FORMS}): 'yesterday'" in lines
    costs = BAD_ROWS / "campaign_costs.csv"
    assert f"{costs}:5:(record): malformed CSV record: Expected Number of Columns: 4 Found: 5" in lines
    assert "loaded 19 rows" in result.stdout


def test_line_numbers_count_a_multiline_record_as_one_line(tmp_path: Path) -> None:
    campaigns = validated_campaigns(
        tmp_path,
        f"{CAMPAIGNS_HEADER}\n"
        'C1,"展示会\n2026 春",exhibition,BU1,2026-03-01,2026-03-03\n'
        "C2,Webinar,webinar,,2026-04-10,\n"
        "C3,Broken,webinar,,2026-04-31,\n",
    )
    assert [(issue.line, issue.column) for issue in campaigns.issues] == [(4, "started_on")]


# --- exit codes and file problems ---------------------------------------------------------


def test_a_quote_left_open_stops_the_load_at_its_line_and_column(tmp_path: Path) -> None:
    """C2's name opens a quote that nothing closes: C2, C3 and C4 are one record to any CSV reader, so
    C3 and C4 could be neither loaded nor quarantined as rows. The file is a problem (exit 2) naming the
    line of the opening quote and its column; before, the three lines were quarantined as one record
    (and only the first 10,000 characters of a longer one were kept)."""
    raw = copy_dir(GOOD, tmp_path)
    rewrite(
        raw / "campaigns.csv",
        f"{CAMPAIGNS_HEADER}\n"
        "C1,Expo,exhibition,BU1,2026-03-01,2026-03-03\n"
        'C2,"Webinar,webinar,,2026-04-10,\n'
        "C3,Seminar,seminar,,2026-04-11,\n"
        "C4,Ads,paid_search,,2026-04-12,\n",
    )
    report = validate_dir(raw)
    assert report.exit_code == 2
    assert [str(problem) for problem in report.problems] == [
        f"{raw / 'campaigns.csv'}:3:name: a quote opened in this field is never closed: every CSV reader takes "
        "the rest of the file into this one value, so the rows after it cannot be read; close the quote "
        '(a quote inside a quoted value is written "") and export the file again'
    ]


def test_a_stray_quote_inside_a_quoted_value_is_quarantined_and_the_rows_after_it_load(
    tmp_path: Path,
) -> None:
    """An inner quote not doubled (C2: `"Webinar "Live" 2026"`) and text after a closing quote (C3:
    `"Seminar" Tokyo`): each quote is closed on its own line, so C4 and C5 are read as rows. The two records
    are quarantined and the rest loads (read 5 = loaded 3 + quarantined 2), as before the unclosed-quote
    rule; that rule first refused the whole file for them (exit 2, "never closed", no row loaded)."""
    raw = copy_dir(GOOD, tmp_path)
    rewrite(
        raw / "campaigns.csv",
        f"{CAMPAIGNS_HEADER}\n"
        "C1,Expo,exhibition,BU1,2026-03-01,2026-03-03\n"
        'C2,"Webinar "Live" 2026",webinar,,2026-04-10,\n'
        'C3,"Seminar" Tokyo,seminar,,2026-04-11,\n'
        "C4,Ads,paid_search,,2026-04-12,\n"
        "C5,Seminar,seminar,,2026-04-13,\n",
    )
    report = validate_dir(raw)
    assert report.exit_code == 0, [str(problem) for problem in report.problems]
    campaigns = next(table for table in report.tables if table.table == "campaigns")
    assert (campaigns.rows_read, campaigns.rows_loaded, campaigns.rows_quarantined) == (5, 3, 2)
    assert sorted({issue.line for issue in campaigns.issues}) == [3, 4]


def test_line_numbers_skip_blank_lines_around_malformed_records(tmp_path: Path) -> None:
    """Blank lines are not counted, before the header (one here holds only spaces) or between records,
    malformed or not.

    Lines (header = 1): C1 2, C2 3 (malformed: a seventh field), C3 4, C4 5 (malformed), C5 6 (bad date).
    DuckDB's reject store counts blank lines, so its numbers are corrected; the records after a
    malformed one are then numbered from the corrected lines.
    """
    campaigns = validated_campaigns(
        tmp_path,
        f"\r\n  \r\n{CAMPAIGNS_HEADER}\r\n"
        "C1,Expo,exhibition,BU1,2026-03-01,2026-03-03\r\n"
        "\r\n"
        "C2,Webinar,webinar,,2026-04-10,,extra\r\n"
        "C3,Seminar,seminar,,2026-04-11,\r\n"
        "\r\n\r\n"
        "C4,Ads,paid_search\r\n"
        "C5,Broken,webinar,,2026-04-31,\r\n",
    )
    assert (campaigns.rows_read, campaigns.rows_loaded, campaigns.rows_quarantined) == (5, 2, 3)
    assert [(issue.line, issue.column) for issue in campaigns.issues] == [
        (3, "(record)"),
        (5, "(record)"),
        (6, "started_on"),
    ]


def test_strict_writes_nothing_and_exits_1(good_warehouse: Warehouse) -> None:
    before = snapshot(good_warehouse.path)
    result = good_warehouse.load(BAD_ROWS, "--strict")
    assert result.returncode == 1, result.stderr
    assert "nothing was written" in result.stdout
    assert snapshot(good_warehouse.path) == before


def test_strict_with_clean_data_loads(warehouse: Warehouse) -> None:
    result = warehouse.load(GOOD, "--strict")
    assert result.returncode == 0, result.stderr
    assert warehouse.query("SELECT count(*) FROM raw.leads") == [(3,)]


def _drop_deals(raw: Path) -> str:
    (raw / "deals.csv").unlink()
    return f"{raw}: missing file for table deals: expected deals.csv or deals.parquet"


def _drop_required_column(raw: Path) -> str:
    rewrite(raw / "leads.csv", "lead_id,business_unit\nL1,BU1\n")
    return f"{raw / 'leads.csv'}: missing required column 'created_at'"


def _csv_and_parquet(raw: Path) -> str:
    pq.write_table(pa.table({"owner_id": ["O1"], "team": ["marketing"]}), raw / "owners.parquet")
    return f"{raw / 'owners.csv'}: both owners.csv and owners.parquet present for table owners; keep one"


def _empty_file(raw: Path) -> str:
    rewrite(raw / "owners.csv", "")
    return f"{raw / 'owners.csv'}: empty file: no header row"


def _directory_instead_of_file(raw: Path) -> str:
    (raw / "owners.csv").unlink()
    (raw / "owners.csv").mkdir()
    return f"{raw / 'owners.csv'}: cannot read file"


def _neither_utf8_nor_cp932(raw: Path) -> str:
    (raw / "owners.csv").write_bytes(
        b"owner_id,name,team,business_unit\nO1,\x82\xa0\x85\x40,inside_sales,BU1\n"
    )
    return f"{raw / 'owners.csv'}: neither UTF-8 nor cp932 text"


def _invalid_utf8_after_the_header(raw: Path) -> str:
    text = (raw / "leads.csv").read_bytes() + ("x" * 20000 + "\n").encode() * 2
    (raw / "leads.csv").write_bytes(text + b"L9,2026-04-01,BU1,,\x82\xa0\xff,,,,\n")
    return f"{raw / 'leads.csv'}"


def _corrupt_parquet(raw: Path) -> str:
    (raw / "owners.csv").unlink()
    (raw / "owners.parquet").write_bytes(b"PAR1 this is not parquet")
    return f"{raw / 'owners.parquet'}: cannot read parquet file"


@pytest.mark.parametrize(
    "breaker",
    [
        _drop_deals,
        _drop_required_column,
        _csv_and_parquet,
        _empty_file,
        _directory_instead_of_file,
        _neither_utf8_nor_cp932,
        _corrupt_parquet,
    ],
)
def test_file_problem_exits_2_and_keeps_previous_raw_data(
    good_warehouse: Warehouse, tmp_path: Path, breaker
) -> None:
    before = snapshot(good_warehouse.path)
    raw = copy_dir(BAD_ROWS, tmp_path)
    expected = breaker(raw)
    result = good_warehouse.load(raw)
    assert result.returncode == 2, result.stdout + result.stderr
    assert any(line.startswith(expected) for line in result.stderr.splitlines()), result.stderr
    assert "nothing was written" in result.stdout
    assert snapshot(good_warehouse.path) == before


def test_missing_required_column_names_every_column(tmp_path: Path) -> None:
    raw = copy_dir(GOOD, tmp_path)
    rewrite(raw / "deals.csv", "deal_id,opportunity_id\nD1,OP1\n")
    report = validate_dir(raw)
    assert report.exit_code == 2
    assert [(problem.path, problem.column) for problem in report.problems] == [
        (raw / "deals.csv", "signed_at"),
        (raw / "deals.csv", "deal_type"),
        (raw / "deals.csv", "amount"),
    ]


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    raw = copy_dir(GOOD, tmp_path)
    _invalid_utf8_after_the_header(raw)
    report = validate_dir(raw, encoding="utf-8")  # forced: no detection, so DuckDB names the line
    assert report.exit_code == 2
    (problem,) = report.problems
    assert problem.path == raw / "leads.csv"
    assert problem.line == 7
    assert "--encoding FILE=cp932" in problem.message


def test_unknown_timezone_and_encoding_exit_2(warehouse: Warehouse) -> None:
    result = warehouse.load(GOOD, "--timezone", "Mars/Olympus")
    assert result.returncode == 2
    assert "--timezone: unknown timezone 'Mars/Olympus'" in result.stderr
    result = warehouse.load(GOOD, "--encoding", "klingon")
    assert result.returncode == 2
    assert "--encoding: unknown encoding 'klingon'" in result.stderr
    assert not warehouse.path.exists()


# --- encodings, formats, columns ----------------------------------------------------------


def test_utf8_bom_is_accepted(warehouse: Warehouse, tmp_path: Path) -> None:
    raw = copy_dir(GOOD, tmp_path)
    for path in raw.glob("*.csv"):
        rewrite(path, path.read_text(encoding="utf-8"), "utf-8-sig")
    assert (raw / "leads.csv").read_bytes().startswith(b"\xef\xbb\xbflead_id,")
    report = load_dir(raw, warehouse.path)
    assert report.exit_code == 0, report.problems
    assert all(not table.extra_columns and not table.missing_optional_columns for table in report.tables)
    assert warehouse.query("SELECT lead_id, company_name FROM raw.leads ORDER BY 1") == [
        ("L1", "株式会社テスト"),
        ("L2", "Acme, Inc."),
        ("L3", "ﾊﾝｶｸ商事 ～①"),
    ]


def test_cp932_round_trips_japanese_text(warehouse: Warehouse, tmp_path: Path) -> None:
    raw = copy_dir(GOOD, tmp_path)
    for path in raw.glob("*.csv"):
        rewrite(path, path.read_text(encoding="utf-8"), "cp932")
    with pytest.raises(UnicodeDecodeError):
        (raw / "campaigns.csv").read_text(encoding="utf-8")
    result = warehouse.load(raw, "--encoding", "cp932")
    assert result.returncode == 0, result.stderr
    assert warehouse.query("SELECT name FROM raw.campaigns ORDER BY 1") == [
        ("ウェビナー「DX入門」",),
        ("展示会 2026 春",),
    ]
    assert warehouse.query("SELECT company_name FROM raw.leads ORDER BY _line_number") == [
        ("株式会社テスト",),
        ("Acme, Inc.",),
        ("ﾊﾝｶｸ商事 ～①",),
    ]
    assert warehouse.query("SELECT name FROM raw.owners ORDER BY 1") == [("佐藤 花子",), ("山田 太郎",)]


def test_timezone_option_overrides_the_reporting_timezone(warehouse: Warehouse) -> None:
    result = warehouse.load(GOOD, "--timezone", "UTC")
    assert result.returncode == 0, result.stderr
    assert warehouse.query("SELECT lead_id, created_at FROM raw.leads ORDER BY 1") == [
        ("L1", datetime(2026, 3, 31, 16, 30)),  # Z: unchanged in UTC
        ("L2", datetime(2026, 4, 1, 1, 0)),  # +09:00 converted to UTC
        ("L3", datetime(2026, 4, 2, 8, 15)),  # naive: taken as reporting time
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-31T16:30:00Z", datetime(2026, 4, 1, 1, 30)),
        ("2026-03-31 16:30Z", datetime(2026, 4, 1, 1, 30)),
        ("2026-03-31T16:30:00+09:00", datetime(2026, 3, 31, 16, 30)),
        ("2026-03-31T16:30:00+0900", datetime(2026, 3, 31, 16, 30)),
        ("2026-03-31T10:00:00-05:30", datetime(2026, 4, 1, 0, 30)),
        ("2026-03-31T16:30:00", datetime(2026, 3, 31, 16, 30)),
        ("2026-03-31T16:30:00.250", datetime(2026, 3, 31, 16, 30, 0, 250000)),
        ("2026-03-31", datetime(2026, 3, 31, 0, 0)),
        # Japanese Excel / Salesforce-JP report forms
        ("2026/03/31 16:30", datetime(2026, 3, 31, 16, 30)),
        ("2026/3/31 9:05", datetime(2026, 3, 31, 9, 5)),
        ("2026-03-31 9:05:00", datetime(2026, 3, 31, 9, 5)),
        ("2026/3/31", datetime(2026, 3, 31, 0, 0)),
        ("２０２６／３／３１　９：０５", datetime(2026, 3, 31, 9, 5)),
        ("2026-03-31T16:30:00 JST", None),
        ("2026-03-31Z", None),
        ("2026-02-29T00:00:00", None),
        ("31-03-2026", "ambiguous"),
        ("04/01/2026", "ambiguous"),
    ],
)
def test_timestamp_forms(
    warehouse: Warehouse, tmp_path: Path, text: str, expected: datetime | str | None
) -> None:
    raw = copy_dir(GOOD, tmp_path)
    rewrite(
        raw / "lead_activities.csv",
        f"activity_id,lead_id,activity_at,activity_type,campaign_id\nA1,L1,{text},form_submit,\n",
    )
    report = load_dir(raw, warehouse.path)
    assert_balanced(report)
    loaded = warehouse.query("SELECT activity_at FROM raw.lead_activities")
    reasons = warehouse.query("SELECT reason FROM raw.quarantine")
    if expected is None:
        assert loaded == []
        assert reasons == [(f"activity_at: not a timestamp (accepted: {TS_FORMS}): '{text}'",)]
    elif expected == "ambiguous":
        assert loaded == []
        assert reasons == [
            (f"activity_at: ambiguous date (month/day or day/month?); write {TS_FORMS}: '{text}'",)
        ]
    else:
        assert loaded == [(expected,)]
        assert reasons == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("FALSE", False),
        ("1", True),
        ("0", False),
        ("Yes", True),
        ("no", False),
        ("t", True),
        ("F", False),
        ("TRUE", True),
        ("はい", True),
        ("いいえ", False),
        ("ｔｒｕｅ", True),
    ],
)
def test_boolean_words(warehouse: Warehouse, tmp_path: Path, text: str, expected: bool) -> None:
    raw = copy_dir(GOOD, tmp_path)
    rewrite(
        raw / "opportunities.csv",
        f"opportunity_id,business_unit,created_at,stage,is_won\nOP1,BU1,2026-04-05,won,{text}\n",
    )
    load_dir(raw, warehouse.path)
    assert warehouse.query("SELECT is_won FROM raw.opportunities") == [(expected,)]


def test_parquet_input(warehouse: Warehouse, tmp_path: Path) -> None:
    raw = copy_dir(GOOD, tmp_path)
    (raw / "leads.csv").unlink()
    utc = pa.timestamp("us", tz="UTC")
    table = pa.table(
        {
            "lead_id": ["L1", "L2", "L3", "L4"],
            "created_at": pa.array(
                [datetime(2026, 3, 31, 16, 30), datetime(2026, 4, 1, 1, 0), None, datetime(2026, 4, 2)],
                type=utc,
            ),
            "business_unit": ["BU1", "BU1", "BU1", "BU2"],
            "company_name": ["株式会社テスト", "Acme", "欠損", "ﾊﾝｶｸ"],
            "updated_at": ["2026-04-01T09:00:00+09:00", "2026-04-02", None, "2026-04-02 10:00"],
        }
    )
    pq.write_table(table, raw / "leads.parquet")
    report = load_dir(raw, warehouse.path)
    assert report.exit_code == 0, report.problems
    assert_balanced(report)
    leads = next(t for t in report.tables if t.table == "leads")
    assert leads.path == raw / "leads.parquet"
    assert leads.missing_optional_columns == ("source_campaign_id", "company_domain", "email", "crm_mql_at")
    assert warehouse.query(
        "SELECT lead_id, created_at, company_name, updated_at, _source_file, _line_number FROM raw.leads ORDER BY 1"
    ) == [
        ("L1", datetime(2026, 4, 1, 1, 30), "株式会社テスト", datetime(2026, 4, 1, 9, 0), "leads.parquet", 1),
        ("L2", datetime(2026, 4, 1, 10, 0), "Acme", datetime(2026, 4, 2, 0, 0), "leads.parquet", 2),
        ("L4", datetime(2026, 4, 2, 9, 0), "ﾊﾝｶｸ", datetime(2026, 4, 2, 10, 0), "leads.parquet", 4),
    ]
    assert warehouse.query("SELECT table_name, source_file, line_number, reason FROM raw.quarantine") == [
        ("leads", "leads.parquet", 3, "created_at: required value missing"),
        (
            "lead_status_changes",
            "lead_status_changes.csv",
            3,
            "lead_id: references missing leads.lead_id: 'L3'",
        ),
    ]


def test_extra_columns_reported_and_ignored_missing_optional_loaded_as_null(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    raw = copy_dir(GOOD, tmp_path)
    rewrite(
        raw / "leads.csv",
        "メモ,updated_at,lead_id,business_unit,created_at,notes\n"
        "備考あり,2026-04-01,L1,BU1,2026-04-01T09:00:00+09:00,x\n"
        ",,L2,BU1,2026-04-01 10:00,\n"
        ",,L3,BU1,2026-04-01 11:00,\n",
    )
    result = warehouse.load(raw)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "note: leads.csv: extra columns ignored: メモ, notes" in lines
    assert (
        "note: leads.csv: missing optional columns loaded as NULL: "
        "source_campaign_id, company_name, company_domain, email, crm_mql_at"
    ) in lines
    columns = [row[0] for row in warehouse.query("SELECT column_name FROM (DESCRIBE raw.leads)")]
    assert columns == [*contract_table("leads").column_names, "_source_file", "_line_number"]
    assert warehouse.query(
        "SELECT lead_id, created_at, company_name, crm_mql_at, updated_at FROM raw.leads ORDER BY 1"
    ) == [
        ("L1", datetime(2026, 4, 1, 9, 0), None, None, datetime(2026, 4, 1, 0, 0)),
        ("L2", datetime(2026, 4, 1, 10, 0), None, None, None),
        ("L3", datetime(2026, 4, 1, 11, 0), None, None, None),
    ]
    report = validate_dir(raw)
    leads = next(t for t in report.tables if t.table == "leads")
    assert leads.extra_columns == ("メモ", "notes")
    assert leads.missing_optional_columns == (
        "source_campaign_id",
        "company_name",
        "company_domain",
        "email",
        "crm_mql_at",
    )


def test_header_only_files_load_empty_tables(warehouse: Warehouse, tmp_path: Path) -> None:
    raw = copy_dir(GOOD, tmp_path)
    for path in raw.glob("*.csv"):
        rewrite(path, path.read_text(encoding="utf-8").splitlines()[0] + "\n")
    report = load_dir(raw, warehouse.path)
    assert report.exit_code == 0 and report.loaded
    assert report.rows_read == 0
    for name in [*TABLES, "quarantine"]:
        assert warehouse.query(f"SELECT count(*) FROM raw.{name}") == [(0,)]


def test_a_new_load_replaces_raw_data_and_quarantine(warehouse: Warehouse) -> None:
    load_dir(BAD_ROWS, warehouse.path)
    assert warehouse.query("SELECT count(*) FROM raw.quarantine") == [(len(EXPECTED_QUARANTINE),)]
    report = load_dir(GOOD, warehouse.path)
    assert report.exit_code == 0
    assert warehouse.query("SELECT count(*) FROM raw.quarantine") == [(0,)]
    assert warehouse.query("SELECT lead_id FROM raw.leads ORDER BY 1") == [("L1",), ("L2",), ("L3",)]


# --- validate.py and --dry-run touch nothing ----------------------------------------------


def test_dry_run_touches_no_warehouse(warehouse: Warehouse) -> None:
    result = warehouse.load(BAD_ROWS, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "dry run: validated only; nothing was written" in result.stdout
    assert f"{BAD_ROWS / 'leads.csv'}:3:created_at: not a timestamp (accepted: {TS_FORMS}): '2026-13-01'" in (
        result.stderr
    )
    assert not warehouse.path.exists()


def test_dry_run_keeps_an_existing_warehouse(good_warehouse: Warehouse) -> None:
    before = snapshot(good_warehouse.path)
    result = good_warehouse.load(BAD_ROWS, "--dry-run")
    assert result.returncode == 0
    assert snapshot(good_warehouse.path) == before


def test_validate_script_prints_the_same_report_and_writes_nothing(tmp_path: Path) -> None:
    db_path = tmp_path / "never.duckdb"
    env = {"REVOPS_DUCKDB_PATH": str(db_path)}
    result = run_script("validate.py", "--raw-dir", str(BAD_ROWS), env=env)
    assert result.returncode == 0, result.stderr
    # validate.py never opens a warehouse, so it does not claim that "nothing was written"
    assert (
        "valid: 19 rows would load, 24 would be quarantined (validate.py opens no warehouse)" in result.stdout
    )
    assert "written" not in result.stdout
    for name in TABLES:
        assert name in result.stdout
    lines = result.stderr.splitlines()
    assert f"{BAD_ROWS / 'deals.csv'}:9:deal_type: not one of new, renewal, expansion: 'upsell'" in lines
    assert run_script("validate.py", "--raw-dir", str(BAD_ROWS), "--strict", env=env).returncode == 1
    assert run_script("validate.py", "--raw-dir", str(GOOD), "--strict", env=env).returncode == 0
    missing = run_script("validate.py", "--raw-dir", str(tmp_path / "nope"), env=env)
    assert missing.returncode == 2
    assert f"{tmp_path / 'nope'}: not a directory" in missing.stderr
    assert not db_path.exists()


def test_validate_dir_api_matches_load_dir(tmp_path: Path) -> None:
    validated = validate_dir(BAD_ROWS)
    loaded = load_dir(BAD_ROWS, tmp_path / "w.duckdb")
    assert not validated.loaded and loaded.loaded
    summary = [(t.table, t.rows_read, t.rows_loaded, t.rows_quarantined) for t in validated.tables]
    assert summary == [(t.table, t.rows_read, t.rows_loaded, t.rows_quarantined) for t in loaded.tables]
    assert [t.table for t in validated.tables] == list(TABLES)
    assert_balanced(validated)


# --- the write is one transaction ---------------------------------------------------------


def test_a_failure_inside_the_write_transaction_rolls_everything_back(
    good_warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(good_warehouse.path)

    def explode(self: object) -> None:
        raise duckdb.IOException("disk full (simulated)")

    monkeypatch.setattr("revops.loader._Session._replace_quarantine", explode)
    report = load_dir(BAD_ROWS, good_warehouse.path)
    assert report.exit_code == 2 and not report.loaded
    assert "cannot write the warehouse" in report.problems[0].message
    assert snapshot(good_warehouse.path) == before


def test_a_locked_warehouse_exits_2_and_stays_unchanged(good_warehouse: Warehouse) -> None:
    before = snapshot(good_warehouse.path)
    with duckdb.connect(str(good_warehouse.path)):  # another process cannot open it for writing
        # the script, in a process of its own (Warehouse.load runs the command in this one)
        result = run_script(
            "load.py", "--raw-dir", str(BAD_ROWS), env={"REVOPS_DUCKDB_PATH": str(good_warehouse.path)}
        )
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{good_warehouse.path}: cannot write the warehouse" in result.stderr
    assert snapshot(good_warehouse.path) == before


def test_files_of_no_contract_table_are_reported_and_ignored(tmp_path: Path) -> None:
    raw = copy_dir(GOOD, tmp_path)
    rewrite(raw / "README.txt", "exported 2026-04-01\n")
    rewrite(raw / "accounts.csv", "account_id\nX1\n")
    result = run_script("validate.py", "--raw-dir", str(raw))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "note: README.txt ignored (not a contract table file)" in lines
    assert "note: accounts.csv ignored (not a contract table file)" in lines
