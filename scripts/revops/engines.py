"""Publish the validated raw tables of a DuckDB warehouse into another engine, and read tables back.

The loader (scripts/load.py) always validates into DuckDB. To build the same dbt project on
PostgreSQL or Spark, the tables of the schemas the loader wrote are copied, with their types, into
the schemas/databases of the same names on that engine; dbt then builds there
(`dbt build --target postgres|spark`, see docs/engines.md). Those schemas are `raw` for the contract
source (the contract tables and `raw.quarantine`), and for Salesforce `salesforce` (var
salesforce_schema: the objects and their quarantine) plus `raw` (the loader's own tables):
`loaded_schemas()`.

- PostgreSQL: one transaction; each table is emptied (or recreated when its columns changed) and
  filled with `COPY ... FROM STDIN` from a CSV that DuckDB writes. Readers see the old rows until
  the commit.
- Spark: a SparkSession with the settings of the dbt `spark` profile (in-process `local[2]`, or the
  driver of the standalone cluster that REVOPS_SPARK_MASTER names) registers each table as a
  parquet table in database `raw`. The session runs in a child process: the embedded Derby
  metastore admits one JVM at a time, and dbt's own session needs it next.

Engine settings come from the same environment variables the dbt profiles read
(REVOPS_PG_HOST/PORT/USER/PASSWORD/DBNAME, REVOPS_SPARK_DIR, REVOPS_SPARK_MASTER, ...); the Spark
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
RAW_SCHEMA = "raw"
RAW_SCHEMAS: tuple[str, ...] = (RAW_SCHEMA,)
"""What is published by default: the contract source's schema."""
PROFILE_NAME = "revops_funnel"
PROFILES_FILE = PROJECT_DIR / "profiles.yml"


QueryResult = tuple[list[str], list[tuple]]
"""Column names and rows of a query."""


class EngineError(Exception):
    """The engine cannot be reached or refused the publication."""


# --------------------------------------------------------------------------- profiles


def _env_var(name: str, default: str | None = None, environment: Mapping[str, str] | None = None) -> str:
    value = (os.environ if environment is None else environment).get(name, default)
    if value is None:
        raise EngineError(f"environment variable {name} is not set")
    return value


@lru_cache(maxsize=1)
def _profile_outputs() -> dict[str, Any]:
    """The outputs of the project's profile in profiles.yml, not rendered."""
    with PROFILES_FILE.open(encoding="utf-8") as handle:
        return dict(yaml.safe_load(handle)[PROFILE_NAME]["outputs"])


def _render(node: Any, environment: Mapping[str, str]) -> Any:
    """A profile value with its `{{ env_var(...) }}` expressions rendered like dbt does."""
    if isinstance(node, dict):
        return {key: _render(value, environment) for key, value in node.items()}
    if isinstance(node, list):
        return [_render(value, environment) for value in node]
    if not (isinstance(node, str) and "{{" in node):
        return node

    def env_var(name: str, default: str | None = None) -> str:
        return _env_var(name, default, environment)

    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.filters["as_number"] = lambda value: value
    return env.from_string(node).render(env_var=env_var)


