"""The same dbt project builds on PostgreSQL and on a Spark cluster, and every mart there holds
exactly the rows it holds on DuckDB for the same raw data (tests/fixtures/core/raw). On Spark the
hand-made Salesforce fixture (tests/fixtures/salesforce/raw, `crm_source: salesforce`) builds its
Salesforce and canonical staging models too, and each holds DuckDB's rows (SALESFORCE_ON_SPARK).

Each engine is built through the real path: the loader loads the fixture into a temporary DuckDB,
the schemas it wrote are published to the engine and dbt builds there. Then every table and view of
schema `marts` is read from the engine and compared with DuckDB's, row for row: exactly, except
doubles, which may differ in the last bits (FLOAT_REL_TOL).

- PostgreSQL (scripts/engine_suite.py): the full `dbt build` (every data and unit test), then a
  second, incremental build of the seeds and models.
- Spark: a standalone master and two 1-core workers on 127.0.0.1 (revops.spark_cluster), dbt's
  session driver on spark://127.0.0.1:7077. Both sources are built one after the other in one
  Spark application (revops.spark_suite), in the background while DuckDB builds the references.
  On Spark dbt builds every seed and model of the core fixture and the Salesforce fixture's staging
  models (contracts enforced), and the unit tests of
  SPARK_UNIT_TESTS; the data tests and the other unit tests run on DuckDB's builds of the same SQL
  (core_warehouse, salesforce_build). What guards Spark's own SQL stays on Spark: those unit tests
  (hand-made edge cases through the spark__ macros), the enforced contracts (the spark__
  contract-type shims), the seeds (the spark__ seed shims) and the comparison of every mart.

Also here: on PostgreSQL the BI role reads the marts and is refused on raw, staging,
intermediate and seeds.

Markers: `postgres` (needs a server: scripts/engines/start_postgres.sh) and `spark` (pyspark +
Java 17; the module starts and stops its own cluster). scripts/test.sh runs them when the engine is
available and says which ran.
"""

from __future__ import annotations

import json
import math
import os
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import pytest

from conftest import FIXTURES, Warehouse, run_script
from revops.engines import (
    EngineError,
    EngineTarget,
    PostgresSettings,
    QueryResult,
    SparkSettings,
    create_postgres_database,
    drop_postgres_database,
    postgres_available,
    postgres_connect,
    spark_available,
)
from revops.spark_cluster import SparkCluster, cluster_unavailable, local_cluster
from revops.spark_suite import APP_NAME as SPARK_SUITE_APP
from revops.spark_suite import BuildResult, SparkBuild, SparkBuildsRun

CORE_RAW = FIXTURES / "core" / "raw"
SALESFORCE_RAW = FIXTURES / "salesforce" / "raw"
MARTS = "marts"

# Doubles: sums of doubles depend on the order an engine adds them in (seen: 3.347083777957912 on
# DuckDB and Spark, 3.3470837779579115 on PostgreSQL). Everything else is compared exactly.
FLOAT_REL_TOL = 1e-12


# --------------------------------------------------------------------------- helpers


def schema_relations(warehouse: Warehouse, schema: str) -> list[str]:
    """Every table and view of a schema in the DuckDB build, as <schema>.<name>."""
    rows = warehouse.query(
        "select table_name from information_schema.tables where table_schema = ? order by table_name",
        [schema],
    )
    return [f"{schema}.{name}" for (name,) in rows]


def mart_queries(relations: list[str]) -> dict[str, str]:
    return {relation: f"select * from {relation}" for relation in relations}


def sort_text(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.12g}"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def canonical(row: tuple) -> tuple:
    """A sort key that is the same for equal rows from any engine: None first, numbers by value,
    doubles rounded to 12 significant digits."""
    return tuple((value is None, "" if value is None else sort_text(value)) for value in row)


def same_value(left: object, right: object) -> bool:
    """Equal; doubles within a relative 1e-12 (an engine sums doubles in its own order)."""
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=FLOAT_REL_TOL, abs_tol=1e-300)
    return left == right


