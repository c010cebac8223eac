"""dbt commands answered by one long-lived process, through dbt's programmatic entry point (dbtRunner).

    python -m revops.dbtserver        (started by DbtServer; one JSON request per stdin line)

A `dbt` process spends about 2 CPU-seconds importing dbt and its adapter before it reads the saved
parse; a process that has them imported starts the next command in about 0.5 s. The test suite
makes some eighty dbt calls, so `revops.dbtcli.run_dbt` sends them here once the tests ask for it
(`dbtcli.use_dbt_server()`); every other runner keeps starting a dbt process (revops.launch).

A request is {"args": [...], "env": {...}, "cwd": "..."}: the same arguments, environment and
working directory the executable would get. The reply is one JSON line, {"returncode": n,
"output": "..."}: the exit code the executable would return (0 success, 1 a node or test failed,
2 dbt could not run) and everything written to stdout and stderr meanwhile, captured at the file
descriptors. After every command the DuckDB handle dbt-duckdb keeps for the process is closed, so
other processes (the tests' read-only connections, the loader) can open the warehouse in between.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from revops.launch import tune_garbage_collection


def exit_code(success: bool, exception: BaseException | None) -> int:
    """The `dbt` executable's exit code for a dbtRunner result (dbt's ExitCodes)."""
    if success:
        return 0
    return 1 if exception is None else 2


def close_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open for the whole process (a class attribute, reused
    by the next command when its credentials compare equal, and closed only at exit), and forget the
    warnings it logs once per process, so that every command starts as in a new process."""
    module = sys.modules.get("dbt.adapters.duckdb.connections")
    if module is None:
        return
    manager = module.DuckDBConnectionManager
    with manager._LOCK:
        if manager._ENV is not None:
            manager._ENV.close()
            manager._ENV = None
        manager._LOGGED_MESSAGES.clear()


def invoke(args: list[str]) -> tuple[int, str]:
    """Run one dbt command in this process as a new `dbt` process would: its exit code, and the error
    when dbt did not print it itself (Click's usage errors, which the executable prints as `Error: ...`)."""
    from dbt import deprecations
    from dbt.cli.exceptions import DbtInternalException, DbtUsageException
    from dbt.cli.main import dbtRunner

    # What dbt keeps per process and a new process would start without: the deprecations already
    # warned about (dbt warns about each once, and summarises them after every later command) and the
    # command line (dbt records it in run_results.json).
    deprecations.reset_deprecations()
    deprecations.buffered_deprecations.clear()
    sys.argv = ["dbt", *args]
    try:
        result = dbtRunner().invoke(args)
    finally:
        close_duckdb()
    unprinted = isinstance(result.exception, DbtUsageException | DbtInternalException)
    return exit_code(result.success, result.exception), f"Error: {result.exception}\n" if unprinted else ""


def answer(request: dict[str, Any], capture: IO[bytes]) -> dict[str, Any]:
    """Run a request with stdout and stderr (file descriptors 1 and 2) sent to `capture`."""
    capture.seek(0)
    capture.truncate()
    saved = os.dup(1), os.dup(2)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(capture.fileno(), 1)
    os.dup2(capture.fileno(), 2)
    try:
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        returncode, error = invoke(list(request["args"]))
    except BaseException:  # dbtRunner catches what dbt raises: this is the request or the server itself
        returncode, error = 2, traceback.format_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])
    capture.seek(0)
    output = capture.read().decode("utf-8", errors="replace")
    return {"returncode": returncode, "output": output + error}


class GcClock:
    """Seconds the garbage collector has run in this process since it was installed."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started


COMMAND_LOG_ENV = "REVOPS_DBTSERVER_LOG"
"""Set to a file's path, every command is appended to it as one JSON line: its arguments, working
directory, the test that asked for it, exit code, wall and CPU seconds, and the garbage collector's
seconds among them (how docs/tests.md measures where the suite's dbt time goes)."""


def log_command(
    path: Path,
    request: Mapping[str, Any],
    reply: Mapping[str, Any],
    wall: float,
    cpu: float,
    gc_seconds: float,
) -> None:
    entry = {
        "args": request["args"],
        "cwd": request["cwd"],
        "test": request["env"].get("PYTEST_CURRENT_TEST", ""),
        "returncode": reply["returncode"],
        "wall": round(wall, 2),
        "cpu": round(cpu, 2),
        "gc": round(gc_seconds, 2),
    }
    with path.open("a", encoding="utf-8") as log:
        log.write(json.dumps(entry) + "\n")


def main() -> None:
    # Replies go to the original stdout; dbt's own output is captured per request.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    tune_garbage_collection()
    import dbt.cli.main  # noqa: F401  (imported once, before the first request)

    tune_garbage_collection()  # as in a dbt process of its own (revops.launch)
    log_path = os.environ.get(COMMAND_LOG_ENV)
    gc_clock = GcClock() if log_path else None
    with tempfile.TemporaryFile() as capture:
        for line in sys.stdin:
            request = json.loads(line)
            started_wall, started_cpu = time.monotonic(), time.process_time()
            started_gc = gc_clock.seconds if gc_clock else 0.0
            reply = answer(request, capture)
            if log_path and gc_clock:
                log_command(
                    Path(log_path),
                    request,
                    reply,
                    time.monotonic() - started_wall,
                    time.process_time() - started_cpu,
                    gc_clock.seconds - started_gc,
                )
            replies.write(json.dumps(reply) + "\n")
            replies.flush()


class DbtServer:
    """A `python -m revops.dbtserver` child process, started at the first command. One command at a
    time (a lock); if the process dies it is started again for the next command."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None

    def _started(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "revops.dbtserver"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                cwd=Path(__file__).resolve().parent.parent,
            )
        return self._process

    def run(self, args: Sequence[str], env: Mapping[str, str], cwd: Path) -> tuple[int, str]:
        """`dbt <args>` with `env` in `cwd`: its exit code and output."""
        with self._lock:
            process = self._started()
            assert process.stdin is not None and process.stdout is not None
            request = {"args": list(args), "env": dict(env), "cwd": str(cwd)}
            try:
                process.stdin.write(json.dumps(request) + "\n")
                process.stdin.flush()
                line = process.stdout.readline()
            except BaseException:
                # Interrupted mid-command (Ctrl-C): its reply would be read as the next command's.
                process.kill()
                process.wait()
                self._process = None
                raise
            if not line:
                process.wait()
                return 2, f"the dbt server process ended (exit code {process.returncode}) without answering"
            reply = json.loads(line)
            return int(reply["returncode"]), str(reply["output"])

    def cpu_seconds(self) -> float:
        """The CPU seconds the process (and children it has reaped) has used so far; 0 if none runs
        or /proc cannot tell (not Linux)."""
        process = self._process
        if process is None:
            return 0.0
        try:
            stat = Path(f"/proc/{process.pid}/stat").read_text(encoding="ascii")
        except OSError:
            return 0.0
        fields = stat.rsplit(")", 1)[1].split()
        ticks = sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """End the process (it exits at the end of its stdin)."""
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                assert self._process.stdin is not None
                self._process.stdin.close()
                self._process.wait()
            self._process = None


if __name__ == "__main__":
    main()
