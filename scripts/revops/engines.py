"""Publish the validated raw tables of a DuckDB warehouse into another engine, and read tables back.

The loader (scripts/load.py) always validates into DuckDB. To build the same dbt project on
PostgreSQL or Spark, the tables of schema `raw` (the contract tables and `raw.quarantine`) are
copied, with their types, into schema/database `raw` of that engine; dbt then builds there
(`dbt build --target postgres|spark`, see docs/engines.md).

- PostgreSQL: one transaction; each table is emptied (or recreated when its columns changed) and
  filled with `COPY ... FROM STDIN` from a CSV that DuckDB writes. Readers see the old rows until
  the commit.
- Spark: a local SparkSession with the settings of the dbt `spark` profile writes each table as a
  parquet table in database `raw`. The session runs in a child process: the embedded Derby
  metastore admits one JVM at a time, and dbt's own session needs it next.

Engine settings come from the same environment variables the dbt profiles read
(REVOPS_PG_HOST/PORT/USER/PASSWORD/DBNAME, REVOPS_SPARK_DIR, REVOPS_SPARK_DRIVER_MEMORY); the Spark
session parameters are rendered from profiles.yml itself, so both sides always agree.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import duckdb
import jinja2
import yaml

from revops.rawio import sql_name, sql_string
from revops.settings import PROJECT_DIR

Engine = Literal["duckdb", "postgres", "spark"]
ENGINES: tuple[Engine, ...] = ("duckdb", "postgres", "spark")
RAW_SCHEMA = "raw"
PROFILE_NAME = "revops_funnel"
PROFILES_FILE = PROJECT_DIR / "profiles.yml"


QueryResult = tuple[list[str], list[tuple]]
"""Column names and rows of a query."""


class EngineError(Exception):
    """The engine cannot be reached or refused the publication."""


# --------------------------------------------------------------------------- profiles


def _env_var(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise EngineError(f"environment variable {name} is not set")
    return value


@lru_cache(maxsize=8)
def _rendered_profiles(environment: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """profiles.yml with its `{{ env_var(...) }}` expressions rendered like dbt does."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.filters["as_number"] = lambda value: value
    env_map = dict(environment)

    def env_var(name: str, default: str | None = None) -> str:
        value = env_map.get(name, default)
        if value is None:
            raise EngineError(f"environment variable {name} is not set")
        return value

    def render(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: render(value) for key, value in node.items()}
        if isinstance(node, list):
            return [render(value) for value in node]
        if isinstance(node, str) and "{{" in node:
            return env.from_string(node).render(env_var=env_var)
        return node

    with PROFILES_FILE.open(encoding="utf-8") as handle:
        return render(yaml.safe_load(handle))