def assert_same_rows(engine: str, relation: str, duck: QueryResult, other: QueryResult) -> None:
    """Same columns and the same rows: exactly, except doubles within FLOAT_REL_TOL. Numbers compare
    by value across drivers (Decimal('1.50') == Decimal('1.5'))."""
    assert other[0] == duck[0], f"{engine} {relation}: columns {other[0]} != DuckDB {duck[0]}"
    assert len(other[1]) == len(duck[1]), f"{engine} {relation}: {len(other[1])} rows, DuckDB {len(duck[1])}"
    for duck_row, other_row in zip(
        sorted(duck[1], key=canonical), sorted(other[1], key=canonical), strict=True
    ):
        if not all(same_value(left, right) for left, right in zip(duck_row, other_row, strict=True)):
            pytest.fail(f"{engine} {relation}: row differs\n  DuckDB:  {duck_row}\n  {engine}: {other_row}")


def assert_suite_passed(engine: str, completed, logs: str = "") -> None:
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-8000:] + ("\n" + logs if logs else "")
    assert f"engine suite {engine}: PASSED" in output, output[-3000:]


def duckdb_manifest_nodes(warehouse: Warehouse) -> list[dict]:
    """Models, seeds, data tests and unit tests of the DuckDB build's manifest."""
    manifest = json.loads((warehouse.target / "manifest.json").read_text(encoding="utf-8"))
    return [*manifest["nodes"].values(), *manifest.get("unit_tests", {}).values()]


# --------------------------------------------------------------------------- DuckDB reference


@pytest.fixture(scope="module")
def duckdb_core(core_warehouse: Warehouse) -> Warehouse:
    """The reference: CORE_RAW's full `dbt build` on DuckDB, every data and unit test included
    (conftest.py, shared with the core-mart and PII tests; only read here)."""
    return core_warehouse


@pytest.fixture(scope="module")
def duckdb_marts(duckdb_core: Warehouse) -> dict[str, QueryResult]:
    relations = schema_relations(duckdb_core, MARTS)
    assert {"marts.fct_lead_funnel", "marts.mart_stage_conversion", "marts.mart_campaign_efficiency"} <= set(
        relations
    )
    return EngineTarget("duckdb", duckdb_path=duckdb_core.path).query(mart_queries(relations))


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="module")
def postgres_core() -> Iterator[PostgresSettings]:
    """The core fixture built twice by the engine suite into a database of its own (dropped
    afterwards). The first build is the full `dbt build`: every data test and unit test on
    PostgreSQL (their SQL, the dispatched macros and the unit-test comparison shim run there; the
    only place they do). The second republishes raw into the existing tables and runs the
    incremental models incrementally, as a nightly run on PostgreSQL would: seeds and models only,
    since the marts it leaves are compared with DuckDB's row for row, and the tests of the same
    code ran in the first build."""
    settings = PostgresSettings.from_env()
    reason = postgres_available(settings)
    assert reason is None, f"PostgreSQL is not available ({reason}); run scripts/engines/start_postgres.sh"
    database = create_postgres_database(settings, f"revops_test_{uuid.uuid4().hex[:10]}")
    try:
        for extra in ([], ["--no-data-tests", "--no-unit-tests"]):
            completed = run_script(
                "engine_suite.py",
                "--engine",
                "postgres",
                "--raw-dir",
                str(CORE_RAW),
                "--no-scratch",
                *extra,
                env=database.env(),
            )
            assert_suite_passed("postgres", completed)
        yield database
    finally:
        drop_postgres_database(database)


@pytest.mark.postgres
def test_postgres_marts_equal_duckdb(
    postgres_core: PostgresSettings, duckdb_marts: dict[str, QueryResult]
) -> None:
    postgres_marts = EngineTarget("postgres", postgres=postgres_core).query(mart_queries(list(duckdb_marts)))
    for relation, duck in duckdb_marts.items():
        assert_same_rows("postgres", relation, duck, postgres_marts[relation])


