"""Data tests scoped to the untested leads on incremental runs (macros/nightly/untested_leads.sql,
docs/nightly.md): planted violations that a scoped test must still catch.

On the core fixture, after a full build, rows are planted in raw behind the loader's back (the loader
itself would refuse or log them), for lead L13, whose events are too old for the lookback:
- a copy of one of L07's activities under L13 (the same activity_id on two leads);
- a second copy of L13's lead row.
L13 goes into the loader's change log, so the incremental run rewrites L13 and not L07. The scoped
`unique` test on int_activities_scored.activity_id must find the duplicate although one copy
belongs to a lead it does not read (it reads the rows whose activity_id occurs among the untested
leads' rows); the scoped `unique` test on int_lead_stages_recorded.lead_id (the first lead model
that the duplicate lead row reaches; dbt build skips what lies after a failed test) must find L13
twice. The scoped declared_not_null test of int_activities_scored (one test for all its not-null
columns) finds a null planted in a row of L13. A failed run
keeps its leads untested: the next run, with nothing new, still fails. Once repaired, the ledger
empties.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import FIXTURES, NO_UNIT_TESTS, Warehouse
from revops.loadmeta import CHANGE_LOG_COLUMNS, CHANGE_LOG_TABLE
from revops.nightly import INCREMENTAL_BUILD_ENV

SELECTION = (
    "--select",
    "+int_activities_scored",
    "+fct_lead_funnel",
    "--indirect-selection",
    "cautious",
    # the staging tests would find the planted rows first, and dbt build would then skip the models
    "--exclude",
    "path:models/staging,resource_type:test",
    *NO_UNIT_TESTS,
)
ACTIVITY_TEST = "unique_int_activities_scored_activity_id"
LEAD_TEST = "unique_int_lead_stages_recorded_lead_id"
NOT_NULL_TEST = "declared_not_null_int_activities_scored_"
LEDGER = "main.dbt_untested_leads"


def build(warehouse: Warehouse) -> tuple[bool, dict[str, str], str]:
    """`dbt build` of SELECTION: (ok, status by node name, the invocation id)."""
    result = warehouse.dbt("build", *SELECTION, artifacts=True)
    run = json.loads((warehouse.target / "run_results.json").read_text(encoding="utf-8"))
    statuses = {row["unique_id"].split(".")[2]: row["status"] for row in run["results"]}
    return result.ok, statuses, run["metadata"]["invocation_id"]


def compiled(warehouse: Warehouse, test_name: str) -> str:
    """The SQL the last command ran for a test (a long name is cut and hashed: manifest.json has it)."""
    file_name = f"{test_name}.sql"
    if len(test_name) > 63:
        manifest = json.loads((warehouse.target / "manifest.json").read_text(encoding="utf-8"))
        (file_name,) = {
            Path(node["path"]).name for node in manifest["nodes"].values() if node["name"] == test_name
        }
    (path,) = (warehouse.target / "run").rglob(file_name)
    return path.read_text(encoding="utf-8")


def ledger(warehouse: Warehouse, invocation_id: str | None = None) -> set[tuple[str, str]]:
    """(model, lead) pairs in the ledger, of one invocation if given."""
    rows = warehouse.query(
        f"SELECT model_id, lead_id FROM {LEDGER} WHERE lead_id IS NOT NULL "
        "AND (? IS NULL OR invocation_id = ?)",
        [invocation_id, invocation_id],
    )
    return {(model.split(".")[-1], lead) for model, lead in rows}


def scoped_nulls(warehouse: Warehouse, lead: str) -> list[tuple]:
    """The rows of NOT_NULL_TEST's SQL as the last build compiled it (scoped to the untested leads), run
    on a copy of the warehouse in which one of `lead`'s rows of int_activities_scored has a null
    definition_version."""
    (path,) = (warehouse.target / "compiled").rglob(f"{NOT_NULL_TEST}.sql")  # the query, not dbt's count
    sql = path.read_text(encoding="utf-8")
    assert "dbt_untested_leads" in sql
    copy = warehouse.root / "planted_null" / warehouse.path.name  # the same catalog name
    copy.parent.mkdir(exist_ok=True)
    shutil.copyfile(warehouse.path, copy)
    with duckdb.connect(str(copy)) as connection:
        connection.execute(
            "UPDATE intermediate.int_activities_scored SET definition_version = NULL WHERE rowid = "
            f"(SELECT min(rowid) FROM intermediate.int_activities_scored WHERE lead_id = '{lead}')"
        )
        return connection.execute(sql).fetchall()


def execute(warehouse: Warehouse, *statements: str) -> None:
    with duckdb.connect(str(warehouse.path)) as connection:
        for statement in statements:
            connection.execute(statement)


def change_log(*leads: str) -> list[str]:
    """Statements that make the loader's change log hold exactly `leads`."""
    columns = ", ".join(f"{name} {sql_type}" for name, sql_type in CHANGE_LOG_COLUMNS)
    statements = [
        f"CREATE TABLE IF NOT EXISTS raw.{CHANGE_LOG_TABLE} ({columns})",
        f"DELETE FROM raw.{CHANGE_LOG_TABLE}",
    ]
    statements += [
        f"INSERT INTO raw.{CHANGE_LOG_TABLE} VALUES ('{lead}', 'leads', 'planted')" for lead in leads
    ]
    return statements


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    warehouse = Warehouse(tmp_path_factory.mktemp("untested_leads"))
    loaded = warehouse.load(FIXTURES / "core" / "raw")
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    return warehouse


