"""Salesforce as a source: the hand-made fixture built end to end, and the loader's guarantees.

tests/fixtures/salesforce/raw holds Data Loader files (API-name headers, UTC times, one file with
snake_case headers, OpportunityHistory not exported) for every mapping case of the source
(tests/fixtures/salesforce/README.md has the hand computation). They are loaded with
`scripts/load.py --source salesforce` and built with `dbt build --vars {crm_source: salesforce}`;
the marts and the canonical staging relations must equal tests/fixtures/salesforce/expected/*.csv
exactly. Never regenerate the expected files from model output.
"""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from conftest import FIXTURES, NO_UNIT_TESTS, Warehouse
from expected_tables import TableSpec, assert_mart_equals_expected, read_csv
from revops.sources import salesforce
from test_retention import MARTS as RETENTION_MARTS

SALESFORCE = FIXTURES / "salesforce"
RAW = SALESFORCE / "raw"
EXPECTED = SALESFORCE / "expected"
SALESFORCE_VARS = {"crm_source": "salesforce"}

RATIOS = frozenset(
    {"cost_per_lead", "cost_per_mql", "cost_per_sal", "cost_per_opportunity", "cost_per_won", "roi"}
)
RELATIONS: dict[str, TableSpec] = {
    "marts.fct_lead_funnel": TableSpec(key=("lead_id",), numbers=frozenset({"won_amount"})),
    "marts.fct_opportunity": TableSpec(
        key=("opportunity_id",),
        numbers=frozenset({"amount", "won_amount"}),
        doubles=frozenset({"days_open", "current_stage_age_days"}),
    ),
    # The retention marts are compared as test_retention compares its own fixture's.
    "marts.fct_contract": RETENTION_MARTS["fct_contract"][0],
    "marts.mart_arr_bridge": RETENTION_MARTS["mart_arr_bridge"][0],
    "marts.mart_campaign_efficiency": TableSpec(
        key=("campaign_id",),
        numbers=frozenset({"total_cost", "leads", "mqls", "sals", "opportunities", "won_deals", "renewals"})
        | {"won_amount"},
        doubles=RATIOS,
        exact_double_decimals=9,
    ),
    "staging.stg_crm__campaign_costs": TableSpec(
        key=("campaign_id", "cost_date"), numbers=frozenset({"amount"})
    ),
    "staging.stg_crm__lead_activities": TableSpec(key=("activity_id",)),
    "staging.stg_crm__lead_status_changes": TableSpec(key=("lead_id", "changed_at")),
    "staging.stg_crm__owners": TableSpec(key=("owner_id",)),
}


def load_salesforce(warehouse: Warehouse, raw_dir: Path, *extra: str):
    return warehouse.load(raw_dir, "--source", "salesforce", *extra)


@pytest.mark.parametrize("relation", sorted(RELATIONS))
def test_relation_equals_hand_computed_expectation(salesforce_build, relation: str) -> None:
    warehouse, _, _ = salesforce_build
    name = relation.split(".")[1]
    assert_mart_equals_expected(
        name, RELATIONS[relation], EXPECTED, warehouse.query_dicts(f"select * from {relation}")
    )


def test_every_row_loaded_and_the_missing_optional_object_reported(salesforce_build) -> None:
    warehouse, report, _ = salesforce_build
    for path in sorted(RAW.glob("*.csv")):
        table = next(t for t in salesforce.tables() if t.stem == path.stem)
        (count,) = warehouse.query(f'select count(*) from salesforce."{table.name}"')[0]
        assert count == len(read_csv(path)), f"{path.name}: {count} rows loaded"
    assert warehouse.query("select count(*) from salesforce.opportunity_history") == [(0,)]
    assert warehouse.query("select count(*) from salesforce.quarantine") == [(0,)]
    assert "OpportunityHistory not exported (optional)" in report
    # Times are kept in UTC, as a connector keeps them.
    assert warehouse.query(
        "select cast(created_date as varchar) from salesforce.lead where id like '%1EAA'"
    ) == [("2026-09-01 01:00:00",)]