def profile_output(target: str, env_overrides: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The rendered `outputs.<target>` of the project's dbt profile, as dbt would see it with this
    process's environment plus `env_overrides`."""
    environment = {**os.environ, **(env_overrides or {})}
    profiles = _rendered_profiles(tuple(sorted(environment.items())))
    outputs = profiles[PROFILE_NAME]["outputs"]
    if target not in outputs:
        raise EngineError(f"profiles.yml has no output {target!r}")
    return dict(outputs[target])


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class PostgresSettings:
    host: str
    port: int
    user: str
    password: str
    dbname: str

    @classmethod
    def from_env(cls) -> PostgresSettings:
        """The connection the dbt `postgres` output uses (env REVOPS_PG_*)."""
        return cls(
            host=_env_var("REVOPS_PG_HOST", "localhost"),
            port=int(_env_var("REVOPS_PG_PORT", "5432")),
            user=_env_var("REVOPS_PG_USER", "revops"),
            password=_env_var("REVOPS_PG_PASSWORD", "revops"),
            dbname=_env_var("REVOPS_PG_DBNAME", "revops"),
        )

    def env(self) -> dict[str, str]:
        """Environment variables that point the dbt profile at this database."""
        return {
            "REVOPS_PG_HOST": self.host,
            "REVOPS_PG_PORT": str(self.port),
            "REVOPS_PG_USER": self.user,
            "REVOPS_PG_PASSWORD": self.password,
            "REVOPS_PG_DBNAME": self.dbname,
        }

    def with_login(self, user: str, password: str) -> PostgresSettings:
        return replace(self, user=user, password=password)

    def with_dbname(self, dbname: str) -> PostgresSettings:
        return replace(self, dbname=dbname)

    def describe(self) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"


@dataclass(frozen=True)
class SparkSettings:
    directory: Path
    """Holds the spark warehouse, the Derby metastore and derby.log (env REVOPS_SPARK_DIR)."""

    @classmethod
    def from_env(cls) -> SparkSettings:
        directory = Path(_env_var("REVOPS_SPARK_DIR", "warehouse/spark"))
        return cls(directory if directory.is_absolute() else PROJECT_DIR / directory)

    def env(self) -> dict[str, str]:
        return {"REVOPS_SPARK_DIR": str(self.directory)}

    def describe(self) -> str:
        return f"local Spark session, warehouse and metastore in {self.directory}"


def spark_session_parameters(settings: SparkSettings) -> dict[str, str]:
    """The `server_side_parameters` of the dbt `spark` output, for this directory."""
    output = profile_output("spark", settings.env())
    return {str(key): str(value) for key, value in (output.get("server_side_parameters") or {}).items()}


# --------------------------------------------------------------------------- raw tables in DuckDB


def _duckdb_raw(connection: duckdb.DuckDBPyConnection, table: str, schema: str = RAW_SCHEMA) -> str:
    """raw.<table>, qualified with the catalog (a file named raw.duckdb is catalog `raw` too)."""
    (catalog,) = connection.execute("select current_database()").fetchone()
    return f"{sql_name(catalog)}.{sql_name(schema)}.{sql_name(table)}"


@dataclass(frozen=True)
class RawTable:
    name: str
    columns: tuple[tuple[str, str], ...]
    """(name, DuckDB type) in table order."""
    rows: int


def raw_tables(duckdb_path: Path, schema: str = RAW_SCHEMA) -> tuple[RawTable, ...]:
    """The base tables of schema `raw` (or `schema`, e.g. salesforce) in the DuckDB warehouse, with their
    column types."""
    if not duckdb_path.exists():
        raise EngineError(f"no DuckDB warehouse at {duckdb_path}")
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables "
                "where table_schema = ? and table_type = 'BASE TABLE' order by table_name",
                [schema],
            ).fetchall()
        ]
        tables = []
        for name in names:
            columns = connection.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, name],
            ).fetchall()
            (rows,) = connection.execute(
                f"select count(*) from {_duckdb_raw(connection, name, schema)}"
            ).fetchone()
            tables.append(RawTable(name, tuple((str(c), str(t)) for c, t in columns), int(rows)))
    if not tables:
        raise EngineError(f"{duckdb_path} has no tables in schema {schema}: load it first")
    return tuple(tables)


# --------------------------------------------------------------------------- PostgreSQL

_POSTGRES_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}


def _engine_type(duckdb_type: str, types: Mapping[str, str], decimal: str, engine: str) -> str:
    """An engine's spelling of a DuckDB column type of the raw tables (decimals keep (p, s))."""
    upper = duckdb_type.upper()
    if upper.startswith("DECIMAL"):
        return decimal + duckdb_type[len("DECIMAL") :]
    if upper in types:
        return types[upper]
    raise EngineError(f"no {engine} type for DuckDB type {duckdb_type}")


def postgres_type(duckdb_type: str) -> str:
    """The PostgreSQL spelling of a DuckDB column type of the raw tables."""
    return _engine_type(duckdb_type, _POSTGRES_TYPES, "numeric", "PostgreSQL")


def postgres_connect(settings: PostgresSettings, **kwargs: Any):
    """A psycopg2 connection (psycopg2 comes with dbt-postgres)."""
    import psycopg2

    try:
        connection = psycopg2.connect(
            host=settings.host,
            port=settings.port,
            user=settings.user,
            password=settings.password,
            dbname=settings.dbname,
            connect_timeout=5,
            **kwargs,
        )
    except psycopg2.OperationalError as error:
        raise EngineError(f"cannot connect to {settings.describe()}: {str(error).strip()}") from error
    connection.set_client_encoding("UTF8")
    return connection


def postgres_available(settings: PostgresSettings | None = None) -> str | None:
    """None when the server answers to the project role, else the reason it does not."""
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        return "psycopg2 is not installed (pip install -r requirements-engines.txt)"
    try:
        postgres_connect(settings or PostgresSettings.from_env()).close()
    except EngineError as error:
        return str(error)
    return None


