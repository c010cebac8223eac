"""The benchmark (docs/nightly.md#benchmark): per lead count, generate the
exports, cut the last day off as a nightly delta, and measure the full and the
nightly pipeline, each phase in a fresh process, plus the direct-DuckDB lower
bound. `revops benchmark` (revops.cli.benchmark) is its command line.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path

from rich.console import Console
from rich.table import Table

from revops.dbtcli import dbt_command
from revops.loadmeta import clear_change_log
from revops.measure import PhaseResult, run_measured
from revops.nightly import incremental_build
from revops.settings import PROJECT_DIR, duckdb_checkpoint_threshold

console = Console()

# Issue #15's goals (docs/nightly.md): at 10M leads the full pipeline within 480 s at a peak of 8 GiB and
# the nightly within 5% of it; at 1M leads the nightly within 12 s and dbt within 1.3x the direct run.
GOAL_FULL_SECONDS = 480
GOAL_PEAK_MIB = 8 * 1024
GOAL_NIGHTLY_SHARE = 0.05
GOAL_NIGHTLY_SECONDS = 12
GOAL_NIGHTLY_SECONDS_UP_TO_LEADS = 1_000_000
GOAL_DBT_OVER_DIRECT = 1.3
PARTIAL_PARSE = "partial_parse.msgpack"
"""dbt's saved parse in a target directory."""


class NightExport(StrEnum):
    """What the nightly phase loads: the day's delta (`--mode upsert`) or the day's complete export (`--mode
    full`, which logs the leads whose rows differ from the loaded ones; revops.changed_leads)."""

    delta = "delta"
    full = "full"


class PhaseFailed(RuntimeError):
    """A measured phase exited non-zero (its log is named in the message)."""


