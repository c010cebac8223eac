"""MetricFlow queries for the tests, answered by one long-lived process per project copy.

    python semantic_server.py        (in the copy's directory, with ProjectCopy.env())

Each `mf query` CLI run loads dbt's profile, adapter and semantic manifest again, about 5 CPU-seconds,
and the semantic-layer tests make some thirty of them. This process loads them once, through the same
MetricFlow engine and dbt adapter the CLI uses (dbt_metricflow's CLIConfiguration), then answers one
JSON request per stdin line, {"metrics": [...], "group_by": [...]}, with one JSON line on stdout:
{"columns": [...], "rows": [[...], ...]} (every value as the CLI's --csv writes it: str(), None as
""), or {"error": "..."}; whatever dbt or MetricFlow print goes to stderr. It exits at the end of
stdin.

After every answer it closes its DuckDB handle, so that dbt runs and read-only connections of the
tests can open the copy's warehouse between queries.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import Any

from dbt.adapters.duckdb.connections import DuckDBConnectionManager
from dbt_metricflow.cli.cli_configuration import CLIConfiguration
from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

from revops.launch import tune_garbage_collection


def as_csv_text(value: Any) -> str:
    """A value as `mf query --csv` writes it (csv.writer: None is empty, everything else str())."""
    return "" if value is None else str(value)


def answer(config: CLIConfiguration, request: dict[str, list[str]]) -> dict[str, Any]:
    query = MetricFlowQueryRequest.create(metric_names=request["metrics"], group_by_names=request["group_by"])
    try:
        table = config.mf.query(mf_request=query).result_df
        columns = list(table.column_names)
        rows = [[as_csv_text(value) for value in row] for row in table.rows]
        return {"columns": columns, "rows": rows}
    finally:
        config.dbt_artifacts.adapter.cleanup_connections()
        DuckDBConnectionManager.close_all_connections()


def main() -> None:
    # The answers get stdout to themselves: whatever dbt or MetricFlow print goes to stderr.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    # The collector set as in the dbt processes (revops.launch), and the manifest frozen once read.
    tune_garbage_collection()
    config = CLIConfiguration()
    config.setup(configure_file_logging=False)
    tune_garbage_collection()
    for line in sys.stdin:
        try:
            reply = answer(config, json.loads(line))
        except Exception:
            reply = {"error": traceback.format_exc()}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
