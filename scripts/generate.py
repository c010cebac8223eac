"""Generate a realistic, deterministic raw directory for the contract tables.

The `revops generate` command (revops.cli.generate); this file runs it without the package installed.
"""

from revops.cli.generate import app

if __name__ == "__main__":
    app()