def test_unmapped_values_are_listed_by_warn_tests(salesforce_build) -> None:
    _, _, output = salesforce_build
    warned = set(re.findall(r"WARN \d+ (salesforce_\w+)", output))
    assert warned == {
        "salesforce_unmapped_lead_statuses",  # Nurturing Pool
        "salesforce_unmapped_campaign_types",  # Podcast
        "salesforce_unmapped_user_roles",  # Success Team
    }


def test_deleted_lead_is_left_out_and_every_won_amount_is_in_fct_opportunity(salesforce_build) -> None:
    warehouse, _, _ = salesforce_build
    assert warehouse.query(
        "select count(*) from marts.fct_lead_funnel where lead_id = '00Q000000000003EAA'"
    ) == [(0,)]
    (won,) = warehouse.query("select sum(won_amount) from marts.fct_opportunity")[0]
    (funnel_won,) = warehouse.query("select sum(won_amount) from marts.fct_lead_funnel")[0]
    # 1,200,000 + 250,000 + 1,000,000 + 300,000; the lead funnel counts only people's new deals.
    assert (won, funnel_won) == (2750000, 1500000)


def test_attribution_touches_date_the_source_campaign_by_its_membership(salesforce_build) -> None:
    """The source touch is at the CreatedDate of the membership that makes the campaign the source,
    not before the person's creation (tests/fixtures/salesforce/README.md): L1's C2 (Sent, 09-02 00:00Z)
    at 09-02 09:00, a day after L1's creation; K3's C3 at its membership 09-08 16:00 (K3 created
    15:00), and its response the next day is a second touch; L4's C1 membership responded when it was
    created (12:30), so the response is the source touch, one touch, not two (before: one at L4's
    creation 12:00 and one at 12:30)."""
    warehouse, _, _ = salesforce_build
    assert warehouse.query(
        "select lead_id, activity_id, campaign_id, touch_at, is_source_touch "
        "from intermediate.int_attribution_touches order by lead_id, touch_at"
    ) == [
        ("003000000000003AAA", None, "701000000000003AAA", datetime(2026, 9, 8, 16), True),
        ("003000000000003AAA", "00v000000000003AAA", "701000000000003AAA", datetime(2026, 9, 9), False),
        ("00Q000000000001EAA", None, "701000000000002AAA", datetime(2026, 9, 2, 9), True),
        ("00Q000000000001EAA", "00v000000000002AAA", "701000000000001AAA", datetime(2026, 9, 30), False),
        ("00Q000000000002EAA", "00T000000000002EAA", "701000000000002AAA", datetime(2026, 9, 12, 10), False),
        ("00Q000000000002EAA", "00T000000000004EAA", "701000000000002AAA", datetime(2026, 9, 14, 9), False),
        (
            "00Q000000000004EAA",
            "00v000000000004AAA",
            "701000000000001AAA",
            datetime(2026, 9, 29, 12, 30),
            True,  # the response at the membership's creation is the source touch
        ),
    ]


