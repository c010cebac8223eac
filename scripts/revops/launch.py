"""A Python console script (dbt, sqlfluff) in a process whose garbage collector is set for it.

    python -m revops.launch dbt build --select ...      (then the script's own arguments)
    python -m revops.launch sqlfluff lint models

It runs the entry point the installed executable runs (the script's `console_scripts` entry in its
package's metadata), with the same arguments, exit codes and output. The one difference is the
collector. dbt and sqlfluff allocate millions of objects that live as long as the command (dbt's
parsed manifest and every node's context, sqlfluff's parse trees), and at Python's default thresholds
(700, 10, 10) the collector scans them again and again; at GC_THRESHOLDS, with the script's modules
frozen out of every collection once imported (timed with `gc.callbacks`, docs/tests.md):

- a core-fixture `dbt build`: about 2,400 collections in 2.1-2.3 of its 17-18 CPU-seconds before,
  about 170 in 0.7-0.9 after (three builds each; its peak memory 281 -> 306-313 MB);
- `sqlfluff lint models tests/dbt`: 16,677 collections in 22.4-22.7 s of its 59-60 CPU-seconds
  before, 887 in 2.3-2.6 s of 40-41 after (two runs each).

Every runner that starts dbt as a process of its own (the nightly job, the engine suites, the demo and
benchmark through `revops.dbtcli.dbt_command`) starts it this way, and so does scripts/test.sh for
sqlfluff. Reference cycles are still collected, later.
"""

from __future__ import annotations

import gc
import sys
from importlib.metadata import entry_points

GC_THRESHOLDS = (10_000, 20, 100)
"""The collector's thresholds (generation 0 allocations, then generation 1 and 2 collections); for the
first, 5,000, 20,000 and 50,000 took longer on the dbt build above than 10,000."""


def tune_garbage_collection() -> None:
    """Collect less often (GC_THRESHOLDS), and leave everything alive now (the modules imported so far)
    out of every later collection. Called again once a script is imported, to freeze its modules."""
    gc.set_threshold(*GC_THRESHOLDS)
    gc.freeze()


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: python -m revops.launch SCRIPT [ARGUMENTS...]  (SCRIPT: dbt, sqlfluff, ...)")
    script = sys.argv[1]
    tune_garbage_collection()
    found = entry_points(group="console_scripts", name=script)
    if not found:
        sys.exit(f"revops.launch: no installed console script named {script!r}")
    (entry,) = found
    command = entry.load()
    tune_garbage_collection()
    # What the executable sees: a script names itself after argv[0] (usage errors, dbt's run_results).
    sys.argv = [script, *sys.argv[2:]]
    sys.exit(command())


if __name__ == "__main__":
    main()
