"""A Spark standalone cluster on this machine: one master and N workers on 127.0.0.1.

Started with the launcher the pyspark package ships (`pyspark/bin/spark-class`, no download), each
daemon a JVM of its own, so the executors of every application (dbt's session, the publication and
the read-back) run in processes other than the driver, as on a real cluster. Used by the Spark
engine suite (tests/python/test_engines.py, `scripts/engine_suite.py --local-cluster`) and by
`scripts/engines/spark_cluster.py` for manual runs; see docs/engines.md.

Robustness:
- ports: the master's port is REVOPS_SPARK_MASTER_PORT (default 7077); when it is taken, a free one
  is used and said. Every web UI and worker port is a free one.
- startup waits until the master is ALIVE with every worker registered (timeout, default 180 s);
  on a timeout or a daemon that exits, the error carries the tail of each daemon's log.
- teardown stops every daemon (SIGTERM to its process group, SIGKILL after a grace period), and
  each daemon is also told by the kernel to stop if the Python thread that started it dies
  (Linux PR_SET_PDEATHSIG), so nothing outlives a killed test run.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOOPBACK = "127.0.0.1"
DEFAULT_MASTER_PORT = 7077
MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
LOG_TAIL_LINES = 40


class ClusterError(Exception):
    """The cluster could not be started or did not become ready."""


def spark_home() -> Path:
    """The Spark distribution inside the installed pyspark package."""
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def launcher() -> Path:
    """pyspark's `bin/spark-class`, which builds and execs a daemon's java command."""
    return spark_home() / "bin" / "spark-class"


def cluster_unavailable() -> str | None:
    """None when a local cluster can be started, else the reason it cannot."""
    try:
        path = launcher()
    except ImportError:
        return "pyspark is not installed (pip install -r requirements-engines.txt)"
    if not path.exists():
        return f"pyspark has no launcher at {path}"
    if not shutil.which("bash"):
        return "bash is needed to run pyspark's bin/spark-class"
    return None


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = LOOPBACK) -> int:
    """A port nobody listens on now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask the kernel to SIGTERM this process when the thread that forked it exits (Linux only)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _get_json(url: str, timeout: float = 5.0) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))


@dataclass
class Daemon:
    """One Spark daemon JVM, its log file and its web UI."""

    name: str
    process: subprocess.Popen
    log: Path
    ui_url: str

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.strip().splitlines()[-lines:]) or "(empty log)"

    def state(self) -> dict[str, Any]:
        """The daemon's own JSON status page (/json/)."""
        return _get_json(f"{self.ui_url}/json/")

    def stop(self, grace_seconds: float) -> None:
        if not self.alive():
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=grace_seconds)


