"""The `revops` command line: one subcommand per job (pyproject [project.scripts]).

Each subcommand lives in its own module (revops.cli.<name>), which scripts/<name>.py also runs.
"""