def create_postgres_database(settings: PostgresSettings, dbname: str) -> PostgresSettings:
    """Create an empty database owned by the project role (which has CREATEDB)."""
    from psycopg2 import sql

    connection = postgres_connect(settings.with_dbname("postgres"))
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("drop database if exists {}").format(sql.Identifier(dbname)))
            cursor.execute(
                sql.SQL("create database {} encoding 'UTF8' template template0").format(
                    sql.Identifier(dbname)
                )
            )
    finally:
        connection.close()
    return settings.with_dbname(dbname)


def drop_postgres_database(settings: PostgresSettings) -> None:
    from psycopg2 import sql

    connection = postgres_connect(settings.with_dbname("postgres"))
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(settings.dbname))
            )
    finally:
        connection.close()


def _postgres_columns(cursor, table: str, schema: str = RAW_SCHEMA) -> tuple[tuple[str, str], ...]:
    cursor.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a "
        "join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = %s and c.relname = %s and c.relkind = 'r' and a.attnum > 0 "
        "and not a.attisdropped order by a.attnum",
        (schema, table),
    )
    return tuple((str(name), str(kind)) for name, kind in cursor.fetchall())


def _normalise_pg_type(kind: str) -> str:
    return {"timestamp without time zone": "timestamp", "timestamp with time zone": "timestamptz"}.get(
        kind, kind
    )


def publish_postgres(
    duckdb_path: Path, settings: PostgresSettings, schema: str = RAW_SCHEMA
) -> dict[str, int]:
    """Replace schema `raw` (or `schema`, e.g. salesforce) of the PostgreSQL database with the DuckDB
    tables of the same schema (one transaction).

    A table whose columns are unchanged is emptied and refilled, so dbt's views over it survive;
    one whose columns changed is dropped (with the views over it) and created anew.
    Returns rows published per table.
    """
    from psycopg2 import sql

    tables = raw_tables(duckdb_path, schema)
    published: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="revops-publish-") as workdir:
        connection = postgres_connect(settings)
        try:
            with (
                connection,
                connection.cursor() as cursor,
                duckdb.connect(str(duckdb_path), read_only=True) as source,
            ):
                cursor.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
                for table in tables:
                    wanted = tuple((name, postgres_type(kind)) for name, kind in table.columns)
                    existing = tuple(
                        (name, _normalise_pg_type(kind))
                        for name, kind in _postgres_columns(cursor, table.name, schema)
                    )
                    target = sql.Identifier(schema, table.name)
                    if existing == wanted:
                        cursor.execute(sql.SQL("truncate table {}").format(target))
                    else:
                        cursor.execute(sql.SQL("drop table if exists {} cascade").format(target))
                        cursor.execute(
                            sql.SQL("create table {} ({})").format(
                                target,
                                sql.SQL(", ").join(
                                    sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind))
                                    for name, kind in wanted
                                ),
                            )
                        )
                    csv_path = Path(workdir) / f"{table.name}.csv"
                    source.execute(
                        f"copy {_duckdb_raw(source, table.name, schema)} to {sql_string(str(csv_path))} "
                        "(format csv, header false, nullstr '\\N')"
                    )
                    copy = sql.SQL("copy {} ({}) from stdin with (format csv, null '\\N')").format(
                        target, sql.SQL(", ").join(sql.Identifier(name) for name, _ in table.columns)
                    )
                    with csv_path.open(encoding="utf-8") as handle:
                        cursor.copy_expert(copy.as_string(connection), handle)
                    csv_path.unlink()
                    published[table.name] = table.rows
        finally:
            connection.close()
    return published


def query_postgres(settings: PostgresSettings, queries: Mapping[str, str]) -> dict[str, QueryResult]:
    """Run each named query; (column names, rows) per name."""
    connection = postgres_connect(settings)
    results: dict[str, QueryResult] = {}
    try:
        with connection.cursor() as cursor:
            for name, query in queries.items():
                cursor.execute(query)
                results[name] = (
                    [column.name for column in cursor.description],
                    [tuple(row) for row in cursor],
                )
    finally:
        connection.close()
    return results


# --------------------------------------------------------------------------- Spark


