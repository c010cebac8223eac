"""Check a raw export directory against the contract without touching any warehouse.

The `revops validate` command (revops.cli.validate); this file runs it without the package installed.
"""

from revops.cli.validate import app

if __name__ == "__main__":
    app()