@pytest.mark.postgres
def test_bi_reader_reads_marts_and_is_refused_elsewhere(
    postgres_core: PostgresSettings, duckdb_marts: dict[str, QueryResult]
) -> None:
    import psycopg2

    bi = postgres_core.with_login(
        os.environ.get("REVOPS_BI_ROLE", "bi_reader"), os.environ.get("REVOPS_BI_PASSWORD", "bi_reader")
    )
    allowed = {}
    for relation in duckdb_marts:
        allowed[relation] = EngineTarget("postgres", postgres=bi).query(
            {"q": f"select count(*) from {relation}"}
        )
    assert allowed["marts.fct_lead_funnel"]["q"][1] == [(14,)]

    refused = [
        "raw.leads",
        "raw.quarantine",
        "staging.stg_crm__leads",
        "intermediate.int_lead_stages_entered",
        "seeds.fx_rates",
    ]
    for relation in refused:
        connection = postgres_connect(bi)
        try:
            with connection.cursor() as cursor, pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cursor.execute(f"select count(*) from {relation}")
        finally:
            connection.close()

    # The refusals above are grants, not missing tables: the project role reads them all.
    owner = EngineTarget("postgres", postgres=postgres_core).query(
        {relation: f"select count(*) from {relation}" for relation in refused}
    )
    assert owner["raw.leads"][1] == [(14,)]
    assert owner["staging.stg_crm__leads"][1] == [(14,)]


@pytest.mark.postgres
def test_a_test_database_is_dropped_while_another_roles_session_is_in_it() -> None:
    """The suites drop their databases while a session of another role may still be in them: an
    autovacuum worker analysing the tables just published (the BI role's idle session stands in
    for it). The drop ends it and the database is gone, rather than the teardown failing a test
    that passed (it did in CI, "must be a member of ... pg_signal_backend")."""
    import psycopg2

    settings = PostgresSettings.from_env()
    reason = postgres_available(settings)
    assert reason is None, f"PostgreSQL is not available ({reason}); run scripts/engines/start_postgres.sh"
    database = create_postgres_database(settings, f"revops_drop_{uuid.uuid4().hex[:10]}")
    bi = database.with_login(
        os.environ.get("REVOPS_BI_ROLE", "bi_reader"), os.environ.get("REVOPS_BI_PASSWORD", "bi_reader")
    )
    other = postgres_connect(bi)
    try:
        drop_postgres_database(database)
        with pytest.raises(psycopg2.OperationalError), other.cursor() as cursor:
            cursor.execute("select 1")
    finally:
        other.close()
    connection = postgres_connect(settings.with_dbname("postgres"))
    try:
        with connection.cursor() as cursor:
            cursor.execute("select count(*) from pg_database where datname = %s", (database.dbname,))
            assert cursor.fetchone() == (0,)
    finally:
        connection.close()


# --------------------------------------------------------------------------- Spark

# The dbt unit tests that also run on Spark: those whose hand-made inputs go through the spark__
# dispatch of a macro on its edge cases (the core fixture's marts cover the common cases). Every
# unit test runs on DuckDB and PostgreSQL.
SPARK_UNIT_TESTS = (
    "stage_conversion_rates_and_medians",  # median (spark__median) of even and odd counts, days_between
    "mql_drift_rates_and_median_per_slice",  # median per slice, safe_divide ratios (spark__type_ratio)
    "forward_window_follows_the_var",  # dbt.datediff in seconds on Spark: one second past the window
    "handoff_sla_counts_business_days",  # business-day arithmetic over the calendar, datediff
)
# What the Salesforce source adds to the SQL that runs on Spark is its staging layer: the Salesforce
# models (the dispatched UTC conversion, 15- and 18-character Ids, domains, picklist mappings) and
# the canonical stg_crm__* views over them. Everything downstream reads only stg_crm__*, and is the
# same SQL as the core build's, whose every mart is compared above. So on Spark the Salesforce
# fixture builds the Salesforce and canonical staging models, and each is compared with DuckDB's:
# equal canonical views give equal marts, and the suite alone takes 136 s against 165 s when it
# built every model again (docs/engines.md). The loader's own staging views (stg_loader__*) are left out:
# the same SQL over the same loader tables for every source, and they hold the load's clock time.
SALESFORCE_ON_SPARK = ("path:models/staging/salesforce", "path:models/staging/crm")
STAGING = "staging"