class Bench:
    def __init__(
        self,
        leads: int,
        seed: int,
        root: Path,
        memory_limit: str,
        threads: int,
        exclude: str | None = None,
        night_export: NightExport = NightExport.delta,
    ) -> None:
        self.leads, self.seed, self.root, self.night_export = leads, seed, root, night_export
        self.exclude = ["--exclude", exclude] if exclude else []
        self.python = sys.executable
        self.scripts = PROJECT_DIR / "scripts"
        # dbt as the nightly job starts it: its entry point with the collector set (revops.launch)
        self.dbt = dbt_command()
        self.warehouse = root / "warehouse.duckdb"
        self.memory_limit, self.threads = memory_limit, threads
        self.results: list[PhaseResult] = []
        self.env = dict(
            os.environ,
            REVOPS_DUCKDB_PATH=str(self.warehouse),
            DBT_LOG_PATH=str(root / "logs"),
            PYTHONPATH=str(self.scripts),
        )

    def phase(self, name: str, command: list[str], env: Mapping[str, str] | None = None) -> PhaseResult:
        console.print(f"[bold]{self.leads:,} leads[/bold]: {name} …")
        log = self.root / f"{name.replace(' ', '_').replace('/', '_')}.log"
        result = run_measured(name, command, cwd=PROJECT_DIR, env={**self.env, **(env or {})}, log=log)
        self.results.append(result)
        console.print(
            f"  {result.seconds:.1f}s wall, {result.cpu_seconds:.1f}s CPU, {result.peak_rss_mib:,.0f} MiB peak"
        )
        if result.returncode != 0:
            console.print(f"[red]{name} failed (exit {result.returncode}); see {log}[/red]")
            raise PhaseFailed(f"{name} failed (exit {result.returncode}); see {log}")
        return result

    def dbt_build(
        self, name: str, target: Path, *args: str, env: Mapping[str, str] | None = None
    ) -> PhaseResult:
        return self.phase(
            name,
            [*self.dbt, "build", *args, *self.exclude, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
             "--target-path", str(target)],
            env,
        )  # fmt: skip

    def direct(self, name: str, target: Path, before: Path, incremental: bool) -> dict:
        out = self.root / f"{name.replace(' ', '_').replace('/', '_')}.json"
        command = [
            self.python, "-m", "revops.measure", "direct", "--target", str(target), "--database", str(before),
            "--catalog", self.warehouse.stem, "--seeds-from", str(self.warehouse), "--out", str(out),
            "--memory-limit", self.memory_limit, "--threads", str(self.threads), "--no-preserve-insertion-order",
            "--checkpoint-threshold", duckdb_checkpoint_threshold(),
            "--dbt-log", str(self.root / "logs" / "dbt.log"),
        ]  # fmt: skip
        if incremental:
            command.append("--incremental")
        self.phase(name, command)
        before.unlink(missing_ok=True)
        return json.loads(out.read_text(encoding="utf-8"))

    def publish(self, name: str, run_id: str, patch: bool = False) -> PhaseResult:
        return self.phase(
            name,
            [self.python, "-m", "revops.measure", "publish", "--warehouse", str(self.warehouse),
             "--publish-dir", str(self.root / "published"), "--run-id", run_id,
             "--patch" if patch else "--no-patch"],
        )  # fmt: skip

    def run(self, direct: bool) -> dict:
        raw, exports = self.root / "raw", self.root / "exports"
        full_export = self.night_export is NightExport.full
        if full_export and (exports / "initial").is_dir() and not any(exports.glob("full_*")):
            shutil.rmtree(exports)  # kept from a run of deltas only: cut again with the complete export
        if not (exports / "initial").is_dir():
            self.phase(
                "generate",
                [self.python, str(self.scripts / "generate.py"), "--leads", str(self.leads), "--seed", str(self.seed),
                 "--out", str(raw)],
            )  # fmt: skip
            self.phase(
                "split last day",
                [self.python, str(self.scripts / "split_deltas.py"), "--raw-dir", str(raw), "--out", str(exports),
                 "--days", "1", "--no-final", *(["--cumulative"] if full_export else [])],
            )  # fmt: skip
            shutil.rmtree(raw)
        delta = next(exports.glob("day_*"))
        self.warehouse.unlink(missing_ok=True)
        load = [self.python, str(self.scripts / "load.py"), "--raw-dir"]
        self.phase("full/load", [*load, str(exports / "initial")])
        before_full = self.root / "direct_full.duckdb"
        shutil.copyfile(self.warehouse, before_full)
        self.dbt_build("full/dbt build", self.root / "target_full", "--full-refresh")
        clear_change_log(self.warehouse)  # as the nightly job does after a successful build
        self.publish("full/publish", "00000000T000000Z-full00")
        direct_full = (
            self.direct("full/direct", self.root / "target_full", before_full, False) if direct else None
        )
        before_nightly = self.root / "direct_nightly.duckdb"
        if full_export:
            self.phase("nightly/load", [*load, str(next(exports.glob("full_*")))])
        else:
            self.phase("nightly/load", [*load, str(delta), "--mode", "upsert"])
        shutil.copyfile(self.warehouse, before_nightly)
        # The nightly job keeps its target directory from night to night (revops.nightly), so its
        # dbt reads the saved parse of the night before instead of parsing the project again.
        target_nightly = self.root / "target_nightly"
        target_nightly.mkdir(exist_ok=True)
        shutil.copyfile(self.root / "target_full" / PARTIAL_PARSE, target_nightly / PARTIAL_PARSE)
        night = incremental_build(self.warehouse)
        self.dbt_build("nightly/dbt build", target_nightly, *night.args, env=night.env)
        self.publish("nightly/publish", "00000000T000001Z-night0", patch=True)
        direct_nightly = (
            self.direct("nightly/direct", self.root / "target_nightly", before_nightly, True)
            if direct
            else None
        )
        before_nightly.unlink(missing_ok=True)
        return {
            "leads": self.leads,
            "night_export": self.night_export.value,
            "phases": [result.__dict__ | {"peak_rss_mib": result.peak_rss_mib} for result in self.results],
            "direct_full": direct_full and {k: v for k, v in direct_full.items() if k != "nodes"},
            "direct_nightly": direct_nightly and {k: v for k, v in direct_nightly.items() if k != "nodes"},
            "slowest_full": _slowest(self.root / "target_full"),
            "slowest_nightly": _slowest(self.root / "target_nightly"),
        }