def profile_output(target: str, env_overrides: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The rendered `outputs.<target>` of the project's dbt profile, as dbt would see it with this
    process's environment plus `env_overrides`. Like dbt, only that output is rendered, so another
    output may need variables that are not set here (e.g. the Databricks one)."""
    outputs = _profile_outputs()
    if target not in outputs:
        raise EngineError(f"profiles.yml has no output {target!r}")
    return dict(_render(outputs[target], {**os.environ, **(env_overrides or {})}))


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
    master: str | None = None
    """The profile's spark.master (env REVOPS_SPARK_MASTER), e.g. spark://127.0.0.1:7077; None: the
    profile's default, an in-process local[2]."""

    @classmethod
    def from_env(cls) -> SparkSettings:
        directory = Path(_env_var("REVOPS_SPARK_DIR", "warehouse/spark"))
        return cls(
            directory if directory.is_absolute() else PROJECT_DIR / directory,
            os.environ.get("REVOPS_SPARK_MASTER") or None,
        )

    def env(self) -> dict[str, str]:
        env = {"REVOPS_SPARK_DIR": str(self.directory)}
        if self.master:
            env["REVOPS_SPARK_MASTER"] = self.master
            if self.master.startswith(("spark://127.0.0.1:", "spark://localhost:")):
                # A master on the loopback interface: the driver listens there too, for its executors.
                env["SPARK_LOCAL_IP"] = "127.0.0.1"
        return env

    def with_master(self, master: str | None) -> SparkSettings:
        return replace(self, master=master)

    def describe(self) -> str:
        where = f"Spark cluster {self.master}" if self.master else "local Spark session"
        return f"{where}, warehouse and metastore in {self.directory}"


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


def loaded_schemas(duckdb_path: Path) -> tuple[str, ...]:
    """The schemas of the DuckDB warehouse that hold base tables (what the loader wrote), `raw` first."""
    if not duckdb_path.exists():
        raise EngineError(f"no DuckDB warehouse at {duckdb_path}")
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        rows = connection.execute(
            "select distinct table_schema from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_schema not in ('main', 'information_schema')"
        ).fetchall()
    return tuple(sorted((str(schema) for (schema,) in rows), key=lambda name: (name != RAW_SCHEMA, name)))


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
    """Drop a database, ending the sessions still connected to it.

    "with (force)" must be allowed to end every such session, an autovacuum worker analysing the
    freshly published tables among them, which needs pg_signal_backend (start_postgres.sh grants
    it). On a server whose role lacks it, a plain drop is tried next: PostgreSQL cancels autovacuum
    workers on its own, and fails only while another client is still connected.
    """
    from psycopg2 import errors, sql

    name = sql.Identifier(settings.dbname)
    connection = postgres_connect(settings.with_dbname("postgres"))
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            try:
                cursor.execute(sql.SQL("drop database if exists {} with (force)").format(name))
            except errors.InsufficientPrivilege:
                cursor.execute(sql.SQL("drop database if exists {}").format(name))
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
    duckdb_path: Path, settings: PostgresSettings, schemas: Sequence[str] = RAW_SCHEMAS
) -> dict[str, int]:
    """Replace each of `schemas` (default `raw`; e.g. `raw` and `salesforce`) of the PostgreSQL
    database with the DuckDB tables of the same schema, all in one transaction.

    A table whose columns are unchanged is emptied and refilled, so dbt's views over it survive;
    one whose columns changed is dropped (with the views over it) and created anew.
    Returns rows published per table, as `schema.table`.
    """
    from psycopg2 import sql

    if isinstance(schemas, str):
        raise TypeError("schemas is a sequence of schema names")
    to_publish = [(schema, table) for schema in schemas for table in raw_tables(duckdb_path, schema)]
    published: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="revops-publish-") as workdir:
        connection = postgres_connect(settings)
        try:
            with (
                connection,
                connection.cursor() as cursor,
                duckdb.connect(str(duckdb_path), read_only=True) as source,
            ):
                for schema in schemas:
                    cursor.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
                for schema, table in to_publish:
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
                    csv_path = Path(workdir) / f"{schema}.{table.name}.csv"
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
                    published[f"{schema}.{table.name}"] = table.rows
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
    payload = json.dumps(
        {"command": command, "directory": str(settings.directory), "master": settings.master, **arguments}
    )
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


def publish_spark(
    duckdb_path: Path, settings: SparkSettings, schemas: Sequence[str] = RAW_SCHEMAS, *, session: Any = None
) -> dict[str, int]:
    """Replace each of `schemas` (default `raw`; e.g. `raw` and `salesforce`) of the local Spark
    warehouse with the DuckDB tables of the same schema, in one Spark application.

    DuckDB writes each table as one parquet file under
    REVOPS_SPARK_DIR/raw_files/<schema>/<table>.<id>/; the Spark session only (re)registers
    `<schema>.<table>` over it with the table's declared schema, so no Spark job copies data.
    Timestamps are written as UTC instants of their wall-clock time, which a Spark session in UTC
    (the profile's spark.sql.session.timeZone) reads back unchanged.
    Returns rows published per table, as `schema.table`.

    `session`: a SparkSession of these settings to register the tables in (revops.spark_suite);
    by default a child process starts one for the publication.
    """
    if isinstance(schemas, str):
        raise TypeError("schemas is a sequence of schema names")
    to_publish = [(schema, table) for schema in schemas for table in raw_tables(duckdb_path, schema)]
    files_root = settings.directory / "raw_files"
    publication = uuid.uuid4().hex[:12]
    specs: dict[str, dict[str, Any]] = {}
    with duckdb.connect(str(duckdb_path), read_only=True) as source:
        source.execute("set TimeZone = 'UTC'")
        for schema, table in to_publish:
            location = files_root / schema / f"{table.name}.{publication}"
            location.mkdir(parents=True)
            columns = ", ".join(
                f"cast({sql_name(name)} as timestamptz) as {sql_name(name)}"
                if kind.upper() == "TIMESTAMP"
                else sql_name(name)
                for name, kind in table.columns
            )
            source.execute(
                f"copy (select {columns} from {_duckdb_raw(source, table.name, schema)}) "
                f"to {sql_string(str(location / 'part-00000.parquet'))} (format parquet)"
            )
            specs[f"{schema}.{table.name}"] = {
                "schema": schema,
                "table": table.name,
                "location": str(location),
                "columns": [[name, spark_type(kind)] for name, kind in table.columns],
            }
    try:
        if session is None:
            result = _spark_worker("publish", settings, {"tables": specs})
        else:
            result = _register_tables(session, specs)
    except EngineError:
        for spec in specs.values():
            shutil.rmtree(spec["location"], ignore_errors=True)
        raise
    current = {Path(spec["location"]) for spec in specs.values()}
    for legacy in files_root.glob("*.*"):  # the layout before schemas: raw_files/<table>.<id>/
        shutil.rmtree(legacy, ignore_errors=True)
    for schema in schemas:  # the previous publication of these schemas; other schemas stay
        for stale in (files_root / schema).iterdir():
            if stale not in current:
                shutil.rmtree(stale, ignore_errors=True)
    expected = {f"{schema}.{table.name}": table.rows for schema, table in to_publish}
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
        return read_query_outputs(outputs)