# Session scope: pytest sets up session fixtures before module ones, and the cluster and the Spark
# builds must start before DuckDB's session-wide reference builds (core_warehouse, salesforce_build)
# to run beside them. Only this module uses them.
@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkCluster]:
    """A standalone master and two 1-core workers on 127.0.0.1, started with pyspark's own launcher,
    stopped at the end whatever happened (revops.spark_cluster)."""
    reason = spark_available() or cluster_unavailable()
    assert reason is None, f"Spark is not available ({reason})"
    with local_cluster(tmp_path_factory.mktemp("spark-cluster"), workers=2, cores_per_worker=1) as cluster:
        yield cluster


@pytest.fixture(scope="session")
def spark_builds_started(
    tmp_path_factory: pytest.TempPathFactory, spark_cluster: SparkCluster
) -> Iterator[SparkBuildsRun]:
    """Both sources built on the cluster, one after the other, in one Spark application
    (revops.spark_suite): the core fixture (contract source, with SPARK_UNIT_TESTS), every model,
    every mart read back; and the hand-made Salesforce fixture (`crm_source: salesforce`), its
    Salesforce and canonical staging models (SALESFORCE_ON_SPARK), each read back. Started in the
    background, so that DuckDB's reference builds run meanwhile (spark_builds waits)."""
    settings = SparkSettings(tmp_path_factory.mktemp("spark"), spark_cluster.master_url)
    builds = [
        SparkBuild("core", CORE_RAW, "contract", SPARK_UNIT_TESTS),
        SparkBuild(
            "salesforce", SALESFORCE_RAW, "salesforce", select=SALESFORCE_ON_SPARK, read_schema=STAGING
        ),
    ]
    run = SparkBuildsRun(settings, builds, tmp_path_factory.mktemp("spark-builds")).start()
    try:
        yield run
    finally:
        run.stop()


@pytest.fixture(scope="module")
def spark_builds(
    spark_builds_started: SparkBuildsRun,
    duckdb_core: Warehouse,
    salesforce_build: tuple[Warehouse, str, str],
    spark_cluster: SparkCluster,
) -> dict[str, BuildResult]:
    """The Spark builds' results, once DuckDB's reference builds of the same fixtures are done too.
    The data tests and the other unit tests run there, on the same SQL (core_warehouse,
    salesforce_build)."""
    try:
        results, output = spark_builds_started.wait()
    except EngineError as error:
        pytest.fail(f"{error}\n{spark_cluster.logs()}")
    for build in spark_builds_started.builds:
        assert build.name in results, output[-8000:]
        summary = results[build.name].summary
        assert summary["ok"], f"{summary['reason']}\n{summary['dbt']['failures']}\n{output[-8000:]}"
    slowest = sorted(
        (
            (seconds, node)
            for result in results.values()
            for node, seconds in result.summary["dbt"]["node_times"].items()
        ),
        reverse=True,
    )[:8]
    print(
        "Spark: slowest dbt nodes",
        slowest,
        {name: result.summary["phases_seconds"] for name, result in results.items()},
    )
    return results


@pytest.fixture(scope="module")
def duckdb_salesforce_staging(salesforce_build: tuple[Warehouse, str, str]) -> dict[str, QueryResult]:
    """The reference for the Salesforce build: the staging relations of the hand-made Salesforce
    fixture's full `dbt build` on DuckDB (test_salesforce_source's session fixture, every data and
    unit test included)."""
    warehouse, _, _ = salesforce_build
    relations = [
        relation
        for relation in schema_relations(warehouse, STAGING)
        if relation.startswith(("staging.stg_salesforce__", "staging.stg_crm__"))
    ]
    assert {"staging.stg_salesforce__opportunity", "staging.stg_crm__opportunities"} <= set(relations)
    return EngineTarget("duckdb", duckdb_path=warehouse.path).query(mart_queries(relations))