def spark_available() -> str | None:
    """None when pyspark and a Java runtime are present, else the reason they are not."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install -r requirements-engines.txt)"
    java_home = os.environ.get("JAVA_HOME")
    java = Path(java_home) / "bin" / "java" if java_home else shutil.which("java")
    if not java or not Path(java).exists():
        return "no Java runtime (install Java 17, e.g. Debian's openjdk-17-jre-headless)"
    return None


def _spark_worker(command: str, settings: SparkSettings, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """Run a Spark job in a child Python process (one JVM, released when it exits)."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(PROJECT_DIR / "scripts"), *filter(None, [environment.get("PYTHONPATH")])]
    )
    environment.update(settings.env())
    payload = json.dumps({"command": command, "directory": str(settings.directory), **arguments})
    completed = subprocess.run(
        [sys.executable, "-m", "revops.engines", payload],
        cwd=settings.directory,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0 or not lines:
        tail = "\n".join((completed.stdout + completed.stderr).strip().splitlines()[-25:])
        raise EngineError(f"Spark {command} failed (exit {completed.returncode}):\n{tail}")
    return json.loads(lines[-1])


_SPARK_TYPES = {
    "VARCHAR": "string",
    "BIGINT": "bigint",
    "INTEGER": "int",
    "SMALLINT": "smallint",
    "DOUBLE": "double",
    "FLOAT": "float",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp",
}


def spark_type(duckdb_type: str) -> str:
    """The Spark SQL spelling of a DuckDB column type of the raw tables."""
    return _engine_type(duckdb_type, _SPARK_TYPES, "decimal", "Spark")


def publish_spark(duckdb_path: Path, settings: SparkSettings) -> dict[str, int]:
    """Replace database `raw` of the local Spark warehouse with the DuckDB raw tables.

    DuckDB writes each table as one parquet file under REVOPS_SPARK_DIR/raw_files/<table>.<id>/; the
    Spark session only (re)registers `raw.<table>` over it with the table's declared schema, so no
    Spark job copies data. Timestamps are written as UTC instants of their wall-clock time, which a
    Spark session in UTC (the profile's spark.sql.session.timeZone) reads back unchanged.
    Returns rows published per table.
    """
    tables = raw_tables(duckdb_path)
    files_root = settings.directory / "raw_files"
    files_root.mkdir(parents=True, exist_ok=True)
    publication = uuid.uuid4().hex[:12]
    specs = {}
    with duckdb.connect(str(duckdb_path), read_only=True) as source:
        source.execute("set TimeZone = 'UTC'")
        for table in tables:
            location = files_root / f"{table.name}.{publication}"
            location.mkdir()
            columns = ", ".join(
                f"cast({sql_name(name)} as timestamptz) as {sql_name(name)}"
                if kind.upper() == "TIMESTAMP"
                else sql_name(name)
                for name, kind in table.columns
            )
            source.execute(
                f"copy (select {columns} from {_duckdb_raw(source, table.name)}) "
                f"to {sql_string(str(location / 'part-00000.parquet'))} (format parquet)"
            )
            specs[table.name] = {
                "location": str(location),
                "columns": [[name, spark_type(kind)] for name, kind in table.columns],
            }
    try:
        result = _spark_worker("publish", settings, {"tables": specs})
    except EngineError:
        for spec in specs.values():
            shutil.rmtree(spec["location"], ignore_errors=True)
        raise
    current = {Path(spec["location"]).name for spec in specs.values()}
    for stale in files_root.iterdir():
        if stale.name not in current:
            shutil.rmtree(stale, ignore_errors=True)
    expected = {table.name: table.rows for table in tables}
    if result["rows"] != expected:
        raise EngineError(f"Spark holds {result['rows']} rows, DuckDB {expected}")
    return expected


def query_spark(settings: SparkSettings, queries: Mapping[str, str]) -> dict[str, QueryResult]:
    """Run each named query in one Spark session; (column names, rows) per name.

    The rows travel through parquet (timestamps as naive wall-clock times) and are read with DuckDB.
    """
    settings.directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="revops-query-", dir=settings.directory) as workdir:
        outputs = {name: str(Path(workdir) / f"q{index}") for index, name in enumerate(queries)}
        _spark_worker("query", settings, {"queries": dict(queries), "outputs": outputs})
        results: dict[str, QueryResult] = {}
        with duckdb.connect() as connection:
            for name, out in outputs.items():
                cursor = connection.execute(f"select * from read_parquet({sql_string(out + '/*.parquet')})")
                results[name] = (
                    [column[0] for column in cursor.description],
                    [tuple(row) for row in cursor.fetchall()],
                )
        return results


