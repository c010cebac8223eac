"""Salesforce objects a connector already synced: `scripts/load.py --source salesforce --connector`.

A warehouse holding only the connector's schema `salesforce` (the fixture's objects, as Fivetran or
Airbyte write them: no loader columns, no quarantine, nothing in schema raw) is read in place: the
connector load checks the required objects and writes only the loader's own tables in schema raw;
then `dbt build --vars {crm_source: salesforce}` builds the hand-computed lead funnel. And a build whose
var crm_source differs from the loaded source fails once, saying which var to pass.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from conftest import FIXTURES, Warehouse, run_command
from expected_tables import assert_mart_equals_expected
from test_salesforce_source import EXPECTED, RAW, RELATIONS, SALESFORCE_VARS

DATA_LOADER_EXPORT_TIME = "2099-01-01T00:00:00+09:00"


def connector_warehouse(root: Path) -> Warehouse:
    """A warehouse holding only schema salesforce with the fixture's 13 objects, as a connector writes
    them: the Data Loader files loaded into another file, and their object tables copied without the
    loader's columns (_source_file, _line_number) or its quarantine."""
    export = root / "export.duckdb"
    loaded = run_command(
        _load_app(),
        "--source",
        "salesforce",
        "--raw-dir",
        str(RAW),
        "--export-time",
        DATA_LOADER_EXPORT_TIME,
        env={"REVOPS_DUCKDB_PATH": str(export)},
    )
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    warehouse = Warehouse(root)
    with duckdb.connect(str(warehouse.path)) as connection:
        connection.execute(f"ATTACH '{export}' AS export (READ_ONLY)")
        connection.execute("CREATE SCHEMA salesforce")
        tables = connection.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'export' "
            "AND schema_name = 'salesforce' AND table_name <> 'quarantine' ORDER BY 1"
        ).fetchall()
        for (table,) in tables:
            connection.execute(
                f'CREATE TABLE salesforce."{table}" AS '
                f'SELECT * EXCLUDE (_source_file, _line_number) FROM export.salesforce."{table}"'
            )
        connection.execute("DETACH export")
    assert len(tables) == 13
    assert _schemas(warehouse) == ["salesforce"]
    return warehouse


def _load_app():
    from revops.cli.load import app

    return app


def connector_load(warehouse: Warehouse, *extra: str) -> subprocess.CompletedProcess:
    return run_command(
        _load_app(),
        "--source",
        "salesforce",
        "--connector",
        *extra,
        env={"REVOPS_DUCKDB_PATH": str(warehouse.path)},
    )


def loads_export_time(warehouse: Warehouse, source: str, expected: datetime, *extra: str) -> None:
    """A connector load (with `extra` options) succeeds, reports its export time as taken from `source`,
    and records `expected` (reporting time) in raw.load_metadata."""
    loaded = connector_load(warehouse, *extra)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert f"from {source}" in loaded.stdout
    assert warehouse.query("select export_time from raw.load_metadata") == [(expected,)]


def _schemas(warehouse: Warehouse) -> list[str]:
    return [
        schema
        for (schema,) in warehouse.query(
            "select distinct schema_name from duckdb_tables() where database_name = 'warehouse' order by 1"
        )
    ]


def _salesforce_contents(warehouse: Warehouse) -> dict[str, list[tuple]]:
    tables = warehouse.query(
        "select table_name from duckdb_tables() where schema_name = 'salesforce' order by table_name"
    )
    return {table: warehouse.query(f'select * from salesforce."{table}" order by all') for (table,) in tables}


