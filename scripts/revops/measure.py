"""Wall time and peak memory of a child process tree, and the benchmark's in-process phases.

`run_measured` runs one phase as a child process, sampling the RSS of its
whole process tree, and reads the CPU seconds the tree used (user + system,
which stay comparable when other work shares the machine).

`python -m revops.measure direct ...` is the lower bound of the benchmark: the
SQL dbt ran, executed directly through the duckdb Python API in one process,
in DAG order from dbt's manifest: every model (`CREATE OR REPLACE` of its
compiled SQL; an incremental run replays dbt's delete + insert from
target/run), then every data test (`SELECT count(*)` of its compiled SQL).
`python -m revops.measure publish ...` is the publication phase alone.
"""

from __future__ import annotations

import json
import re
import resource
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from graphlib import TopologicalSorter
from pathlib import Path

import psutil
import typer

from revops.rawio import sql_string


@dataclass(frozen=True)
class PhaseResult:
    name: str
    seconds: float
    peak_rss_bytes: int
    returncode: int
    cpu_seconds: float = 0.0

    @property
    def peak_rss_mib(self) -> float:
        return self.peak_rss_bytes / 2**20


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_measured(
    name: str,
    command: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    log: Path | None = None,
    interval: float = 0.05,
) -> PhaseResult:
    """Run `command`, sampling the RSS of its whole process tree; output goes to `log`."""
    started = time.perf_counter()
    cpu_before = _children_cpu()
    sink = log.open("w", encoding="utf-8") if log else subprocess.DEVNULL
    try:
        child = subprocess.Popen(
            command, cwd=cwd, env=dict(env) if env else None, stdout=sink, stderr=subprocess.STDOUT
        )
        watched = psutil.Process(child.pid)
        peak = 0
        while child.poll() is None:
            peak = max(peak, _tree_rss(watched))
            time.sleep(interval)
    finally:
        if log:
            sink.close()  # type: ignore[union-attr]
    return PhaseResult(
        name, time.perf_counter() - started, peak, child.returncode, cpu_seconds=_children_cpu() - cpu_before
    )


# --- the direct-DuckDB lower bound ---------------------------------------------------------------

_TEMP_RELATION = re.compile(r'"?([A-Za-z0-9_]+__dbt_tmp[0-9]*)"?')


@dataclass(frozen=True)
class Node:
    unique_id: str
    resource_type: str
    materialized: str
    relation: str | None
    compiled: str
    depends_on: tuple[str, ...]
    run_path: Path | None


def manifest_nodes(target: Path) -> list[Node]:
    """Models (not ephemeral) and data tests of dbt's manifest, in DAG order."""
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    ran = {
        result["unique_id"]
        for result in results["results"]
        if result["status"] in {"success", "pass", "warn", "fail"}
    }
    nodes: dict[str, Node] = {}
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] not in {"model", "test"} or unique_id not in ran:
            continue
        materialized = node["config"].get("materialized", "")
        if materialized == "ephemeral":
            continue
        run_path = None
        if node["resource_type"] == "model":
            run_path = target / "run" / node["package_name"] / node["original_file_path"]
        nodes[unique_id] = Node(
            unique_id=unique_id,
            resource_type=node["resource_type"],
            materialized=materialized,
            relation=node.get("relation_name"),
            compiled=node.get("compiled_code") or "",
            depends_on=tuple(node["depends_on"]["nodes"]),
            run_path=run_path,
        )
    graph = {
        unique_id: {parent for parent in node.depends_on if parent in nodes}
        for unique_id, node in nodes.items()
    }
    order = list(TopologicalSorter(graph).static_order())
    models = [nodes[unique_id] for unique_id in order if nodes[unique_id].resource_type == "model"]
    tests = [nodes[unique_id] for unique_id in order if nodes[unique_id].resource_type == "test"]
    return models + tests


