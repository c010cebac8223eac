"""Several builds of the project in one Spark application, for the Spark engine tests.

Each build loads a raw directory with the loader into a DuckDB of its own, publishes every schema
the loader wrote (revops.engines.publish_spark), runs dbt on Spark and reads every relation of
schema `marts` back. Unlike `scripts/engine_suite.py` (one dbt process, one application per step),
everything here runs in one Python process around one SparkSession: the publication, each dbt
invocation (dbt-spark's session method gets the same session back, `dbtRunner` in process) and
the read-back. That saves an application start (a driver JVM, one executor JVM per worker and the
Derby metastore: ~20 s each on a loaded 2-core machine) for every step but the first.

The builds share one warehouse and metastore (REVOPS_SPARK_DIR), one after the other: each
replaces the previous build's relations, and the seeds (the same CSV files for every source) are
built by the first build only. Per build, dbt builds the seeds and models only (with their enforced
contracts); the data tests and unit tests run on DuckDB's build of the same SQL. The unit tests
named in `unit_tests` run on Spark too: those guard engine-specific SQL (dispatched macros).

The parent side, `run_spark_builds`, starts the process (`python -m revops.spark_suite REQUEST`)
and returns each build's summary and marts; tests/python/test_engines.py uses it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from revops.engine_suite import SuiteResult, dbt_vars_argument, load, read_run_results
from revops.engines import (
    EngineError,
    QueryResult,
    SparkSettings,
    loaded_schemas,
    publish_spark,
    read_query_outputs,
    spark_session,
    write_query_outputs,
)
from revops.launch import tune_garbage_collection
from revops.settings import PROJECT_DIR
from revops.spark_cluster import die_with_parent

APP_NAME = "revops-spark-suite"
MARTS = "marts"
DBT_THREADS = 2
"""dbt threads on Spark here: the time per model is mostly the driver planning the query (CPU), and
two models planned at once use both cores while an executor runs the other's job."""
SMALL_DATA_SETTINGS = {
    # Adaptive execution re-plans the rest of a query after every stage; on a few hundred rows nothing
    # is gained, and the large plans (a CTE read several times is inlined each time) pay it per stage.
    "spark.sql.adaptive.enabled": "false",
    # Expressions interpreted, not compiled: each query's projections and predicates are generated
    # as Java classes and compiled with Janino, in the driver and in the executors, which on a few
    # hundred rows costs more than it saves (the profile already turns whole-stage fusion off).
    # factoryMode is Spark's own switch between the two, which its tests use to hold them equal.
    # The Spark suite went from 268 to 224-229 CPU-seconds on the machine, 154 to 128-130 s.
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}
"""Runtime settings for the tests' tiny fixtures, on top of the dbt profile's."""
APPLICATION_SETTINGS = {
    # The catalog of this one application, in its memory: no Derby metastore behind every create,
    # drop and `show table extended` (the builds, the publications and the read-backs all run in
    # this application, so nothing needs to outlive it). The tables are parquet files in the
    # warehouse directory as with the profile's Hive catalog.
    "spark.sql.catalogImplementation": "in-memory",
}
"""Static settings of the suite's application, on top of the dbt profile's."""


@dataclass(frozen=True)
class SparkBuild:
    """One build of the project on Spark."""

    name: str
    raw_dir: Path
    source: str = "contract"
    """The CRM source of raw_dir: load.py --source and dbt var crm_source."""
    unit_tests: tuple[str, ...] = ()
    """dbt unit tests (by name) to run on Spark too, in the same dbt build."""
    select: tuple[str, ...] = ("resource_type:model",)
    """The models to build (dbt selectors); every model by default."""
    read_schema: str = MARTS
    """The schema whose every relation is read back (and compared by the caller)."""


