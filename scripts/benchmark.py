"""Benchmark the pipeline at scale: a full build and a nightly run with one day of new data.

The `revops benchmark` command (revops.cli.benchmark); this file runs it without the package installed.
"""

from revops.cli.benchmark import app

if __name__ == "__main__":
    app()
