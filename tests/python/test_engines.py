"""The same dbt project builds on PostgreSQL and on a Spark cluster, and every mart there holds
exactly the rows it holds on DuckDB for the same raw data (tests/fixtures/core/raw).

Each engine is built through the real path: scripts/engine_suite.py loads the fixture with the
loader into a temporary DuckDB, publishes the raw tables to the engine and runs
`dbt build --target <engine>`. Then every table and view of schema `marts` is read from the engine
and compared with DuckDB's, row for row: exactly, except doubles, which may differ in the last bits
(FLOAT_REL_TOL).

- PostgreSQL: the full `dbt build` (every data and unit test), twice, the second one incremental.
- Spark: a standalone master and two 1-core workers on 127.0.0.1 (revops.spark_cluster), dbt's
  session driver on spark://127.0.0.1:7077. The build runs every seed, model (contracts enforced)
  and dbt unit test, but not the data tests: those run on DuckDB's build of the same SQL here
  (duckdb_core) and cost ~1 s per test on Spark. What guards Spark's own SQL stays on Spark: the
  unit tests (hand-made inputs through the spark__ macros), the enforced contracts (the spark__
  contract-type shims), the seeds (the spark__ seed shims) and the mart comparison.

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
import uuid
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import pytest

from conftest import FIXTURES, Warehouse, run_script
from revops.engines import (
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

CORE_RAW = FIXTURES / "core" / "raw"
MARTS = "marts"

# Doubles: sums of doubles depend on the order an engine adds them in (seen: 3.347083777957912 on
# DuckDB and Spark, 3.3470837779579115 on PostgreSQL). Everything else is compared exactly.
FLOAT_REL_TOL = 1e-12


# --------------------------------------------------------------------------- helpers


def mart_relations(warehouse: Warehouse) -> list[str]:
    """Every table and view of schema marts in the DuckDB build, as marts.<name>."""
    rows = warehouse.query(
        "select table_name from information_schema.tables where table_schema = ? order by table_name", [MARTS]
    )
    return [f"{MARTS}.{name}" for (name,) in rows]


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
    relations = mart_relations(duckdb_core)
    assert {"marts.fct_lead_funnel", "marts.mart_stage_conversion", "marts.mart_campaign_efficiency"} <= set(
        relations
    )
    return EngineTarget("duckdb", duckdb_path=duckdb_core.path).query(mart_queries(relations))


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="module")
def postgres_core() -> Iterator[PostgresSettings]:
    """The core fixture built twice by the engine suite into a database of its own (dropped
    afterwards). The second build republishes raw into the existing tables and runs the
    incremental models incrementally, as a nightly run on PostgreSQL would."""
    settings = PostgresSettings.from_env()
    reason = postgres_available(settings)
    assert reason is None, f"PostgreSQL is not available ({reason}); run scripts/engines/start_postgres.sh"
    database = create_postgres_database(settings, f"revops_test_{uuid.uuid4().hex[:10]}")
    try:
        for _ in range(2):
            completed = run_script(
                "engine_suite.py",
                "--engine",
                "postgres",
                "--raw-dir",
                str(CORE_RAW),
                "--no-scratch",
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


# --------------------------------------------------------------------------- Spark


@pytest.fixture(scope="module")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkCluster]:
    """A standalone master and two 1-core workers on 127.0.0.1, started with pyspark's own launcher,
    stopped after the module whatever happened (revops.spark_cluster)."""
    reason = spark_available() or cluster_unavailable()
    assert reason is None, f"Spark is not available ({reason})"
    with local_cluster(tmp_path_factory.mktemp("spark-cluster"), workers=2, cores_per_worker=1) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def spark_core(
    tmp_path_factory: pytest.TempPathFactory,
    spark_cluster: SparkCluster,
    duckdb_marts: dict[str, QueryResult],
) -> tuple[dict[str, QueryResult], dict]:
    """The core fixture built by the engine suite on the cluster into a warehouse of its own, with
    the data tests left to DuckDB (they run there on the same SQL, in duckdb_core's build); then the
    marts read back in one Spark application. Returns (results, summary)."""
    settings = SparkSettings(tmp_path_factory.mktemp("spark"), spark_cluster.master_url)
    summary_path = settings.directory / "summary.json"
    completed = run_script(
        "engine_suite.py",
        "--engine",
        "spark",
        "--raw-dir",
        str(CORE_RAW),
        "--no-scratch",
        "--no-data-tests",
        "--summary-json",
        str(summary_path),
        env=settings.env(),
    )
    assert_suite_passed("spark", completed, spark_cluster.logs())
    queries = mart_queries(list(duckdb_marts))
    results = EngineTarget("spark", spark=settings).query(queries)
    return results, json.loads(summary_path.read_text(encoding="utf-8"))


@pytest.mark.spark
def test_spark_marts_equal_duckdb(
    spark_core: tuple[dict[str, QueryResult], dict], duckdb_marts: dict[str, QueryResult]
) -> None:
    results, _ = spark_core
    for relation, duck in duckdb_marts.items():
        assert_same_rows("spark", relation, duck, results[relation])


@pytest.mark.spark
def test_spark_builds_every_model_and_seed_and_runs_every_unit_test(
    spark_core: tuple[dict[str, QueryResult], dict], duckdb_core: Warehouse
) -> None:
    """What guards Spark's own SQL runs on Spark: every model (with its enforced contract, through
    the spark__ contract-type shims), every seed (through the spark__ seed shims) and every dbt unit
    test (hand-made inputs through the spark__ dispatch of median, sorted_listagg,
    datediff, ...). Only the data tests are left to DuckDB's build of the same project."""
    _, summary = spark_core
    kinds = ("model", "seed", "unit_test")
    expected = Counter(
        node["resource_type"] for node in duckdb_manifest_nodes(duckdb_core) if node["resource_type"] in kinds
    )
    assert all(expected[kind] > 0 for kind in kinds), expected
    built = summary["dbt_nodes_by_type"]
    assert {kind: built.get(kind, 0) for kind in kinds} == dict(expected), summary
    assert "test" not in built, summary  # the data tests ran on DuckDB
    # Every node succeeded: a unit test reports `pass`, a model or seed `success`, an exposure `no-op`.
    statuses = summary["dbt_statuses"]
    assert set(statuses) <= {"success", "pass", "no-op"}, summary
    assert statuses.get("pass") == expected["unit_test"], summary


@pytest.mark.spark
def test_spark_build_ran_on_the_cluster_executors(
    spark_core: tuple[dict[str, QueryResult], dict], spark_cluster: SparkCluster
) -> None:
    """dbt's session, the publication and the read-back were applications of the standalone master,
    and each worker ran an executor (a JVM of its own, one core) for dbt's application."""
    names = Counter(app["name"] for app in spark_cluster.applications())
    assert names == Counter({"revops-publish": 1, "revops-dbt": 1, "revops-query": 1}), names
    executors = spark_cluster.executors_by_worker()
    assert set(executors) == {"worker-1", "worker-2"}
    for worker, apps in executors.items():
        assert apps.get("revops-dbt", 0) >= 1, f"{worker} ran no executor for dbt: {executors}"
