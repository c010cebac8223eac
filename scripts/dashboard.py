"""Render the executive funnel dashboard: one self-contained HTML file from the marts.

The `revops dashboard` command (revops.cli.dashboard); this file runs it without the package installed.
"""

from revops.cli.dashboard import app

if __name__ == "__main__":
    app()