def test_a_connector_schema_alone_loads_and_builds_the_hand_computed_marts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The export time is the data's, not the wall clock's: the latest CreatedDate / LastModifiedDate
    (the fixture has no SystemModstamp) is O4's CreatedDate 2027-09-01T00:00:00Z (Lead's latest
    LastModifiedDate is 2026-10-02), 09:00 JST. The calendar runs from the year before the earliest
    date or time (Contact C1 created 2026-06-01) to the year after the latest (O4's contract end
    2028-09-30): 2025-01-01 .. 2029-12-31. Before, --connector did not exist, and dbt build on such a
    warehouse stopped at "Nothing is loaded in this warehouse". A build whose var crm_source is not the
    loaded source stops at its start, either way round, and says which var to pass. The marts this load
    builds are checked through the nightly job (test_the_nightly_job_loads_builds_and_publishes_a_connector_schema)."""
    monkeypatch.delenv("REVOPS_EXPORT_TIME", raising=False)  # the suite pins loads without --export-time
    warehouse = connector_warehouse(tmp_path)
    before = _salesforce_contents(warehouse)

    loaded = connector_load(warehouse)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert (
        "export time 2027-09-01 09:00:00 (Asia/Tokyo; 2027-09-01 00:00:00 UTC), from the latest change in "
        "the data (opportunity.created_date)" in loaded.stdout
    )
    assert "business calendar 2025-2029" in loaded.stdout
    assert warehouse.query(
        "select export_time, load_mode, raw_dir, crm_source, source_timezone, reporting_timezone "
        "from raw.load_metadata"
    ) == [(datetime(2027, 9, 1, 9), "connector", "salesforce", "salesforce", "UTC", "Asia/Tokyo")]
    assert warehouse.query(
        "select min(calendar_date), max(calendar_date), count(*) from raw.business_calendar"
    ) == [(date(2025, 1, 1), date(2029, 12, 31), 365 * 5 + 1)]
    assert warehouse.query("select count(*) from raw.load_notes") == [(0,)]
    assert warehouse.query("select * from raw.load_changed_leads") == [(None, None, "salesforce")]
    assert _schemas(warehouse) == ["raw", "salesforce"]
    assert _salesforce_contents(warehouse) == before  # the connector's schema is read, never changed

    # A build with var crm_source at its default (contract) stops at its start, saying which var to pass
    # (before: 14 catalog errors such as `Table with name opportunities does not exist!`).
    wrong = warehouse.dbt("build", "--select", "stg_loader__load_metadata")
    assert not wrong.ok
    assert (
        "The warehouse holds a salesforce load, but var crm_source is 'contract': "
        "run dbt build --vars '{crm_source: salesforce}'"
    ) in wrong.output, wrong.output[-3000:]
    assert "does not exist" not in wrong.output

    # The other way round: a contract load, then a build with var crm_source salesforce.
    assert warehouse.load(FIXTURES / "core" / "raw").returncode == 0
    wrong = warehouse.dbt("build", "--select", "stg_loader__load_metadata", dbt_vars=SALESFORCE_VARS)
    assert not wrong.ok
    assert (
        "The warehouse holds a contract load, but var crm_source is 'salesforce': "
        "run dbt build --vars '{crm_source: contract}'"
    ) in wrong.output, wrong.output[-3000:]
    # A warehouse an older loader wrote (no crm_source column) is not checked.
    with duckdb.connect(str(warehouse.path)) as connection:
        connection.execute("ALTER TABLE raw.load_metadata DROP COLUMN crm_source")
    older = warehouse.dbt("run", "--select", "stg_loader__load_metadata", dbt_vars=SALESFORCE_VARS)
    assert older.ok, older.output[-3000:]


def test_connector_columns_are_found_by_key_and_zoned_times_read_as_instants(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """API-name columns (CreatedDate, EndDate, SystemModstamp) count as macro salesforce_select finds
    them (lower case, no underscores). A SystemModstamp typed with a zone, 2027-09-15 12:00 UTC on a
    lead, is the latest change: export time 21:00 JST. Campaign C1's EndDate moved to 2031-01-05
    extends the calendar to 2032. Before: no --connector option."""
    monkeypatch.delenv("REVOPS_EXPORT_TIME", raising=False)
    warehouse = connector_warehouse(tmp_path)
    with duckdb.connect(str(warehouse.path)) as connection:
        connection.execute("SET TimeZone = 'Asia/Tokyo'")  # a zoned value is an instant whatever the session
        connection.execute('ALTER TABLE salesforce.campaign RENAME COLUMN end_date TO "EndDate"')
        connection.execute(
            "UPDATE salesforce.campaign SET \"EndDate\" = DATE '2031-01-05' WHERE id = '701000000000001AAA'"
        )
        connection.execute('ALTER TABLE salesforce.opportunity RENAME COLUMN created_date TO "CreatedDate"')
        connection.execute('ALTER TABLE salesforce.lead ADD COLUMN "SystemModstamp" TIMESTAMPTZ')
        connection.execute(
            "UPDATE salesforce.lead SET \"SystemModstamp\" = TIMESTAMPTZ '2027-09-15 12:00:00+00' "
            "WHERE id = '00Q000000000002EAA'"
        )
    loads_export_time(
        warehouse, "the latest change in the data (lead.SystemModstamp)", datetime(2027, 9, 15, 21)
    )
    assert warehouse.query("select min(calendar_date), max(calendar_date) from raw.business_calendar") == [
        (date(2025, 1, 1), date(2032, 12, 31))
    ]
    # --export-time, when given, is the export time (and the calendar still covers the data)
    loads_export_time(
        warehouse, "--export-time", datetime(2027, 12, 1), "--export-time", "2027-12-01T00:00:00+09:00"
    )

    # A connector's own sync stamp, when the objects have one, is the export time, ahead of the records'
    # times: Fivetran's _fivetran_synced, latest 2027-09-20 03:00 UTC on a lead (zoned) against 2027-09-19
    # on the opportunities (naive: UTC), so 12:00 JST. An opportunity's CreatedDate mistyped as 2062 does
    # not become it (before: export time 2062-09-01 09:00 JST, from opportunity.CreatedDate).
    with duckdb.connect(str(warehouse.path)) as connection:
        connection.execute('ALTER TABLE salesforce.lead ADD COLUMN "_fivetran_synced" TIMESTAMPTZ')
        connection.execute(
            "UPDATE salesforce.lead SET _fivetran_synced = TIMESTAMPTZ '2027-09-18 00:00:00+00'"
        )
        connection.execute(
            "UPDATE salesforce.lead SET _fivetran_synced = TIMESTAMPTZ '2027-09-20 03:00:00+00' "
            "WHERE id = '00Q000000000002EAA'"
        )
        connection.execute(
            "ALTER TABLE salesforce.opportunity ADD COLUMN _fivetran_synced TIMESTAMP DEFAULT TIMESTAMP '2027-09-19 00:00:00'"
        )
        connection.execute(
            "UPDATE salesforce.opportunity SET \"CreatedDate\" = TIMESTAMP '2062-09-01 00:00:00' "
            'WHERE "CreatedDate" = (SELECT max("CreatedDate") FROM salesforce.opportunity)'
        )
    loads_export_time(
        warehouse, "the connector's latest sync (lead._fivetran_synced)", datetime(2027, 9, 20, 12)
    )


def test_a_connector_schema_without_a_required_object_exits_2_naming_it(tmp_path: Path) -> None:
    """Campaign and User missing: exit 2 naming both, and nothing written (no schema raw). No schema
    salesforce at all: exit 2 naming it. --raw-dir, or another source, with --connector: refused."""
    warehouse = connector_warehouse(tmp_path)
    with duckdb.connect(str(warehouse.path)) as connection:
        connection.execute("DROP TABLE salesforce.campaign")
        connection.execute('DROP TABLE salesforce."user"')
        connection.execute("DROP TABLE salesforce.event")  # optional: not named
    before = _salesforce_contents(warehouse)
    refused = connector_load(warehouse)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert (
        "required Salesforce objects missing from schema salesforce: Campaign (table campaign), "
        "User (table user)" in refused.stderr
    )
    assert "Event" not in refused.stderr
    assert "failed: nothing was written" in refused.stdout
    assert _schemas(warehouse) == ["salesforce"]
    assert _salesforce_contents(warehouse) == before

    with duckdb.connect(str(warehouse.path)) as connection:
        connection.execute("DROP SCHEMA salesforce CASCADE")
        connection.execute("CREATE SCHEMA fivetran_sf")
        connection.execute("CREATE TABLE fivetran_sf.lead (id VARCHAR)")
    no_schema = connector_load(warehouse)
    assert no_schema.returncode == 2
    assert "no schema 'salesforce' (var salesforce_schema)" in no_schema.stderr
    assert _schemas(warehouse) == ["fivetran_sf"]

    with_dir = connector_load(warehouse, "--raw-dir", str(RAW))
    assert with_dir.returncode == 2
    assert "--raw-dir not allowed" in _unboxed(with_dir)
    contract = run_command(_load_app(), "--connector", env={"REVOPS_DUCKDB_PATH": str(warehouse.path)})
    assert contract.returncode == 2
    assert "add --source salesforce" in _unboxed(contract)
    neither = run_command(_load_app(), env={"REVOPS_DUCKDB_PATH": str(warehouse.path)})
    assert neither.returncode == 2
    assert "--raw-dir is required" in _unboxed(neither)


def _unboxed(completed: subprocess.CompletedProcess) -> str:
    """A usage error's text without the box and line breaks typer draws around it."""
    return " ".join((completed.stdout + completed.stderr).replace("│", " ").split())


