"""A BI reader for tests/python/test_nightly.py, run as a separate process.

    python nightly_reader.py loop PUBLICATION STOP_FILE OUT_JSON MAX_SECONDS
    python nightly_reader.py hold PUBLICATION STOP_FILE OUT_JSON MAX_SECONDS

Until STOP_FILE exists (then one last round) or MAX_SECONDS pass:

* loop: opens PUBLICATION read-only, counts the rows of every mart and reads
  the latest run of ops.run_log, closes it, again and again;
* hold: opens PUBLICATION once and keeps that connection, reading it the same
  way every round: its answers must never change.

(Two processes, because DuckDB shares one open database per file path inside a
process: a new connection opened while another is open sees the same file.)
Every error is recorded; the summary goes to OUT_JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

PAUSE_SECONDS = 0.5
"""Between rounds. A round opens the file and counts every mart (~20-40 ms); at 0.05 s the two readers
took about a core for the length of the nightly runs, and at 0.25 s a fifth of one. 0.5 s still gives
hundreds of rounds over the two nights."""


def snapshot(connection: duckdb.DuckDBPyConnection) -> dict:
    marts = [
        row[0]
        for row in connection.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY 1"
        ).fetchall()
    ]
    counts = {
        name: connection.execute(f'SELECT count(*) FROM marts."{name}"').fetchall()[0][0] for name in marts
    }
    run_id = connection.execute("SELECT max(run_id) FROM ops.run_log WHERE status = 'published'").fetchall()[
        0
    ][0]
    return {"run_id": run_id, "counts": counts}


def main() -> None:
    mode, publication, stop_file, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
    deadline = time.monotonic() + float(sys.argv[5])
    held = duckdb.connect(str(publication), read_only=True) if mode == "hold" else None
    first = snapshot(held) if held is not None else None
    rounds, errors, run_ids, changed = 0, [], [], False
    while True:
        stopping = stop_file.exists()  # one last round after the stop: it sees the last publication
        try:
            if held is not None:
                seen = snapshot(held)
                changed = changed or seen != first
            else:
                with duckdb.connect(str(publication), read_only=True) as connection:
                    seen = snapshot(connection)
            if not seen["counts"] or not all(seen["counts"].values()):
                errors.append(f"empty marts in {seen}")
            if not run_ids or run_ids[-1] != seen["run_id"]:
                run_ids.append(seen["run_id"])
            rounds += 1
        except Exception as error:  # every failure is what the test looks for
            errors.append(f"{type(error).__name__}: {error}")
        if stopping or time.monotonic() >= deadline:
            break
        time.sleep(PAUSE_SECONDS)
    if held is not None:
        held.close()
    summary = {
        "rounds": rounds,
        "errors": errors,
        "run_ids": run_ids,
        "changed": changed,
        "timed_out": not stop_file.exists(),
    }
    out.write_text(json.dumps(summary), encoding="utf-8")


if __name__ == "__main__":
    main()