@pytest.mark.parametrize(
    ("crm_source", "build_fixture"), [("contract", "core_warehouse"), ("salesforce", "salesforce_build")]
)
def test_opportunity_reconciliation_fails_on_a_planted_violation(
    crm_source: str, build_fixture: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """The generic test appears_exactly_once_in (macros/tests), applied to each source's opportunities,
    catches an opportunity missing from fct_opportunity, one in it twice and one the source lacks."""
    built = request.getfixturevalue(build_fixture)
    source = built[0] if isinstance(built, tuple) else built
    planted = Warehouse(tmp_path)
    shutil.copy(source.path, planted.path)
    with duckdb.connect(str(planted.path)) as connection:
        missing, doubled = (
            key
            for (key,) in connection.execute(
                "select opportunity_id from marts.fct_opportunity order by opportunity_id limit 2"
            ).fetchall()
        )
        connection.execute("delete from marts.fct_opportunity where opportunity_id = ?", [missing])
        connection.execute(
            "insert into marts.fct_opportunity select * from marts.fct_opportunity where opportunity_id = ?",
            [doubled],
        )
        connection.execute(
            "insert into marts.fct_opportunity select * replace ('planted-stray' as opportunity_id) "
            "from marts.fct_opportunity where opportunity_id = ?",
            [doubled],
        )
    # The contract source is the default: no vars, so dbt reuses the run's saved parse of them.
    source_vars = SALESFORCE_VARS if crm_source == "salesforce" else None
    tested = planted.dbt("test", "--select", "test_name:appears_exactly_once_in", dbt_vars=source_vars)
    assert not tested.ok, tested.output[-3000:]
    # One test (the other source's is disabled), failing on exactly the three planted keys.
    assert len(re.findall(r"FAIL 3 \S*appears_exactly_once_in", tested.output)) == 1, tested.output[-3000:]


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "export"
    shutil.copytree(RAW, target)
    return target


def _rewrite(path: Path, change: Callable[[list[list[str]]], list[list[str]]]) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(change(rows))


def test_a_campaign_cost_not_fully_booked_is_listed(warehouse: Warehouse, tmp_path: Path) -> None:
    """A cost is spread over its campaign's days; what cannot be is listed by the warn test, never lost
    silently. 4: no dates; 5: EndDate before StartDate; 6: 2026-01-01..2054-12-31, 10,592 days at
    100.00 a day, of which only the first 10,000 are booked (1,000,000 of 1,059,200). The fixture's own
    three campaigns are booked in full."""
    export = _copy(tmp_path)
    campaigns = export / "Campaign.csv"
    campaigns.write_text(
        campaigns.read_text(encoding="utf-8")
        + '"701000000000004AAA","false","No dates","Webinar","Planned","","","50000","JPY",""\n'
        + '"701000000000005AAA","false","Reversed","Webinar","Planned","2026-10-02","2026-09-29","40000","JPY",""\n'
        + '"701000000000006AAA","false","Typo","Webinar","Planned","2026-01-01","2054-12-31","1059200","JPY",""\n',
        encoding="utf-8",
    )
    assert load_salesforce(warehouse, export).returncode == 0
    built = warehouse.dbt(
        "build", "--select", "+salesforce_campaign_costs_not_booked", *NO_UNIT_TESTS, dbt_vars=SALESFORCE_VARS
    )
    assert built.ok, built.output[-4000:]
    assert re.search(r"WARN 3 salesforce_campaign_costs_not_booked", built.output), built.output[-4000:]
    booked = warehouse.query(
        "select campaign_id, sum(amount) from staging.stg_salesforce__crm_campaign_costs group by 1 order by 1"
    )
    assert booked == [
        ("701000000000001AAA", 400000),
        ("701000000000002AAA", 90000),
        ("701000000000003AAA", 30001),
        ("701000000000006AAA", 1000000),
    ]


def test_bad_row_is_quarantined_with_file_line_and_reason(warehouse: Warehouse, tmp_path: Path) -> None:
    export = _copy(tmp_path)

    def break_second_lead(rows: list[list[str]]) -> list[list[str]]:
        rows[2][rows[0].index("CreatedDate")] = "yesterday"
        return rows

    _rewrite(export / "Lead.csv", break_second_lead)
    strict = load_salesforce(warehouse, export, "--strict")
    assert strict.returncode == 1
    assert not warehouse.path.exists()
    loaded = load_salesforce(warehouse, export)
    assert loaded.returncode == 0, loaded.stderr
    assert "Lead.csv:3:created_date: not a timestamp (accepted: " in loaded.stderr
    assert loaded.stderr.rstrip().endswith("'yesterday'")
    assert warehouse.query("select table_name, source_file, line_number from salesforce.quarantine") == [
        ("lead", "Lead.csv", 3)
    ]
    assert warehouse.query("select count(*) from salesforce.lead") == [(3,)]


def test_missing_required_object_exits_2_and_keeps_the_previous_load(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    assert load_salesforce(warehouse, RAW).returncode == 0
    export = _copy(tmp_path)
    (export / "Opportunity.csv").unlink()
    failed = load_salesforce(warehouse, export)
    assert failed.returncode == 2
    assert (
        "missing file for table opportunity: expected Opportunity.csv or Opportunity.parquet" in failed.stderr
    )
    assert warehouse.query("select count(*) from salesforce.opportunity") == [(5,)]
    dry = load_salesforce(warehouse, RAW, "--dry-run")
    assert dry.returncode == 0 and "validated only" in dry.stdout


def test_upper_case_headers_and_parquet_files_are_read(warehouse: Warehouse, tmp_path: Path) -> None:
    export = _copy(tmp_path)
    _rewrite(export / "Task.csv", lambda rows: [[name.upper() for name in rows[0]], *rows[1:]])
    with duckdb.connect() as connection:
        connection.execute(
            f"copy (select * from read_csv('{export / 'Campaign.csv'}', all_varchar = true)) "
            f"to '{export / 'Campaign.parquet'}' (format parquet)"
        )
    (export / "Campaign.csv").unlink()
    loaded = load_salesforce(warehouse, export)
    assert loaded.returncode == 0, loaded.stderr
    assert warehouse.query("select count(*), count(who_id), count(type) from salesforce.task") == [(5, 5, 5)]
    assert warehouse.query("select sum(actual_cost) from salesforce.campaign") == [(520001,)]


def test_snake_case_matches_the_dbt_macro() -> None:
    assert salesforce.snake_case("Business_Unit__c") == "business_unit_c"
    assert salesforce.snake_case("ConvertedOpportunityId") == "converted_opportunity_id"
    assert salesforce.snake_case("MQL_Date__c") == "mql_date_c"
    assert salesforce.header_key("CREATEDDATE") == salesforce.header_key("created_date")


@pytest.mark.postgres
def test_salesforce_fixture_builds_on_postgres_with_the_same_marts(salesforce_build, tmp_path: Path) -> None:
    """The Salesforce tables published to PostgreSQL build the same hand-computed marts there: the
    two marts and everything upstream of them (the Salesforce staging models, the dispatched UTC
    conversion among them), with their data tests. The other marts are the same SQL over the same
    canonical staging models, and are compared on PostgreSQL in test_engines's core build."""
    import uuid

    from revops.dbtcli import run_dbt
    from revops.engines import (
        EngineTarget,
        PostgresSettings,
        create_postgres_database,
        drop_postgres_database,
        postgres_available,
        publish_postgres,
    )

    warehouse, _, _ = salesforce_build
    settings = PostgresSettings.from_env()
    reason = postgres_available(settings)
    assert reason is None, f"PostgreSQL is not available ({reason}); run scripts/engines/start_postgres.sh"
    database = create_postgres_database(settings, f"revops_sf_{uuid.uuid4().hex[:10]}")
    try:
        # The loader's own tables (load metadata, business calendar) live in schema raw for every source.
        publish_postgres(warehouse.path, database, ("salesforce", "raw"))
        target = EngineTarget("postgres", postgres=database)
        # The unit tests (hand-made inputs, no Salesforce ones) ran on PostgreSQL in test_engines's build.
        built = run_dbt(
            [
                "build",
                "--target",
                "postgres",
                *NO_UNIT_TESTS,
                "--select",
                "+fct_opportunity",
                "+fct_lead_funnel",
                "--indirect-selection",
                "cautious",
            ],
            target_path=tmp_path / "target",
            dbt_vars=SALESFORCE_VARS,
            env=target.env(),
        )
        assert built.ok, built.output[-4000:]
        for relation in ("marts.fct_opportunity", "marts.fct_lead_funnel"):
            columns, rows = target.query({relation: f"select * from {relation}"})[relation]
            actual = [dict(zip(columns, row, strict=True)) for row in rows]
            assert_mart_equals_expected(relation.split(".")[1], RELATIONS[relation], EXPECTED, actual)
    finally:
        drop_postgres_database(database)


def test_connector_schema_with_fivetran_deletes_missing_columns_and_objects(warehouse: Warehouse) -> None:
    """A connector's schema: `_fivetran_deleted` honoured, a missing column null, a missing optional object
    empty, a missing required object a clear error. A timestamp column with a time zone (timestamptz) is
    an instant: read on a machine whose local zone is Asia/Tokyo (DuckDB's session TimeZone), it is not
    shifted twice."""
    assert load_salesforce(warehouse, RAW).returncode == 0
    with duckdb.connect(str(warehouse.path)) as connection:
        connection.execute("set TimeZone = 'UTC'")
        connection.execute(
            "alter table salesforce.opportunity alter column created_date type timestamptz "
            "using created_date at time zone 'UTC'"
        )
        connection.execute("alter table salesforce.lead add column _fivetran_deleted boolean default false")
        connection.execute(
            "update salesforce.lead set _fivetran_deleted = true where id = '00Q000000000004EAA'"
        )
        connection.execute("alter table salesforce.opportunity drop column currency_iso_code")
        connection.execute("drop table salesforce.event")
        connection.execute("drop table salesforce.opportunity_history")
    built = warehouse.dbt("build", *NO_UNIT_TESTS, dbt_vars=SALESFORCE_VARS, env={"TZ": "Asia/Tokyo"})
    assert built.ok, built.output[-4000:]
    leads = {lead_id for (lead_id,) in warehouse.query("select lead_id from marts.fct_lead_funnel")}
    assert leads == {"00Q000000000001EAA", "00Q000000000002EAA", "003000000000002AAA", "003000000000003AAA"}
    assert warehouse.query("select count(*), sum(won_amount) from marts.fct_opportunity") == [(5, 2750000)]
    # CreatedDate 2026-09-20T05:00:00Z and 2026-09-25T00:00:00Z, in reporting time (Asia/Tokyo)
    assert warehouse.query(
        "select created_at from marts.fct_opportunity where opportunity_id in "
        "('006000000000001AAA', '006000000000002AAA') order by opportunity_id"
    ) == [(datetime(2026, 9, 20, 14),), (datetime(2026, 9, 25, 9),)]
    with duckdb.connect(str(warehouse.path)) as connection:
        connection.execute("drop table salesforce.campaign")
    failed = warehouse.dbt("build", "--select", "stg_salesforce__campaign", dbt_vars=SALESFORCE_VARS)
    assert not failed.ok
    assert "Salesforce object Campaign is required" in failed.output


def test_a_schema_with_salesforce_api_column_names_builds_the_same(warehouse: Warehouse) -> None:
    """A connector that keeps the API names (CreatedDate, IsDeleted, Business_Unit__c) instead of
    snake_case: columns are found by their key (lower case, no underscores), so every hand-computed
    relation is the same. Before, every such column read as null (no CreatedDate, no deletes)."""
    assert load_salesforce(warehouse, RAW).returncode == 0
    with duckdb.connect(str(warehouse.path)) as connection:
        columns = connection.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'salesforce' and table_name in "
            "(select table_name from information_schema.tables where table_schema = 'salesforce' "
            "and table_type = 'BASE TABLE' and table_name not in ('quarantine', 'load_notes'))"
        ).fetchall()
        for table, column in columns:
            api_name = "".join(part.capitalize() for part in column.split("_"))
            if column.endswith("_c"):  # a custom field: Business_Unit__c
                api_name = "_".join(part.capitalize() for part in column[:-2].split("_")) + "__c"
            connection.execute(f'alter table salesforce."{table}" rename column "{column}" to "{api_name}"')
        assert (
            connection.execute(
                "select count(*) from information_schema.columns where table_schema = 'salesforce' "
                "and column_name in ('CreatedDate', 'IsDeleted', 'Business_Unit__c')"
            ).fetchall()[0][0]
            > 10
        )
    built = warehouse.dbt("build", *NO_UNIT_TESTS, dbt_vars=SALESFORCE_VARS)
    assert built.ok, built.output[-4000:]
    for relation, spec in RELATIONS.items():
        name = relation.split(".")[1]
        assert_mart_equals_expected(name, spec, EXPECTED, warehouse.query_dicts(f"select * from {relation}"))


def test_cp932_export_round_trips_japanese(warehouse: Warehouse, tmp_path: Path) -> None:
    export = _copy(tmp_path)
    for path in export.glob("*.csv"):
        path.write_bytes(path.read_text(encoding="utf-8").encode("cp932"))
    # Forced UTF-8 cannot read them; detected per file (UTF-8, then cp932) or forced cp932, they load.
    assert load_salesforce(warehouse, export, "--encoding", "utf-8").returncode == 2
    for encoding in ((), ("--encoding", "cp932")):
        loaded = load_salesforce(warehouse, export, *encoding)
        assert loaded.returncode == 0, loaded.stderr
        assert warehouse.query("select name from salesforce.user_role where id = '00E000000000002EAA'") == [
            ("インサイドセールス",)
        ]


# --- Ids in other case, Date fields, future event times ---------------------------------------------


def test_id18_reads_an_18_character_id_in_the_case_its_checksum_gives() -> None:
    """An 18-character Id is case-insensitive: its last 3 characters (upper-cased) say which letters of
    the first 15 are capitals (chunk k's suffix character, bit i of its index in
    ABCDEFGHIJKLMNOPQRSTUVWXYZ012345: character 5k+i), so every spelling reads as the record's own.
    Hand-worked, as tests/dbt/sources/assert_salesforce_id18_appends_the_case_checksum.sql. A
    15-character Id is case-sensitive: kept as written, its checksum appended. Before, an 18-character
    Id was returned as written."""
    # 15 characters: Q (4) in 00Q5g; none in 00000; A, C, E (1 + 4 + 16 = 21) in AbCdE
    assert salesforce.id18("00Q5g00000AbCdE") == "00Q5g00000AbCdEEAV"
    assert salesforce.id18("00q5g00000abcde") == "00q5g00000abcdeAAA"  # another record
    # UAV: U = 20 = 4 + 16 (Q and L of 00QdL), A = 0, V = 21 = 1 + 4 + 16 (A, C and E of AbCdE)
    for written in ("00QdL00000AbCdEUAV", "00qdl00000abcdeuav", "00QDL00000ABCDEUAV", "00qDl00000aBcDeUaV"):
        assert salesforce.id18(written) == "00QdL00000AbCdEUAV", written
    # AAC: A = 0 (0065g, 00000), C = 2 (bit 1: the B of xB001)
    assert salesforce.id18("0065G00000Xb001aAc") == "0065g00000xB001AAC"
    for id15 in ("001A0000006Vm9r", "00QdL00000AbCdE", "0065g00000xB001", "00q5g00000abcde"):
        full = salesforce.id18(id15)
        assert salesforce.id18(full.lower()) == salesforce.id18(full.upper()) == salesforce.id18(full) == full
    # not an Id: 9 is no checksum character; 17 characters
    assert salesforce.id18("ABCDEFGHIJKLMNO999") == "ABCDEFGHIJKLMNO999"
    assert salesforce.id18("00qdl00000abcdeua") == "00qdl00000abcdeua"


def _replace_ids(export: Path, ids: dict[str, str]) -> None:
    for path in export.glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        for old, new in ids.items():
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")


def test_an_18_character_id_in_other_case_is_the_same_record(warehouse: Warehouse, tmp_path: Path) -> None:
    """O1 and U3 get realistic mixed-case Ids (0065g00000xB001AAC, 0055g00000xB003AAC). O1, won for
    1,200,000, is written a second time (line 7) with its Id in other case (0065G00000Xb001aac), and
    O5's OwnerId names U3 in other case (0055G00000XB003aac). Before, the loader kept both O1 lines (no
    duplicate key), fct_opportunity counted six opportunities and 3,950,000 won, and O5's owner was
    no user: owner_team unassigned. Now line 2 is a duplicate of line 7 (the last in the file), the won
    total is the fixture's 2,750,000, and O5's owner is U3, Tanaka FS of field_sales."""
    export = _copy(tmp_path)
    o1, u3 = "0065g00000xB001AAC", "0055g00000xB003AAC"
    _replace_ids(export, {"006000000000001AAA": o1, "005000000000003AAA": u3})

    def rewrite(rows: list[list[str]]) -> list[list[str]]:
        header = rows[0]
        again = list(rows[1])
        assert again[0] == o1
        again[0] = "0065G00000Xb001aac"
        o5 = next(row for row in rows if row[0] == "006000000000005AAA")
        assert o5[header.index("OwnerId")] == u3
        o5[header.index("OwnerId")] = "0055G00000XB003aac"
        return [*rows, again]

    _rewrite(export / "Opportunity.csv", rewrite)
    loaded = load_salesforce(warehouse, export)
    assert loaded.returncode == 0, loaded.stderr
    assert warehouse.query(
        "select table_name, source_file, line_number, reason from salesforce.quarantine"
    ) == [
        ("opportunity", "Opportunity.csv", 2, f"id: duplicate primary key '{o1}' (kept line 7, last in file)")
    ]
    _build_salesforce(warehouse, "+fct_opportunity")
    assert warehouse.query("select count(*), sum(won_amount) from marts.fct_opportunity") == [(5, 2750000)]
    assert warehouse.query(
        "select opportunity_id, owner_id, owner_team from marts.fct_opportunity "
        f"where opportunity_id in ('{o1}', '006000000000005AAA') order by opportunity_id"
    ) == [("006000000000005AAA", u3, "field_sales"), (o1, u3, "field_sales")]


def test_a_date_field_is_midnight_of_that_date_in_reporting_time(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """MQL_Date__c as a Date field (2026-09-05 on L1) is 00:00 of that date in reporting time, as
    docs/sources/salesforce.md says: the loader keeps it as that instant in UTC (2026-09-04 15:00), and
    staging reads 2026-09-05 00:00 JST. A DateTime value (2026-09-05T03:00:00.000Z on L4) is a UTC
    instant: 12:00 JST. Before, the date was kept as 00:00 UTC and read as 09:00 JST."""
    export = _copy(tmp_path)

    def set_mql_dates(rows: list[list[str]]) -> list[list[str]]:
        column = rows[0].index("MQL_Date__c")
        for row in rows[1:]:
            row[column] = {
                "00Q000000000001EAA": "2026-09-05",
                "00Q000000000004EAA": "2026-09-05T03:00:00.000Z",
            }.get(row[0], "")
        return rows

    _rewrite(export / "Lead.csv", set_mql_dates)
    loaded = load_salesforce(warehouse, export)
    assert loaded.returncode == 0, loaded.stderr
    assert warehouse.query(
        "select id, mql_date_c from salesforce.lead where mql_date_c is not null order by id"
    ) == [
        ("00Q000000000001EAA", datetime(2026, 9, 4, 15)),
        ("00Q000000000004EAA", datetime(2026, 9, 5, 3)),
    ]
    assert _crm_mql_times(warehouse) == [
        ("00Q000000000001EAA", datetime(2026, 9, 5)),
        ("00Q000000000004EAA", datetime(2026, 9, 5, 12)),
    ]


def _build_salesforce(warehouse: Warehouse, *select: str) -> None:
    """`dbt build` of `select` (and the data tests of what it builds) on the loaded Salesforce objects."""
    built = warehouse.dbt(
        "build",
        "--select",
        *select,
        "--indirect-selection",
        "cautious",
        *NO_UNIT_TESTS,
        dbt_vars=SALESFORCE_VARS,
    )
    assert built.ok, built.output[-4000:]


def _crm_mql_times(warehouse: Warehouse) -> list[tuple]:
    """Build stg_crm__leads from the loaded Salesforce objects; its leads' CRM MQL times, by lead."""
    _build_salesforce(warehouse, "+stg_crm__leads")
    return warehouse.query(
        "select lead_id, crm_mql_at from staging.stg_crm__leads where crm_mql_at is not null order by lead_id"
    )


def test_a_connector_date_column_is_midnight_of_that_date_in_reporting_time(warehouse: Warehouse) -> None:
    """A connector syncs a Date-type MQL_Date__c as a DATE column: macro salesforce_select reads it as
    00:00 of that date in reporting time, not as 00:00 UTC (09:00 JST, as before). A timestamp column
    beside it (Contact's) is still a UTC instant: 03:00 UTC is 12:00 JST."""
    assert load_salesforce(warehouse, RAW).returncode == 0
    with duckdb.connect(str(warehouse.path)) as connection:
        connection.execute("alter table salesforce.lead alter column mql_date_c type date")
        connection.execute(
            "update salesforce.lead set mql_date_c = date '2026-09-05' where id = '00Q000000000001EAA'"
        )
        connection.execute(
            "update salesforce.contact set mql_date_c = timestamp '2026-09-05 03:00:00' "
            "where id = '003000000000003AAA'"
        )
    assert _crm_mql_times(warehouse) == [
        ("003000000000003AAA", datetime(2026, 9, 5, 12)),
        ("00Q000000000001EAA", datetime(2026, 9, 5)),
    ]


def test_a_created_date_in_the_future_is_quarantined(warehouse: Warehouse, tmp_path: Path) -> None:
    """Every object's CreatedDate is an event time: exported on 2026-11-01 00:00 JST (2026-10-31 15:00
    UTC), L4 created in 2062 (a typo for 2026) is quarantined with file, line and column, as the
    contract source's event times are, and so are O3 and O4, created in 2027 (the fixture is pinned to
    an export in 2099 elsewhere). CloseDate is no event time: O2's 2026-11-30 (open) loads. Before, no
    Salesforce column was an event time and everything loaded though the report said event times
    after the export time were quarantined."""
    from revops.loader import load_dir

    export = _copy(tmp_path)

    def typo(rows: list[list[str]]) -> list[list[str]]:
        assert rows[4][0] == "00Q000000000004EAA"
        rows[4][rows[0].index("CreatedDate")] = "2062-09-29T03:00:00.000Z"
        return rows

    _rewrite(export / "Lead.csv", typo)
    loaded = load_salesforce(warehouse, export, "--export-time", "2026-11-01T00:00:00+09:00")
    assert loaded.returncode == 0, loaded.stderr
    assert (
        "Lead.csv:5:created_date: in the future (after the export time + tolerance, 2026-11-01 15:00:00): "
        "'2062-09-29T03:00:00.000Z'"
    ) in loaded.stderr
    assert "event times (created_date of lead, contact, opportunity, " in loaded.stdout
    assert warehouse.query(
        "select table_name, source_file, line_number from salesforce.quarantine order by all"
    ) == [
        ("lead", "Lead.csv", 5),
        ("opportunity", "Opportunity.csv", 4),
        ("opportunity", "Opportunity.csv", 5),
    ]
    assert warehouse.query("select id from salesforce.opportunity where close_date > date '2026-11-01'") == [
        ("006000000000002AAA",)
    ]
    report = load_dir(export, warehouse.path, source="salesforce", export_time="2026-11-01T00:00:00+09:00")
    assert report.loaded, report.problems
    counts = {
        table.table: (table.rows_read, table.rows_loaded, table.rows_quarantined) for table in report.tables
    }
    assert counts["lead"] == (4, 3, 1)
    assert counts["opportunity"] == (5, 3, 2)
    assert all(read == kept + quarantined for read, kept, quarantined in counts.values())
