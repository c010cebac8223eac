"""Wall time and peak memory of a child process tree."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass(frozen=True)
class PhaseResult:
    name: str
    seconds: float
    peak_rss_bytes: int
    returncode: int

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
    return PhaseResult(name, time.perf_counter() - started, peak, child.returncode)
