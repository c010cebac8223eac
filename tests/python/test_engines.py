"""The same dbt project builds and passes its dbt tests on PostgreSQL and on Spark, and every mart
there holds exactly the rows it holds on DuckDB for the same raw data (tests/fixtures/core/raw).

Each engine is built through the real path: scripts/engine_suite.py loads the fixture with the
loader into a temporary DuckDB, publishes the raw tables to the engine and runs
`dbt build --target <engine>` (all dbt data and unit tests included). Then every table and view
of schema `marts` is read from the engine and compared with DuckDB's, row for row: exactly, except
doubles, which may differ in the last bits (FLOAT_REL_TOL).

Also here: on PostgreSQL the BI role reads the marts and is refused on raw, staging,
intermediate and seeds.

Markers: `postgres` (needs a server: scripts/engines/start_postgres.sh) and `spark` (pyspark +
Java 17). scripts/test.sh runs them when the engine is available and says which ran.
"""

from __future__ import annotations

import math
import os
import uuid
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


def assert_suite_passed(engine: str, completed) -> None:
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-8000:]
    assert f"engine suite {engine}: PASSED" in output, output[-3000:]


# --------------------------------------------------------------------------- DuckDB reference


@pytest.fixture(scope="module")
def duckdb_core(warehouse_factory) -> Warehouse:
    warehouse = warehouse_factory("engines_duckdb")
    warehouse.build(CORE_RAW)
    return warehouse


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
def spark_core(tmp_path_factory: pytest.TempPathFactory, duckdb_marts: dict[str, QueryResult]):
    """The core fixture built by the engine suite into a Spark warehouse of its own; then the marts
    read back in one Spark session."""
    reason = spark_available()
    assert reason is None, f"Spark is not available ({reason})"
    settings = SparkSettings(tmp_path_factory.mktemp("spark"))
    completed = run_script(
        "engine_suite.py", "--engine", "spark", "--raw-dir", str(CORE_RAW), "--no-scratch", env=settings.env()
    )
    assert_suite_passed("spark", completed)
    return EngineTarget("spark", spark=settings).query(mart_queries(list(duckdb_marts)))


@pytest.mark.spark
def test_spark_marts_equal_duckdb(
    spark_core: dict[str, QueryResult], duckdb_marts: dict[str, QueryResult]
) -> None:
    for relation, duck in duckdb_marts.items():
        assert_same_rows("spark", relation, duck, spark_core[relation])
