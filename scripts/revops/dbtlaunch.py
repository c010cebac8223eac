"""The `dbt` command line in a process whose garbage collector is set for dbt.

    python -m revops.dbtlaunch build --select ...      (any dbt arguments: the `dbt` executable's)

Every runner that starts dbt as a process of its own (the nightly job, the engine suites, the demo and
benchmark through `revops.dbtcli`) starts this instead of the `dbt` executable: it runs the entry point
the executable runs (dbt-core's `dbt` console script, read from its installed metadata), with the same
arguments, exit codes and output. The one difference is the collector:

- dbt allocates millions of objects that live as long as the command (the parsed manifest, every
  node's context), and Python's default thresholds (700, 10, 10) collect them again and again: about
  2,400 collections, 2.1-2.3 of the 17-18 CPU-seconds of a core-fixture build;
- at GC_THRESHOLDS, with dbt's own modules frozen out of every collection once imported, about 170
  collections took 0.7-0.9 CPU-seconds (timed with `gc.callbacks`, three builds each, docs/tests.md).

Reference cycles are still collected, later; a command's peak memory grew by about a tenth (281 to
306-313 MB for that build).
"""

from __future__ import annotations

import gc
import sys
from importlib.metadata import entry_points

GC_THRESHOLDS = (10_000, 20, 100)
"""The collector's thresholds (generation 0 allocations, then generation 1 and 2 collections); measured
above against 5,000, 20,000 and 50,000 for the first: 10,000 took the least time."""


def tune_garbage_collection() -> None:
    """Collect less often (GC_THRESHOLDS). Called again once dbt is imported: its modules, which live as
    long as the process, are then frozen out of every later collection."""
    gc.set_threshold(*GC_THRESHOLDS)
    gc.freeze()


def main() -> None:
    tune_garbage_collection()
    (executable,) = entry_points(group="console_scripts", name="dbt")
    cli = executable.load()
    tune_garbage_collection()
    # What the executable sees: dbt names itself after argv[0] in usage errors and run_results.json.
    sys.argv[0] = "dbt"
    sys.exit(cli(prog_name="dbt"))


if __name__ == "__main__":
    main()