def test_nightly_runs_on_a_connector_schema_then_on_salesforce_exports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """scripts/nightly.py --source salesforce --connector: the night's load records the connector's sync
    (no files, the schema read in place), then the full build with its data tests and the publication, as
    for exports. Every won amount of the fixture reaches the published fct_opportunity (1,200,000 +
    250,000 + 1,000,000 + 300,000, the deleted lead's left out) and the run log names the schema read.
    The options for files are refused, as by the load, and so is a salesforce_schema in --vars (the load
    reads the project's); --mode upsert is refused for Salesforce. A warehouse without the connector's
    schema fails the night in phase load, logged. Before, the nightly job had no --connector: a company
    whose Salesforce arrives through Fivetran or Airbyte recorded each sync by hand before the night,
    outside its locks and its run log.

    The next night loads Data Loader files (the same objects) with a lead deleted in Salesforce: it is
    incremental and, loaded in full (the change log names no lead), recomputes every lead: a lead gone
    from the export has no events left to be found by, and still loses its rows. (One warehouse for both
    routes keeps the suite to one full build; a company uses one.)"""
    from nightly_helpers import nightly

    monkeypatch.delenv("REVOPS_EXPORT_TIME", raising=False)  # the export time comes from the data
    refused = nightly(tmp_path, "--connector")
    assert refused.returncode == 2 and "add --source salesforce" in _unboxed(refused), refused.stderr
    refused = nightly(tmp_path, "--source", "salesforce", "--connector", "--raw-dir", str(RAW))
    assert refused.returncode == 2 and "--raw-dir not allowed" in _unboxed(refused), refused.stderr
    refused = nightly(
        tmp_path, "--source", "salesforce", "--connector", "--vars", '{"salesforce_schema": "sf"}'
    )
    assert refused.returncode == 2 and "set it there instead" in _unboxed(refused), refused.stderr
    refused = nightly(tmp_path, "--source", "salesforce", "--mode", "upsert", "--raw-dir", str(RAW))
    assert refused.returncode == 2 and "--mode upsert is for the contract source" in _unboxed(refused)
    assert not (tmp_path / "warehouse.duckdb").exists()

    empty = tmp_path / "no_connector_schema"
    empty.mkdir()
    duckdb.connect(str(Warehouse(empty).path)).close()
    failed = nightly(empty, "--source", "salesforce", "--connector")
    assert failed.returncode == 2, failed.stdout + failed.stderr[-4000:]
    with duckdb.connect(str(Warehouse(empty).path), read_only=True) as connection:
        ((status, phase, mode, reason),) = connection.execute(
            "select status, failed_phase, load_mode, reason from ops.run_log"
        ).fetchall()
    assert (status, phase, mode) == ("failed", "load", "connector")
    assert (
        reason.startswith("connector load of schema salesforce failed: ")
        and "no schema 'salesforce'" in reason
    )
    assert not (empty / "published" / "revops.duckdb").exists()

    warehouse = connector_warehouse(tmp_path)
    before = _salesforce_contents(warehouse)
    night = nightly(tmp_path, "--source", "salesforce", "--connector")
    assert night.returncode == 0, night.stdout + night.stderr[-4000:]
    in_place = sum(len(rows) for rows in before.values())
    assert (
        f"load (connector): recorded schema salesforce, {in_place:,} object rows read in place"
        in night.stderr
    )
    assert "build: full refresh" in night.stderr
    assert _salesforce_contents(warehouse) == before
    published = tmp_path / "published" / "revops.duckdb"

    def lead_rows(lead_id: str) -> list[tuple]:
        with duckdb.connect(str(published), read_only=True) as connection:
            return connection.execute(
                "select (select count(*) from marts.fct_lead_funnel where lead_id = $1), "
                "(select count(*) from marts.fct_kpi_metric_events where lead_id = $1)",
                [lead_id],
            ).fetchall()

    with duckdb.connect(str(published), read_only=True) as connection:
        assert connection.execute(
            "select count(*), sum(won_amount) from marts.fct_opportunity"
        ).fetchall() == [(5, 2750000)]
        assert connection.execute(
            "select lead_origin, count(*) from marts.fct_opportunity group by 1 order by 1"
        ).fetchall() == [("account", 2), ("contact", 2), ("lead", 1)]
        assert connection.execute(
            "select status, load_mode, raw_dir, rows_read, rows_loaded, rows_quarantined from ops.run_log"
        ).fetchall() == [("published", "connector", "salesforce", in_place, 0, 0)]
    assert lead_rows("00Q000000000004EAA") == [(1, 1)]
    # The hand-computed lead funnel; the as-of is the recorded export time (O4's CreatedDate, 09:00 JST):
    # O4 is won on 2027-10-01, after it. The calendar runs 2025-2029 (the load's business calendar).
    assert_mart_equals_expected(
        "fct_lead_funnel",
        RELATIONS["marts.fct_lead_funnel"],
        EXPECTED,
        warehouse.query_dicts("select * from marts.fct_lead_funnel"),
    )
    assert warehouse.query("select as_of_at, as_of_source from intermediate.int_as_of") == [
        (datetime(2027, 9, 1, 9), "export_time")
    ]
    assert warehouse.query(
        "select min(fiscal_month), max(fiscal_month) from intermediate.int_fiscal_months"
    ) == [(date(2025, 1, 1), date(2029, 12, 1))]

    second = tmp_path / "second"
    shutil.copytree(RAW, second)
    leads = second / "Lead.csv"
    live = '"00Q000000000004EAA","false"'
    assert live in leads.read_text(encoding="utf-8")
    leads.write_text(
        leads.read_text(encoding="utf-8").replace(live, '"00Q000000000004EAA","true"'), encoding="utf-8"
    )
    exported = nightly(
        tmp_path, "--source", "salesforce", "--raw-dir", str(second), "--export-time", DATA_LOADER_EXPORT_TIME
    )
    assert exported.returncode == 0, exported.stdout + exported.stderr[-4000:]
    assert "build: incremental" in exported.stderr
    assert lead_rows("00Q000000000004EAA") == [(0, 0)]