_LOG_RECORD_START = re.compile(r"\n(?=(?:\x1b\[0m)?\d\d:\d\d:\d\d\.\d+ )")
_PRE_HOOK_RECORD = re.compile(
    r"On (model\.[^:]+): /\* .*? \*/\s*(drop table if exists \"[^\"]+__(?:lead|opportunity)_set\".*)",
    re.DOTALL,
)
_LEDGER_HOOK_RECORD = re.compile(
    r"On (model\.[^:]+): /\* .*? \*/\s*((?:delete from|insert into) \S*\"dbt_untested_leads\".*)", re.DOTALL
)


def lead_set_pre_hooks(dbt_log: Path) -> dict[str, str]:
    """The SQL each model's pre-hook ran, by node, from dbt's debug log: a lead_replace model's
    (lead_replace_lead_set), the opportunity_replace models' (opportunity_replace_set) and a staging
    view's record of the leads its tests read
    (record_loaded_untested_leads). The last run in the log wins. dbt renders a hook only as it runs
    it, so the manifest does not hold it; the direct replay needs it to create the affected leads'
    temporary table and to give the tests the same ledger."""
    hooks: dict[str, str] = {}
    if not dbt_log.is_file():
        return hooks
    for record in _LOG_RECORD_START.split(dbt_log.read_text(encoding="utf-8", errors="replace")):
        match = _PRE_HOOK_RECORD.search(record) or _LEDGER_HOOK_RECORD.search(record)
        if match:
            hooks[match.group(1)] = match.group(2).strip()
    return hooks


def _model_sql(node: Node, incremental: bool, pre_hooks: dict[str, str] | None = None) -> list[str]:
    assert node.relation is not None
    if node.materialized == "view":
        hook = (pre_hooks or {}).get(node.unique_id) if incremental else None
        return [*([hook] if hook else []), f"CREATE OR REPLACE VIEW {node.relation} AS {node.compiled}"]
    if node.materialized == "incremental" and incremental:
        assert node.run_path is not None
        strategy = node.run_path.read_text(encoding="utf-8")
        replayed = _TEMP_RELATION.sub('"__bench_incremental"', strategy)
        hook = (pre_hooks or {}).get(node.unique_id)
        if hook is None and ("__lead_set" in node.compiled or "__opportunity_set" in node.compiled):
            raise ValueError(f"{node.unique_id}: its incremental pre-hook is not in the dbt log (--dbt-log)")
        return [
            *([hook] if hook else []),
            f"CREATE OR REPLACE TEMP TABLE __bench_incremental AS {node.compiled}",
            replayed,
            "DROP TABLE __bench_incremental",
        ]
    return [f"CREATE OR REPLACE TABLE {node.relation} AS {node.compiled}"]


app = typer.Typer(add_completion=False, help=__doc__)