@pytest.mark.spark
def test_spark_marts_equal_duckdb(
    spark_builds: dict[str, BuildResult], duckdb_marts: dict[str, QueryResult]
) -> None:
    results = spark_builds["core"].marts
    assert sorted(results) == sorted(duckdb_marts)
    for relation, duck in duckdb_marts.items():
        assert_same_rows("spark", relation, duck, results[relation])


@pytest.mark.spark
def test_spark_salesforce_staging_equals_duckdb(
    spark_builds: dict[str, BuildResult], duckdb_salesforce_staging: dict[str, QueryResult]
) -> None:
    """#11: the Salesforce source (its staging over the published `salesforce` and `raw` schemas,
    the dispatched UTC conversion, the Id and domain handling) gives the same staging relations on
    Spark, so the same input to the models downstream (SALESFORCE_ON_SPARK)."""
    results = spark_builds["salesforce"].marts
    assert sorted(results) == sorted(duckdb_salesforce_staging)
    assert spark_builds["salesforce"].summary["published_rows"]["salesforce.opportunity"] == 5
    for relation, duck in duckdb_salesforce_staging.items():
        assert_same_rows("spark", relation, duck, results[relation])


@pytest.mark.spark
def test_spark_builds_every_model_and_seed_and_the_engine_unit_tests(
    spark_builds: dict[str, BuildResult],
    duckdb_core: Warehouse,
    salesforce_build: tuple[Warehouse, str, str],
) -> None:
    """What guards Spark's own SQL runs on Spark: every model of the core build and every staging
    model of the Salesforce one (with its enforced contract, through the spark__ contract-type
    shims), every seed (through the spark__ seed shims, once: both sources read the same seed files)
    and the unit tests of SPARK_UNIT_TESTS (hand-made inputs through the spark__ dispatch of median,
    datediff, ...). The data tests are left to DuckDB's builds of the same SQL."""
    references = {
        "core": (duckdb_core, ("",)),
        "salesforce": (salesforce_build[0], ("models/staging/salesforce/", "models/staging/crm/")),
    }
    for name, (reference, under) in references.items():
        summary = spark_builds[name].summary
        expected = Counter(
            node["resource_type"]
            for node in duckdb_manifest_nodes(reference)
            if node["resource_type"] in ("model", "seed") and node["original_file_path"].startswith(under)
        )
        built = summary["dbt"]["node_counts"]
        assert built.get("model") == expected["model"] > 0, (name, summary)
        assert built.get("seed", 0) == (expected["seed"] if name == "core" else 0), (name, summary)
        assert "test" not in built, summary  # the data tests ran on DuckDB
        # Every node succeeded: a unit test reports `pass`, a model or seed `success`.
        assert set(summary["dbt"]["statuses"]) <= {"success", "pass"}, summary
    core = spark_builds["core"].summary["dbt"]
    # A unit test of a versioned model is named for the version too (…_v2).
    ran = sorted(
        re.sub(r"_v\d+$", "", node.rsplit(".", 1)[-1])
        for node in core["node_times"]
        if node.startswith("unit_test.")
    )
    assert ran == sorted(SPARK_UNIT_TESTS), core
    assert core["statuses"].get("pass") == len(SPARK_UNIT_TESTS), core


@pytest.mark.spark
def test_spark_build_ran_on_the_cluster_executors(
    spark_builds: dict[str, BuildResult], spark_cluster: SparkCluster
) -> None:
    """The publications, both dbt builds and the read-backs were one application of the standalone
    master, and each worker ran an executor (a JVM of its own, one core) for it."""
    names = Counter(app["name"] for app in spark_cluster.applications())
    assert names == Counter({SPARK_SUITE_APP: 1}), names
    executors = spark_cluster.executors_by_worker()
    assert set(executors) == {"worker-1", "worker-2"}
    for worker, apps in executors.items():
        assert apps.get(SPARK_SUITE_APP, 0) >= 1, f"{worker} ran no executor for the builds: {executors}"