@dataclass
class BuildSummary:
    name: str
    ok: bool = False
    reason: str = ""
    phases_seconds: dict[str, float] = field(default_factory=dict)
    published_rows: dict[str, int] = field(default_factory=dict)
    dbt: SuiteResult = field(default_factory=lambda: SuiteResult("spark", "one Spark application"))
    """Every dbt invocation's run_results: statuses, nodes and seconds by type, seconds per node."""
    outputs: dict[str, str] = field(default_factory=dict)
    """<read_schema>.<name> -> the parquet directory holding its rows as Spark read them."""


# --------------------------------------------------------------------------- child process


def _dbt(arguments: list[str], target_path: Path, summary: BuildSummary) -> bool:
    """One dbt invocation in this process (so on this process's SparkSession); its nodes into the
    summary."""
    from dbt.cli.main import dbtRunner

    os.environ["DBT_LOG_PATH"] = str(target_path / "logs")
    result = dbtRunner().invoke(
        [
            *arguments,
            "--target",
            "spark",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(target_path),
            "--threads",
            str(DBT_THREADS),
        ]
    )
    read_run_results(target_path, summary.dbt)
    if result.exception is not None:
        summary.dbt.failures.append(
            f"dbt {arguments[0]}: {type(result.exception).__name__}: {result.exception}"
        )
    return bool(result.success)


def _run_build(
    session: Any, settings: SparkSettings, build: SparkBuild, first: bool, workdir: Path
) -> BuildSummary:
    summary = BuildSummary(build.name)
    root = workdir / build.name
    root.mkdir(parents=True, exist_ok=True)

    def timed(phase: str, started: float) -> None:
        summary.phases_seconds[phase] = round(time.monotonic() - started, 2)

    started = time.monotonic()
    duckdb_path = root / "loaded.duckdb"
    code, output = load(build.raw_dir, duckdb_path, build.source)
    timed("load", started)
    if code != 0:
        summary.reason = f"the loader failed (exit {code}):\n{output.strip()[-3000:]}"
        return summary

    started = time.monotonic()
    summary.published_rows = publish_spark(
        duckdb_path, settings, loaded_schemas(duckdb_path), session=session
    )
    timed("publish", started)

    # What is read back afterwards is what this build made: the schema starts empty (the builds
    # share one catalog, and an earlier build's relations there would otherwise be read too).
    session.sql(f"drop schema if exists {build.read_schema} cascade")
    # Seeds and the selected models (contracts enforced; the seeds are the same files for every
    # source), and the unit tests named in the build, in one invocation.
    started = time.monotonic()
    selected = [
        *build.select,
        *(["resource_type:seed"] if first else []),
        *(f"test_type:unit,{name}" for name in build.unit_tests),
    ]
    arguments = ["build", *dbt_vars_argument(build.source), "--select", *selected]
    # Only what is selected: a selected model would otherwise bring its tests along (indirect selection).
    arguments += ["--indirect-selection", "empty", "--exclude-resource-type", "test"]
    built = _dbt(arguments, root / "target", summary)
    timed("dbt build", started)
    if not built:
        summary.reason = "dbt build failed"
        return summary

    started = time.monotonic()
    relations = sorted(
        f"{build.read_schema}.{row['tableName']}"
        for row in session.sql(f"show tables in {build.read_schema}").collect()
    )
    summary.outputs = {relation: str(root / "marts" / relation) for relation in relations}
    write_query_outputs(
        session, {relation: f"select * from {relation}" for relation in relations}, summary.outputs
    )
    timed("read marts", started)
    summary.ok = True
    return summary


def run_in_process(
    settings: SparkSettings, builds: Sequence[SparkBuild], workdir: Path
) -> list[BuildSummary]:
    """Every build in order, on one SparkSession of this process (stopped at the end). A failed
    build stops the run (the next one would build over its leftovers)."""
    os.environ.update(settings.env())
    os.environ["REVOPS_TARGET"] = "spark"
    os.environ["REVOPS_SPARK_APP_NAME"] = APP_NAME
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    session = spark_session(settings, APP_NAME, APPLICATION_SETTINGS)
    for key, value in SMALL_DATA_SETTINGS.items():
        session.conf.set(key, value)
    summaries: list[BuildSummary] = []
    try:
        for index, build in enumerate(builds):
            try:
                summary = _run_build(session, settings, build, index == 0, workdir)
            except EngineError as error:
                summary = BuildSummary(build.name, reason=str(error))
            summaries.append(summary)
            if not summary.ok:
                break
    finally:
        session.stop()
    return summaries


