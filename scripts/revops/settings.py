"""Project paths and the dbt vars the Python side shares with dbt.

dbt_project.yml is the one place the reporting conventions are set; the
loader reads them from there so both sides agree.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_DUCKDB_PATH = "warehouse/revops.duckdb"
DEFAULT_DUCKDB_MEMORY_LIMIT = "6GB"
DEFAULT_DUCKDB_CHECKPOINT_THRESHOLD = "1GB"


def duckdb_path() -> Path:
    """The warehouse file dbt's default target uses (env REVOPS_DUCKDB_PATH)."""
    path = Path(os.environ.get("REVOPS_DUCKDB_PATH", DEFAULT_DUCKDB_PATH))
    return path if path.is_absolute() else PROJECT_DIR / path


def duckdb_memory_limit() -> str:
    """The DuckDB memory_limit every process uses, as the dbt profile (env REVOPS_DUCKDB_MEMORY_LIMIT)."""
    return os.environ.get("REVOPS_DUCKDB_MEMORY_LIMIT", DEFAULT_DUCKDB_MEMORY_LIMIT)


def duckdb_checkpoint_threshold() -> str:
    """The write-ahead log size at which DuckDB checkpoints in dbt's builds, as the dbt profile (env
    REVOPS_DUCKDB_CHECKPOINT_THRESHOLD); the benchmark's direct run uses the same (docs/nightly.md)."""
    return os.environ.get("REVOPS_DUCKDB_CHECKPOINT_THRESHOLD", DEFAULT_DUCKDB_CHECKPOINT_THRESHOLD)


@lru_cache(maxsize=1)
def dbt_vars() -> dict[str, Any]:
    """The `vars:` block of dbt_project.yml."""
    with (PROJECT_DIR / "dbt_project.yml").open(encoding="utf-8") as handle:
        return dict(yaml.safe_load(handle).get("vars", {}))


def reporting_timezone() -> str:
    return str(dbt_vars()["reporting_timezone"])


SOURCE_DEFAULT_TIMEZONES: dict[str, str] = {"salesforce": "UTC"}
"""Sources whose exports write naive timestamps in another zone than the reporting one."""


def default_source_timezone(source: str | None = None, reporting: str | None = None) -> str:
    """How naive timestamps of `source` are read when --source-timezone is not given.

    The project's own CSV contract writes reporting time (`reporting`, default the dbt var);
    Salesforce's API and data loader write UTC. One place to say so per source.
    """
    return SOURCE_DEFAULT_TIMEZONES.get(source or "") or reporting or reporting_timezone()


def future_tolerance_hours() -> int:
    """An event time later than the export time by more than this is quarantined (dbt var)."""
    return int(dbt_vars().get("future_tolerance_hours", 24))
