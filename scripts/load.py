"""Validate a raw export directory against the contract and load it into schema `raw`.

The `revops load` command (revops.cli.load); this file runs it without the package installed.
"""

from revops.cli.load import app

if __name__ == "__main__":
    app()