def main(argv: Sequence[str] | None = None) -> int:
    """Child-process entry point: one JSON request in, one JSON line (the summaries) out."""
    # The collector set for dbt, as in every dbt process (revops.launch), dbt frozen once imported.
    tune_garbage_collection()
    import dbt.cli.main  # noqa: F401

    tune_garbage_collection()
    (request_text,) = argv if argv is not None else sys.argv[1:]
    request = json.loads(request_text)
    settings = SparkSettings(Path(request["directory"]), request.get("master"))
    builds = [
        SparkBuild(
            item["name"],
            Path(item["raw_dir"]),
            item["source"],
            tuple(item["unit_tests"]),
            tuple(item["select"]),
            item["read_schema"],
        )
        for item in request["builds"]
    ]
    summaries = run_in_process(settings, builds, Path(request["workdir"]))
    print(json.dumps([asdict(summary) for summary in summaries]), flush=True)
    return 0


# --------------------------------------------------------------------------- parent side


@dataclass(frozen=True)
class BuildResult:
    summary: dict[str, Any]
    marts: dict[str, QueryResult]


class SparkBuildsRun:
    """The builds running in one Spark application (a child process), started by `start()`; the
    caller does other work (e.g. DuckDB's reference builds) and then `wait()`s."""

    def __init__(self, settings: SparkSettings, builds: Sequence[SparkBuild], workdir: Path) -> None:
        self.settings = settings
        self.builds = list(builds)
        self.workdir = workdir
        self.log = workdir / "spark_suite.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> SparkBuildsRun:
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(
            [str(PROJECT_DIR / "scripts"), *filter(None, [environment.get("PYTHONPATH")])]
        )
        environment.update(self.settings.env())
        self.settings.directory.mkdir(parents=True, exist_ok=True)
        self.workdir.mkdir(parents=True, exist_ok=True)
        request = {
            "directory": str(self.settings.directory),
            "master": self.settings.master,
            "workdir": str(self.workdir),
            "builds": [
                {
                    "name": build.name,
                    "raw_dir": str(build.raw_dir),
                    "source": build.source,
                    "unit_tests": list(build.unit_tests),
                    "select": list(build.select),
                    "read_schema": build.read_schema,
                }
                for build in self.builds
            ],
        }
        with self.log.open("wb") as handle:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "revops.spark_suite", json.dumps(request)],
                cwd=self.settings.directory,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent if sys.platform == "linux" else None,
            )
        return self

    def stop(self) -> None:
        """Stop the child if it still runs (a failed test session)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def wait(self) -> tuple[dict[str, BuildResult], str]:
        """(results by build name, the child's output). A build that failed has summary['ok'] false
        and its reason; the builds after it are missing. Raises EngineError when the child failed."""
        if self.process is None:
            raise EngineError("the Spark builds were not started")
        code = self.process.wait()
        output = self.log.read_text(encoding="utf-8", errors="replace")
        lines = [line for line in output.splitlines() if line.startswith("[{")]
        if code != 0 or not lines:
            raise EngineError(f"the Spark builds failed (exit {code}):\n{output[-8000:]}")
        results = {}
        for summary in json.loads(lines[-1]):
            marts = read_query_outputs(summary["outputs"]) if summary["ok"] else {}
            results[summary["name"]] = BuildResult(summary, marts)
        return results, output


def run_spark_builds(
    settings: SparkSettings, builds: Sequence[SparkBuild], workdir: Path
) -> tuple[dict[str, BuildResult], str]:
    """Run the builds in one Spark application and wait for them (see SparkBuildsRun)."""
    return SparkBuildsRun(settings, builds, workdir).start().wait()


if __name__ == "__main__":
    raise SystemExit(main())