@app.command()
def direct(
    target: Path = typer.Option(
        ..., help="dbt target path of the run to replay (manifest, run_results, run/)."
    ),
    database: Path = typer.Option(..., help="A copy of the warehouse as it was before that dbt run."),
    catalog: str = typer.Option(..., help="The catalog name dbt's SQL uses (the warehouse file's stem)."),
    seeds_from: Path = typer.Option(
        ..., help="A warehouse that holds the seeds and the snapshot (copied first, not timed)."
    ),
    incremental: bool = typer.Option(False, help="Replay incremental models' delete + insert."),
    memory_limit: str = typer.Option("", help="DuckDB memory_limit (as the dbt profile sets it)."),
    threads: int = typer.Option(0, help="DuckDB threads (0: DuckDB's default)."),
    preserve_insertion_order: bool = typer.Option(True, help="DuckDB preserve_insertion_order."),
    checkpoint_threshold: str = typer.Option(
        "", help="DuckDB checkpoint_threshold (as the dbt profile sets it)."
    ),
    out: Path = typer.Option(..., help="JSON file for the timings."),
    dbt_log: Path = typer.Option(
        Path("logs/dbt.log"), help="dbt's debug log of that run (the lead_replace pre-hooks' SQL)."
    ),
) -> None:
    """Run the models and tests of a dbt run directly in DuckDB; write the timings."""
    import duckdb

    nodes = manifest_nodes(target)
    pre_hooks = lead_set_pre_hooks(dbt_log) if incremental else {}
    connection = duckdb.connect(":memory:")
    if memory_limit:
        connection.execute(f"SET memory_limit = {sql_string(memory_limit)}")
    if threads:
        connection.execute(f"SET threads = {threads}")
    connection.execute(f"SET preserve_insertion_order = {str(preserve_insertion_order).lower()}")
    if checkpoint_threshold:
        connection.execute(f"SET checkpoint_threshold = {sql_string(checkpoint_threshold)}")
    connection.execute(f'ATTACH {sql_string(str(database))} AS "{catalog}"')
    connection.execute(f"ATTACH {sql_string(str(seeds_from))} AS __seeds (READ_ONLY)")
    connection.execute(f'USE "{catalog}"')
    # Not timed: the seeds, and the snapshot of the opportunities as dbt's run left it (dbt's check of
    # the night's states, one node; the direct run reads it as int_opportunity_history does).
    for schema, name in connection.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE database_name = '__seeds' AND schema_name IN ('seeds', 'snapshots')"
    ).fetchall():
        connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        connection.execute(
            f'CREATE OR REPLACE TABLE "{schema}"."{name}" AS SELECT * FROM __seeds."{schema}"."{name}"'
        )
    connection.execute("DETACH __seeds")
    for schema in {node.relation.split(".")[1].strip('"') for node in nodes if node.relation}:
        connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    timings: dict[str, float] = {}
    model_seconds = test_seconds = 0.0
    for node in nodes:
        started = time.perf_counter()
        if node.resource_type == "model":
            for statement in _model_sql(node, incremental, pre_hooks):
                connection.execute(statement)
        else:
            connection.execute(f"SELECT count(*) FROM ({node.compiled}) AS test_rows").fetchall()
        seconds = time.perf_counter() - started
        timings[node.unique_id] = seconds
        if node.resource_type == "model":
            model_seconds += seconds
        else:
            test_seconds += seconds
    connection.execute("CHECKPOINT")
    connection.close()
    out.write_text(
        json.dumps(
            {"models_seconds": model_seconds, "tests_seconds": test_seconds, "nodes": timings}, indent=1
        ),
        encoding="utf-8",
    )


@app.command()
def publish(
    warehouse: Path = typer.Option(..., help="The built warehouse."),
    publish_dir: Path = typer.Option(..., help="Publication directory."),
    run_id: str = typer.Option(..., help="Run id of the publication."),
    patch: bool = typer.Option(
        False, "--patch/--no-patch", help="Patch a copy of the current publication, as the nightly job does."
    ),
) -> None:
    """The publication phase alone, as the nightly job runs it: log the run as published in the
    warehouse, write the marts to a new file (or patch a copy of the current one), put it in place
    and clear the ledger of unpublished leads."""
    from datetime import UTC, datetime

    import duckdb

    from revops import publish as publication
    from revops.runlog import RunRecord, write_record

    record = RunRecord(run_id=run_id, started_at=datetime.now(UTC).replace(tzinfo=None))
    record.status = "published"
    record.set_mart_counts(publication.count_marts(warehouse))
    with duckdb.connect(str(warehouse)) as connection:
        write_record(connection, record)
    staged = publish_dir / f".revops-{run_id}.duckdb.tmp"
    publish_dir.mkdir(parents=True, exist_ok=True)
    written = publication.write_publication(
        warehouse,
        staged,
        publication.read_run_log(warehouse),
        base=publication.current_path(publish_dir) if patch else None,
        run_id=run_id,
    )
    publication.publish(staged, publish_dir, run_id, keep=2)
    publication.clear_published_leads(warehouse, written)
    typer.echo(written.summary())


if __name__ == "__main__":
    app()
