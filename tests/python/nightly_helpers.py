"""Helpers shared by the nightly and incremental tests: generated splits and table comparison."""

from __future__ import annotations

import math
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from conftest import NO_UNIT_TESTS, Warehouse, run_script
from revops.nightly import CHANGE_LOG_ONLY_ARGS, IncrementalBuild, incremental_build
from revops.settings import PROJECT_DIR
from shared_builds import ParseCache, session_root

MODELS_ONLY = ("--exclude-resource-type", "test", *NO_UNIT_TESTS)
INCREMENTAL_MODELS = (
    ("intermediate", "int_activities_scored"),
    ("intermediate", "int_lead_mql_recorded"),
    ("intermediate", "int_lead_stages_recorded"),
    ("intermediate", "int_lead_stages_entered"),
    ("intermediate", "int_lead_stage_entries"),
    ("marts", "fct_lead_funnel"),
    ("intermediate", "int_attribution_touches"),
    ("intermediate", "int_attribution_touch_credits"),
    ("marts", "fct_attribution_credit"),
    ("intermediate", "int_lead_mql_by_definition"),
    ("intermediate", "int_lead_company_spans"),
    ("intermediate", "int_account_lead_companies"),
    ("intermediate", "int_metric_stage_entries"),
    ("intermediate", "int_metric_forward_outcomes"),
    ("intermediate", "int_metric_events"),
    ("marts", "fct_kpi_metric_events"),
    ("intermediate", "int_lead_mql_drift"),
    ("intermediate", "int_handoff_sla"),
    ("marts", "mart_handoff_sla"),
)
STATEFUL = ("--select", "+config.materialized:incremental", "+resource_type:snapshot")
"""The nodes that carry state from one run to the next (every incremental model, the snapshots) and
their parents. A replay of nights builds these on each night but the last, which builds everything:
every other model is rebuilt from scratch on each run, so its last build alone decides its rows, and
the warehouse ends exactly as if every night had built everything."""
RELATIVE_TOLERANCE = 1e-9
"""Double columns are compared to this relative precision: DuckDB's parallel sums of doubles
(the attribution credits) differ in the last bits between two identical full builds."""


def nightly(root: Path, *args: str, keep: int = 2) -> subprocess.CompletedProcess:
    """scripts/nightly.py with its warehouse, publications and dbt target under root. A run without
    --vars starts from the run's saved dbt parse of the project for its source's vars
    (shared_builds.ParseCache: dbt checks it and parses again what differs), as every test warehouse does."""
    shared = session_root()
    if shared is not None and "--vars" not in args:
        # scripts/nightly.py passes --source as var crm_source (and nothing for the default source)
        source = args[args.index("--source") + 1] if "--source" in args else "contract"
        ParseCache(shared).seed(
            root / "target", PROJECT_DIR, None if source == "contract" else {"crm_source": source}
        )
    return run_script(
        "nightly.py",
        "--warehouse",
        str(root / "warehouse.duckdb"),
        "--publish-dir",
        str(root / "published"),
        "--target-path",
        str(root / "target"),
        "--keep",
        str(keep),
        *args,
    )


def replayed_night(root: Path, raw_dir: Path, export_time: str, *marts: str) -> None:
    """A full-export night as scripts/nightly.py runs it (the export loaded as of its time, then
    `dbt build`, unit tests left out as on an incremental night), the build limited to `marts` and
    their parents with the data tests on them (build_what_is_read). No publication. For the nights
    of a replay whose point is what the marts read (the nightly snapshot, say), not the job itself
    (test_pipeline_history runs its night 4 through nightly(), which builds and tests the project)."""
    warehouse = Warehouse(root)
    loaded = warehouse.load(raw_dir, "--export-time", export_time)
    assert loaded.returncode == 0, loaded.stdout[-4000:] + loaded.stderr[-4000:]
    build_what_is_read(warehouse, *marts)


def build_what_is_read(warehouse: Warehouse, *models: str) -> None:
    """`dbt build` of `models` and their parents, with the data tests whose parents are all built
    (--indirect-selection cautious); the unit tests left out (NO_UNIT_TESTS)."""
    selected = ("--select", *(f"+{model}" for model in models), "--indirect-selection", "cautious")
    built = warehouse.dbt("build", *selected, *NO_UNIT_TESTS)
    assert built.ok, built.output[-6000:]