def _spark_session(settings: SparkSettings):
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("revops-engines").enableHiveSupport()
    for key, value in spark_session_parameters(settings).items():
        builder = builder.config(key, value)
    builder = builder.config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _run_spark_command(request: dict[str, Any]) -> dict[str, Any]:
    from pyspark.sql import functions

    settings = SparkSettings(Path(request["directory"]))
    session = _spark_session(settings)
    try:
        if request["command"] == "publish":
            session.sql(f"create database if not exists {RAW_SCHEMA}")
            for name, spec in request["tables"].items():
                columns = ", ".join(f"`{column}` {kind}" for column, kind in spec["columns"])
                location = spec["location"].replace("\\", "\\\\").replace("'", "\\'")
                session.sql(f"drop table if exists {RAW_SCHEMA}.`{name}`")
                session.sql(
                    f"create table {RAW_SCHEMA}.`{name}` ({columns}) using parquet location '{location}'"
                )
            counts = " union all ".join(
                f"select '{name}' as table_name, count(*) as row_count from {RAW_SCHEMA}.`{name}`"
                for name in request["tables"]
            )
            return {"rows": {row["table_name"]: row["row_count"] for row in session.sql(counts).collect()}}
        if request["command"] == "query":
            for name, query in request["queries"].items():
                frame = session.sql(query)
                for field in frame.schema.fields:
                    if field.dataType.simpleString() == "timestamp":
                        frame = frame.withColumn(field.name, functions.col(field.name).cast("timestamp_ntz"))
                frame.coalesce(1).write.mode("overwrite").parquet(request["outputs"][name])
            return {"queries": len(request["queries"])}
        raise EngineError(f"unknown Spark command {request['command']!r}")
    finally:
        session.stop()


# --------------------------------------------------------------------------- one API


@dataclass(frozen=True)
class EngineTarget:
    """An engine with its connection settings."""

    engine: Engine
    postgres: PostgresSettings | None = None
    spark: SparkSettings | None = None
    duckdb_path: Path | None = None

    @classmethod
    def from_env(cls, engine: Engine, duckdb_path: Path | None = None) -> EngineTarget:
        if engine == "postgres":
            return cls(engine, postgres=PostgresSettings.from_env())
        if engine == "spark":
            return cls(engine, spark=SparkSettings.from_env())
        return cls(engine, duckdb_path=duckdb_path)

    def env(self) -> dict[str, str]:
        """Environment for `dbt --target <engine>` to reach this engine."""
        env = {"REVOPS_TARGET": self.engine}
        if self.postgres:
            env.update(self.postgres.env())
        if self.spark:
            env.update(self.spark.env())
        if self.duckdb_path:
            env["REVOPS_DUCKDB_PATH"] = str(self.duckdb_path)
        return env

    def describe(self) -> str:
        if self.postgres:
            return self.postgres.describe()
        if self.spark:
            return self.spark.describe()
        return f"DuckDB {self.duckdb_path}"

    def unavailable(self) -> str | None:
        if self.engine == "postgres":
            return postgres_available(self.postgres)
        if self.engine == "spark":
            return spark_available()
        return None

    def publish(self, duckdb_path: Path) -> dict[str, int]:
        if self.postgres:
            return publish_postgres(duckdb_path, self.postgres)
        if self.spark:
            return publish_spark(duckdb_path, self.spark)
        raise EngineError("DuckDB is where the loader writes; nothing to publish")

    def query(self, queries: Mapping[str, str]) -> dict[str, QueryResult]:
        """Run each named query on the engine; (column names, rows) per name."""
        if self.postgres:
            return query_postgres(self.postgres, queries)
        if self.spark:
            return query_spark(self.spark, queries)
        assert self.duckdb_path is not None
        results: dict[str, QueryResult] = {}
        with duckdb.connect(str(self.duckdb_path), read_only=True) as connection:
            for name, query in queries.items():
                cursor = connection.execute(query)
                results[name] = (
                    [column[0] for column in cursor.description],
                    [tuple(row) for row in cursor.fetchall()],
                )
        return results


def main(argv: Sequence[str] | None = None) -> int:
    """Child-process entry point for Spark jobs: one JSON request in, one JSON line out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("request")
    arguments = parser.parse_args(argv)
    result = _run_spark_command(json.loads(arguments.request))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