@dataclass
class SparkCluster:
    """A standalone master and `workers` workers with `cores_per_worker` cores each, on 127.0.0.1.

    Use as a context manager (or call start() and stop()). Daemon logs and the workers' work
    directories (executor logs) live under `directory`.
    """

    directory: Path
    workers: int = 2
    cores_per_worker: int = 1
    worker_memory: str = "1g"
    master_port: int = DEFAULT_MASTER_PORT
    startup_timeout: float = 180.0
    stop_grace_seconds: float = 15.0
    daemons: list[Daemon] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_env(cls, directory: Path) -> SparkCluster:
        """Ports, memory and timeout from REVOPS_SPARK_MASTER_PORT, REVOPS_SPARK_WORKER_MEMORY and
        REVOPS_SPARK_CLUSTER_TIMEOUT."""
        return cls(
            directory=directory,
            master_port=int(os.environ.get("REVOPS_SPARK_MASTER_PORT", DEFAULT_MASTER_PORT)),
            worker_memory=os.environ.get("REVOPS_SPARK_WORKER_MEMORY", "1g"),
            startup_timeout=float(os.environ.get("REVOPS_SPARK_CLUSTER_TIMEOUT", 180)),
        )

    # ------------------------------------------------------------------ properties

    @property
    def master(self) -> Daemon:
        if not self.daemons:
            raise ClusterError("the cluster is not started")
        return self.daemons[0]

    @property
    def worker_daemons(self) -> list[Daemon]:
        return self.daemons[1:]

    @property
    def master_url(self) -> str:
        return f"spark://{LOOPBACK}:{self.master_port}"

    def env(self) -> dict[str, str]:
        """Environment that points the dbt `spark` profile (and revops.engines) at this cluster."""
        return {"REVOPS_SPARK_MASTER": self.master_url, "SPARK_LOCAL_IP": LOOPBACK}

    def describe(self) -> str:
        return (
            f"Spark standalone {self.master_url}: {self.workers} workers x {self.cores_per_worker} core, "
            f"{self.worker_memory} each (logs in {self.directory})"
        )

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> SparkCluster:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, name: str, arguments: list[str]) -> Daemon:
        log = self.directory / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        ui_port = free_port()
        environment = dict(os.environ)
        environment.update(
            {
                "SPARK_HOME": str(spark_home()),
                "SPARK_LOCAL_IP": LOOPBACK,
                "SPARK_NO_DAEMONIZE": "1",
                # Small daemons: the work runs in the executors they launch.
                "SPARK_DAEMON_MEMORY": os.environ.get("REVOPS_SPARK_DAEMON_MEMORY", "256m"),
                "SPARK_DAEMON_JAVA_OPTS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
                "PYSPARK_PYTHON": sys.executable,
            }
        )
        with log.open("ab") as handle:
            process = subprocess.Popen(
                ["bash", str(launcher()), *arguments, "--webui-port", str(ui_port)],
                cwd=self.directory,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent if sys.platform == "linux" else None,
            )
        daemon = Daemon(name, process, log, f"http://{LOOPBACK}:{ui_port}")
        self.daemons.append(daemon)
        return daemon

    def start(self) -> SparkCluster:
        """Start the master, then the workers; return when every worker has registered."""
        reason = cluster_unavailable()
        if reason:
            raise ClusterError(reason)
        if self.daemons:
            raise ClusterError("the cluster is already started")
        self.directory.mkdir(parents=True, exist_ok=True)
        if not port_is_free(self.master_port):
            taken = self.master_port
            self.master_port = free_port()
            self.notes.append(f"port {taken} is taken; the master listens on {self.master_port} instead")
        try:
            self._spawn("master", [MASTER_CLASS, "--host", LOOPBACK, "--port", str(self.master_port)])
            for index in range(1, self.workers + 1):
                work_dir = self.directory / f"worker-{index}"
                work_dir.mkdir(parents=True, exist_ok=True)
                self._spawn(
                    f"worker-{index}",
                    [
                        WORKER_CLASS,
                        "--host",
                        LOOPBACK,
                        "--port",
                        str(free_port()),
                        "--cores",
                        str(self.cores_per_worker),
                        "--memory",
                        self.worker_memory,
                        "--work-dir",
                        str(work_dir),
                        self.master_url,
                    ],
                )
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            for daemon in self.daemons:
                if not daemon.alive():
                    raise ClusterError(
                        f"Spark {daemon.name} exited with {daemon.process.returncode} during startup\n"
                        + self.logs()
                    )
            try:
                state = self.master.state()
                alive = int(state.get("aliveworkers", 0))
                last = f"master {state.get('status')}, {alive} of {self.workers} workers registered"
                if state.get("status") == "ALIVE" and alive >= self.workers:
                    return
            except (OSError, urllib.error.URLError, ValueError) as error:
                last = f"master web UI: {error}"
            time.sleep(0.5)
        raise ClusterError(
            f"the Spark cluster was not ready within {self.startup_timeout:.0f} s ({last})\n" + self.logs()
        )

    def stop(self) -> None:
        """Stop every daemon (workers first, then the master). Safe to call twice."""
        for daemon in reversed(self.daemons):
            daemon.stop(self.stop_grace_seconds)
        self.daemons.clear()

    # ------------------------------------------------------------------ evidence

    def logs(self, lines: int = LOG_TAIL_LINES) -> str:
        """The tail of every daemon's log, for an error message."""
        return "\n".join(
            f"--- {daemon.name} ({daemon.log}), last {lines} lines:\n{daemon.log_tail(lines)}"
            for daemon in self.daemons
        )

    def applications(self) -> list[dict[str, Any]]:
        """Every application the master has seen (running and completed): id, name, cores, ..."""
        state = self.master.state()
        return [*state.get("activeapps", []), *state.get("completedapps", [])]

    def executors_by_worker(self) -> dict[str, dict[str, int]]:
        """Per worker: application name -> executors it ran (running and finished) for it."""
        names = {app["id"]: app["name"] for app in self.applications()}
        result: dict[str, dict[str, int]] = {}
        for daemon in self.worker_daemons:
            state = daemon.state()
            counts: dict[str, int] = {}
            for executor in [*state.get("executors", []), *state.get("finishedexecutors", [])]:
                name = names.get(executor.get("appid"), executor.get("appid", "?"))
                counts[name] = counts.get(name, 0) + 1
            result[daemon.name] = counts
        return result

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds used so far by each daemon and the executors it launched (needs psutil)."""
        import psutil

        result: dict[str, float] = {}
        for daemon in self.daemons:
            total = 0.0
            with contextlib.suppress(psutil.Error):
                root = psutil.Process(daemon.process.pid)
                for proc in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        times = proc.cpu_times()
                        total += times.user + times.system + times.children_user + times.children_system
            result[daemon.name] = total
        return result


@contextlib.contextmanager
def local_cluster(directory: Path, **overrides: Any) -> Iterator[SparkCluster]:
    """A started cluster for the `with` block, stopped afterwards whatever happens."""
    cluster = SparkCluster.from_env(directory)
    for key, value in overrides.items():
        setattr(cluster, key, value)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Run a local cluster in the foreground until interrupted (scripts/engines/spark_cluster.sh)."""
    parser = argparse.ArgumentParser(description="A local Spark standalone cluster on 127.0.0.1.")
    parser.add_argument("--dir", type=Path, default=Path("warehouse/spark-cluster"), help="logs, work dirs")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cores", type=int, default=1, help="cores per worker")
    arguments = parser.parse_args(argv)
    try:
        with local_cluster(
            arguments.dir.resolve(), workers=arguments.workers, cores_per_worker=arguments.cores
        ) as cluster:
            print(cluster.describe(), flush=True)
            for note in cluster.notes:
                print(note, flush=True)
            print("Point dbt and scripts/engine_suite.py at it with:", flush=True)
            for key, value in cluster.env().items():
                print(f"  export {key}={value}", flush=True)
            print(f"Master web UI: {cluster.master.ui_url}. Ctrl-C stops the cluster.", flush=True)
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            while all(daemon.alive() for daemon in cluster.daemons):
                time.sleep(1)
            print("a daemon exited:\n" + cluster.logs(), file=sys.stderr, flush=True)
            return 1
    except ClusterError as error:
        print(f"spark_cluster: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