def read_query_outputs(outputs: Mapping[str, str]) -> dict[str, QueryResult]:
    """The parquet directories `write_query_outputs` wrote, read with DuckDB: (columns, rows) per name."""
    results: dict[str, QueryResult] = {}
    with duckdb.connect() as connection:
        for name, out in outputs.items():
            cursor = connection.execute(f"select * from read_parquet({sql_string(out + '/*.parquet')})")
            results[name] = (
                [column[0] for column in cursor.description],
                [tuple(row) for row in cursor.fetchall()],
            )
    return results


def spark_session(settings: SparkSettings, app_name: str, extra: Mapping[str, str] | None = None):
    """A SparkSession with the dbt `spark` profile's settings (dbt's session method, in the same
    process, gets this one back), and `extra` settings on top (static ones too: the session is new)."""
    return _spark_session(settings, app_name, extra)


def _register_tables(session: Any, tables: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """(Re)register each published table over its parquet location; rows per `schema.table`."""
    for schema in sorted({spec["schema"] for spec in tables.values()}):
        session.sql(f"create database if not exists `{schema}`")
    for spec in tables.values():
        columns = ", ".join(f"`{column}` {kind}" for column, kind in spec["columns"])
        location = spec["location"].replace("\\", "\\\\").replace("'", "\\'")
        table = f"`{spec['schema']}`.`{spec['table']}`"
        session.sql(f"drop table if exists {table}")
        session.sql(f"create table {table} ({columns}) using parquet location '{location}'")
    counts = " union all ".join(
        f"select '{name}' as table_name, count(*) as row_count from `{spec['schema']}`.`{spec['table']}`"
        for name, spec in tables.items()
    )
    return {"rows": {row["table_name"]: row["row_count"] for row in session.sql(counts).collect()}}


def write_query_outputs(session: Any, queries: Mapping[str, str], outputs: Mapping[str, str]) -> None:
    """Run each named query and write its rows as parquet to outputs[name] (timestamps as naive
    wall-clock times, which DuckDB reads back unchanged)."""
    from pyspark.sql import functions

    for name, query in queries.items():
        frame = session.sql(query)
        for field in frame.schema.fields:
            if field.dataType.simpleString() == "timestamp":
                frame = frame.withColumn(field.name, functions.col(field.name).cast("timestamp_ntz"))
        frame.coalesce(1).write.mode("overwrite").parquet(outputs[name])


def _spark_session(settings: SparkSettings, app_name: str, extra: Mapping[str, str] | None = None):
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    for key, value in {**spark_session_parameters(settings), **(extra or {})}.items():
        builder = builder.config(key, value)
    builder = builder.config("spark.app.name", app_name)
    builder = builder.config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _run_spark_command(request: dict[str, Any]) -> dict[str, Any]:
    settings = SparkSettings(Path(request["directory"]), request.get("master"))
    session = _spark_session(settings, f"revops-{request['command']}")
    try:
        if request["command"] == "publish":
            return _register_tables(session, request["tables"])
        if request["command"] == "query":
            write_query_outputs(session, request["queries"], request["outputs"])
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

    def publish(self, duckdb_path: Path, schemas: Sequence[str] = RAW_SCHEMAS) -> dict[str, int]:
        """Publish `schemas` of the DuckDB warehouse (default `raw`; every schema the loader wrote:
        `loaded_schemas()`); rows per `schema.table`."""
        if self.postgres:
            return publish_postgres(duckdb_path, self.postgres, schemas)
        if self.spark:
            return publish_spark(duckdb_path, self.spark, schemas)
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