def tables_in(path: Path, schema: str) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as connection:
        rows = connection.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = ? ORDER BY 1", [schema]
        ).fetchall()
    return [row[0] for row in rows]


def _same_value(left: object, right: object) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12)
    return left == right


class Comparison:
    """Two DuckDB files attached read-only to one in-memory connection (each file opened once), and
    their tables compared: `differences` is [] when the table holds the same rows in both."""

    SIDES = ("left_file", "right_file")

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self.connection = connection

    def tables(self, schema: str) -> tuple[list[str], list[str]]:
        """The table names of schema in the left file and in the right one."""
        listed = (
            self.connection.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
                "ORDER BY 1",
                [side, schema],
            ).fetchall()
            for side in self.SIDES
        )
        left, right = ([row[0] for row in rows] for rows in listed)
        return left, right

    def differences(self, schema: str, table: str, exclude: tuple[str, ...] = ()) -> list[str]:
        """Every row of the table compared, doubles to RELATIVE_TOLERANCE; [] when identical. The rows
        are first compared exactly in SQL (EXCEPT ALL both ways); only a table that differs there is
        read into Python and compared row by row within the tolerance."""
        relations = [f'{side}."{schema}"."{table}"' for side in self.SIDES]
        described = [self.connection.execute(f"DESCRIBE {relation}").fetchall() for relation in relations]
        columns = [[row[0] for row in rows if row[0] not in exclude] for rows in described]
        if columns[0] != columns[1]:
            return [f"{schema}.{table}: columns {columns[0]} != {columns[1]}"]
        selected = ", ".join(f'"{column}"' for column in columns[0])
        left, right = (f"SELECT {selected} FROM {relation}" for relation in relations)
        exactly_different = self.connection.execute(
            f"SELECT (SELECT count(*) FROM ({left} EXCEPT ALL {right})) "
            f"+ (SELECT count(*) FROM ({right} EXCEPT ALL {left}))"
        ).fetchall()[0][0]
        if exactly_different == 0:
            return []
        doubles = {row[0] for row in described[0] if row[1] in {"DOUBLE", "FLOAT"}}
        exact = [column for column in columns[0] if column not in doubles] or columns[0]
        order = ", ".join(f'"{column}"' for column in exact)
        left_rows, right_rows = (
            self.connection.execute(f"{query} ORDER BY {order} NULLS FIRST").fetchall()
            for query in (left, right)
        )
        if len(left_rows) != len(right_rows):
            return [f"{schema}.{table}: {len(left_rows)} rows != {len(right_rows)} rows"]
        problems = []
        for left_row, right_row in zip(left_rows, right_rows, strict=True):
            if not all(_same_value(a, b) for a, b in zip(left_row, right_row, strict=True)):
                problems.append(f"{schema}.{table}: {left_row} != {right_row}")
                if len(problems) >= 5:
                    break
        return problems


@contextmanager
def compared(left: Path, right: Path) -> Iterator[Comparison]:
    with duckdb.connect(":memory:") as connection:
        for side, path in zip(Comparison.SIDES, (left, right), strict=True):
            connection.execute(f"ATTACH '{path}' AS {side} (READ_ONLY)")
        yield Comparison(connection)


def table_differences(
    left: Path, right: Path, schema: str, table: str, exclude: tuple[str, ...] = ()
) -> list[str]:
    """Comparison.differences for one table of two files."""
    with compared(left, right) as comparison:
        return comparison.differences(schema, table, exclude)


def build_models(
    warehouse: Warehouse, *args: str, dbt_vars: dict | None = None, night: bool = False
) -> IncrementalBuild | None:
    """`dbt build` of the models in `args`. With `night`, as the nightly job builds an incremental night
    (revops.nightly.incremental_build): with the change log's leads alone and without
    int_lead_latest_changes when the log names every changed lead. Returns that plan (None without `night`)."""
    plan = incremental_build(warehouse.path, dbt_vars) if night else None
    extra = CHANGE_LOG_ONLY_ARGS if plan and plan.leads_from_change_log else ()
    env = plan.env if plan else None
    result = warehouse.dbt("build", *MODELS_ONLY, *args, *extra, dbt_vars=dbt_vars, env=env)
    assert result.ok, result.output[-6000:]
    return plan
