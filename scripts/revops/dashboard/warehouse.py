"""Read-only access to the marts of a built warehouse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from revops.settings import dbt_vars

SETTINGS_MART = "marts.mart_build_settings"


@dataclass(frozen=True)
class BuildSettings:
    """The as-of instant and the settings the marts were computed at (marts.mart_build_settings)."""

    as_of: datetime
    as_of_source: str
    reporting_currency: str
    fiscal_year_start_month: int


class Marts:
    """A read-only DuckDB connection with the few helpers the sections need."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise FileNotFoundError(f"no warehouse at {path}; run the build first")
        self.path = path
        self.connection = duckdb.connect(str(path), read_only=True)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Marts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def has(self, relation: str) -> bool:
        """Whether `schema.table` exists."""
        schema, name = relation.split(".", 1)
        found = self.connection.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchone()
        return bool(found and found[0])

    def columns(self, relation: str) -> set[str]:
        schema, name = relation.split(".", 1)
        rows = self.connection.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchall()
        return {row[0] for row in rows}

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cursor = self.connection.execute(sql, params or [])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def settings(self) -> BuildSettings:
        """What the marts were built at: marts.mart_build_settings, the one row a publication carries.
        A warehouse from before that mart: the as-of of intermediate.int_as_of (a working warehouse), else
        the latest stage time (a publication), and dbt_project.yml's currency and fiscal year start."""
        if self.has(SETTINGS_MART):
            row = self.connection.execute(
                "select as_of_at, as_of_source, reporting_currency, fiscal_year_start_month"
                f" from {SETTINGS_MART}"
            ).fetchone()
            if row and row[0] is not None:
                return BuildSettings(row[0], str(row[1]), str(row[2]), int(row[3]))
        as_of, source = self._as_of_before_the_settings_mart()
        project = dbt_vars()
        return BuildSettings(
            as_of, source, str(project["reporting_currency"]), int(project["fiscal_year_start_month"])
        )

    def _as_of_before_the_settings_mart(self) -> tuple[datetime, str]:
        if self.has("intermediate.int_as_of"):
            row = self.connection.execute(
                "select as_of_at, as_of_source from intermediate.int_as_of"
            ).fetchone()
            if row and row[0] is not None:
                return row[0], str(row[1])
        # A publication of the marts only: the latest stage time (the funnel is monotone, so a lead's
        # furthest stage is its latest time).
        row = self.connection.execute(
            "select max(coalesce(renewed_at, won_at, opportunity_at, sal_at, mql_at, lead_created_at))"
            " from marts.fct_lead_funnel"
        ).fetchone()
        return row[0], "latest_stage"


def fiscal_half(month: date, start_month: int) -> tuple[int, str]:
    """(fiscal year, H1/H2) of a month for a fiscal year starting in `start_month`: the rule of
    macros/funnel/fiscal.sql (the build's start month: BuildSettings.fiscal_year_start_month)."""
    year = month.year - (1 if month.month < start_month else 0)
    return year, "H1" if (month.month - start_month + 12) % 12 < 6 else "H2"


def half_last_month(fiscal_year: int, fiscal_half: str, start_month: int) -> date:
    """The last month of a fiscal half: the inverse of `fiscal_half`."""
    offset = start_month - 1 + (6 if fiscal_half == "H2" else 0) + 5  # months after January of the year
    return date(fiscal_year + offset // 12, offset % 12 + 1, 1)
