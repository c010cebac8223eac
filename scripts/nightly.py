"""The nightly job: load the night's exports, dbt build, publish the marts for BI.

The `revops nightly` command (revops.cli.nightly); this file runs it without the package installed.
"""

from revops.cli.nightly import app

if __name__ == "__main__":
    app()