SHARED_ACTIVITY = "(SELECT min(activity_id) FROM raw.lead_activities WHERE lead_id = 'L07')"


def test_a_scoped_test_still_catches_what_it_caught(planted: Warehouse) -> None:
    # A full build reads everything and leaves nothing untested.
    ok, statuses, _ = build(planted)
    assert ok and statuses[ACTIVITY_TEST] == statuses[LEAD_TEST] == "pass"
    assert "dbt_untested_leads" not in compiled(planted, LEAD_TEST)
    assert ledger(planted) == set()

    # Night 1: L13's lead row twice.
    execute(
        planted, "INSERT INTO raw.leads SELECT * FROM raw.leads WHERE lead_id = 'L13'", *change_log("L13")
    )
    ok, statuses, night = build(planted)
    assert not ok and statuses[LEAD_TEST] == "fail"
    assert "dbt_untested_leads" in compiled(planted, LEAD_TEST)  # scoped, and still caught
    assert ("int_lead_stages_recorded", "L13") in ledger(planted, night)

    # Night 2, nothing new: L13 stays untested after the failure, so the test fails again.
    execute(planted, *change_log())
    ok, statuses, night = build(planted)
    assert not ok and statuses[LEAD_TEST] == "fail"
    assert ("int_lead_stages_recorded", "L13") not in ledger(planted, night)
    assert ("int_lead_stages_recorded", "L13") in ledger(planted)

    # Night 3: the lead row repaired; a copy of one of L07's activities under L13.
    execute(
        planted,
        "DELETE FROM raw.leads WHERE rowid = (SELECT max(rowid) FROM raw.leads WHERE lead_id = 'L13')",
        "INSERT INTO raw.lead_activities SELECT * REPLACE ('L13' AS lead_id) FROM raw.lead_activities "
        f"WHERE activity_id = {SHARED_ACTIVITY}",
        *change_log("L13"),
    )
    ok, statuses, night = build(planted)
    assert not ok and statuses[ACTIVITY_TEST] == "fail"
    assert "dbt_untested_leads" in compiled(planted, ACTIVITY_TEST)
    rewritten = ledger(planted, night)
    assert ("int_activities_scored", "L13") in rewritten
    assert ("int_activities_scored", "L07") not in rewritten  # the duplicate's other lead was not read
    # The model's declared_not_null test (one for all its not-null columns) is scoped the same way
    # and passed; it finds a null planted in a row of L13, and not one in a row of L07.
    assert statuses[NOT_NULL_TEST] == "pass"
    assert scoped_nulls(planted, "L13") == [("definition_version", 1)]
    assert scoped_nulls(planted, "L07") == []

    # Night 4, repaired: the tests pass and the ledger empties, except for fct_lead_funnel, one of
    # whose tests (appears_exactly_once_in, on stg_crm__leads) the selection left out. (The staging
    # models, built outside the nightly job, record a full rebuild: no leads.)
    execute(
        planted,
        f"DELETE FROM raw.lead_activities WHERE lead_id = 'L13' AND activity_id = {SHARED_ACTIVITY}",
        *change_log("L13"),
    )
    ok, statuses, _ = build(planted)
    assert ok and statuses[ACTIVITY_TEST] == statuses[LEAD_TEST] == "pass"
    assert "dbt_untested_leads" in compiled(planted, LEAD_TEST)
    assert {model for model, _ in ledger(planted)} == {"fct_lead_funnel"}


def test_dbt_test_on_its_own_reads_every_row(planted: Warehouse) -> None:
    """`dbt test` after the nights: no model ran in its invocation, so nothing is scoped."""
    result = planted.dbt(
        "test", "--select", "int_activities_scored", "--indirect-selection", "cautious", *NO_UNIT_TESTS
    )
    assert result.ok, result.output[-3000:]
    assert "dbt_untested_leads" not in compiled(planted, ACTIVITY_TEST)


STAGING = (
    "--select",
    "stg_contract__*",
    "stg_crm__*",
    "pipeline_stages",  # tests named stg_crm__*_in_pipeline_stages read it
    "--indirect-selection",
    "cautious",
    *NO_UNIT_TESTS,
)
STAGING_UNIQUE = "unique_stg_contract__lead_activities_activity_id"
STAGING_ORPHAN = "relationships_stg_crm__lead_activities_lead_id__lead_id__ref_stg_crm__leads_"