def _slowest(target: Path, count: int = 8) -> list[tuple[str, float]]:
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    ranked = sorted(results, key=lambda result: -result["execution_time"])[:count]
    return [(result["unique_id"].split(".", 2)[-1], round(result["execution_time"], 1)) for result in ranked]


def _by_name(summary: dict) -> dict[str, dict]:
    return {phase["name"]: phase for phase in summary["phases"]}


def print_summaries(summaries: list[dict]) -> None:
    table = Table(title="revops_funnel benchmark", title_justify="left")
    for column in ("leads", "phase", "wall s", "CPU s", "peak RSS MiB"):
        table.add_column(column, justify="right")
    for summary in summaries:
        for phase in summary["phases"]:
            table.add_row(
                f"{summary['leads']:,}",
                phase["name"],
                f"{phase['seconds']:.1f}",
                f"{phase['cpu_seconds']:.1f}",
                f"{phase['peak_rss_mib']:,.0f}",
            )
    console.print(table)
    goals = Table(title="goals", title_justify="left")
    for column in ("leads", "measure", "value", "goal", "met"):
        goals.add_column(column, justify="right")
    for summary in summaries:
        phases = _by_name(summary)
        full = sum(phases[name]["seconds"] for name in ("full/load", "full/dbt build", "full/publish"))
        nightly = sum(
            phases[name]["seconds"] for name in ("nightly/load", "nightly/dbt build", "nightly/publish")
        )
        # The pipeline's peak; the direct-DuckDB lower bound is a measurement, not part of the pipeline.
        peak = max(
            phases[name]["peak_rss_mib"]
            for name in phases
            if name.startswith(("full/", "nightly/")) and not name.endswith("/direct")
        )
        rows = [
            ("full pipeline wall s", full, GOAL_FULL_SECONDS, full <= GOAL_FULL_SECONDS),
            ("peak RSS MiB", peak, GOAL_PEAK_MIB, peak <= GOAL_PEAK_MIB),
            ("nightly / full", nightly / full, GOAL_NIGHTLY_SHARE, nightly / full <= GOAL_NIGHTLY_SHARE),
        ]
        if summary["leads"] <= GOAL_NIGHTLY_SECONDS_UP_TO_LEADS:
            rows.append(("nightly wall s", nightly, GOAL_NIGHTLY_SECONDS, nightly <= GOAL_NIGHTLY_SECONDS))
        for kind in ("full", "nightly"):
            direct = summary.get(f"direct_{kind}")
            if direct:
                lower = direct["models_seconds"] + direct["tests_seconds"]
                ratio = phases[f"{kind}/dbt build"]["seconds"] / lower
                rows.append(
                    (
                        f"{kind}: dbt / direct DuckDB",
                        ratio,
                        GOAL_DBT_OVER_DIRECT,
                        ratio <= GOAL_DBT_OVER_DIRECT,
                    )
                )
        for measure, value, goal, met in rows:
            goals.add_row(
                f"{summary['leads']:,}", measure, f"{value:,.2f}", f"{goal:,}", "yes" if met else "NO"
            )
    console.print(goals)
    for summary in summaries:
        night = summary.get("night_export", "delta")
        console.print(
            f"{summary['leads']:,} nightly/load: "
            + (
                "the day's complete export (--mode full)"
                if night == "full"
                else "the day's delta (--mode upsert)"
            )
        )
        for kind in ("full", "nightly"):
            slowest = ", ".join(f"{name} {seconds}s" for name, seconds in summary[f"slowest_{kind}"])
            console.print(f"{summary['leads']:,} {kind} slowest nodes: {slowest}", soft_wrap=True)