def build_staging(warehouse: Warehouse, nightly: bool = True) -> tuple[bool, dict[str, str], str]:
    """`dbt build` of STAGING, as the nightly job's incremental night runs it (`nightly`: the project is
    the one whose tests last passed) or as a build by hand."""
    result = warehouse.dbt("build", *STAGING, artifacts=True, env=INCREMENTAL_BUILD_ENV if nightly else None)
    run = json.loads((warehouse.target / "run_results.json").read_text(encoding="utf-8"))
    statuses = {row["unique_id"].split(".")[2]: row["status"] for row in run["results"]}
    assert set(statuses) >= {STAGING_UNIQUE, STAGING_ORPHAN}, result.output[-3000:]
    return result.ok, statuses, run["metadata"]["invocation_id"]


def test_staging_tests_read_the_leads_the_loader_changed(tmp_path: Path) -> None:
    """The staging models over the lead-keyed raw tables: their tests read the rows of the leads in the
    loader's change log (every row after a full load), and still catch what they caught."""
    warehouse = Warehouse(tmp_path)
    loaded = warehouse.load(FIXTURES / "core" / "raw")
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    # The first load logs a row without a lead: every row is new, and the tests read them all.
    assert warehouse.query(f"SELECT lead_id, table_name, source_dir FROM raw.{CHANGE_LOG_TABLE}") == [
        (None, None, "raw")
    ]
    ok, statuses, _ = build_staging(warehouse)
    assert ok and statuses[STAGING_UNIQUE] == "pass"
    assert "dbt_untested_leads" not in compiled(warehouse, STAGING_UNIQUE)
    assert ledger(warehouse) == set()

    # Night 1 (the full load's row cleared, as scripts/nightly.py does): one of L07's activities copied
    # under L13, which the change log names. The scoped test reads L13's activity ids and finds the
    # duplicate, although its other copy belongs to L07, which the log does not name.
    execute(
        warehouse,
        "INSERT INTO raw.lead_activities SELECT * REPLACE ('L13' AS lead_id) FROM raw.lead_activities "
        f"WHERE activity_id = {SHARED_ACTIVITY}",
        *change_log("L13"),
    )
    ok, statuses, night = build_staging(warehouse)
    assert not ok and statuses[STAGING_UNIQUE] == "fail"
    assert "dbt_untested_leads" in compiled(warehouse, STAGING_UNIQUE)
    assert ("stg_contract__lead_activities", "L13") in ledger(warehouse, night)

    # Night 2: repaired, and an activity of a lead that does not exist (L99), logged.
    execute(
        warehouse,
        f"DELETE FROM raw.lead_activities WHERE lead_id = 'L13' AND activity_id = {SHARED_ACTIVITY}",
        "INSERT INTO raw.lead_activities SELECT * REPLACE ('A-ORPHAN' AS activity_id, 'L99' AS lead_id) "
        f"FROM raw.lead_activities WHERE activity_id = {SHARED_ACTIVITY}",
        *change_log("L99"),
    )
    ok, statuses, _ = build_staging(warehouse)
    assert not ok and statuses[STAGING_ORPHAN] == "fail"
    assert statuses[STAGING_UNIQUE] == "pass"  # L13, still untested after night 1, read again
    assert "dbt_untested_leads" in compiled(warehouse, STAGING_ORPHAN)

    # Night 3: repaired; every test passes and the ledger empties, except for stg_crm__leads, one of
    # whose tests (appears_exactly_once_in fct_lead_funnel) the selection leaves out.
    execute(warehouse, "DELETE FROM raw.lead_activities WHERE lead_id = 'L99'", *change_log("L99"))
    ok, statuses, _ = build_staging(warehouse)
    assert ok
    assert {model for model, _ in ledger(warehouse)} == {"stg_crm__leads"}
    # The scans of a view over raw read every row (cheaper than finding the leads' rows); keys and joins
    # are scoped.
    assert "dbt_untested_leads" not in compiled(warehouse, "declared_not_null_stg_crm__lead_activities_")
    assert "dbt_untested_leads" in compiled(warehouse, STAGING_UNIQUE)

    # What a night relies on: only the loader writes raw. A duplicate written behind its back and not
    # logged is not read by a night; `dbt test` on its own and a `dbt build` by hand (after a change of
    # the code, say: only the nightly job knows the code is the one whose tests passed) read every row
    # and find it. (The next full load replaces it, and logs its lead: raw holds the row twice, the export
    # once, and the load compares rows with their multiplicity.)
    execute(
        warehouse,
        f"INSERT INTO raw.lead_activities SELECT * FROM raw.lead_activities WHERE activity_id = {SHARED_ACTIVITY}",
        *change_log(),
    )
    ok, statuses, _ = build_staging(warehouse)
    assert ok and statuses[STAGING_UNIQUE] == "pass"
    tested = warehouse.dbt("test", *STAGING, artifacts=True)
    assert not tested.ok
    assert "dbt_untested_leads" not in compiled(warehouse, STAGING_UNIQUE)
    ok, statuses, _ = build_staging(warehouse, nightly=False)
    assert not ok and statuses[STAGING_UNIQUE] == "fail"
    assert "dbt_untested_leads" not in compiled(warehouse, STAGING_UNIQUE)
