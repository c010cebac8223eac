"""The seed files the Ops team edits are UTF-8 CSV (dbt reads nothing else).

Japanese Excel's 「CSV (コンマ区切り)」 writes cp932; dbt then stops with a UnicodeDecodeError that names
no file. `encoding_problem` names the file, line and column of the first byte that is not UTF-8, for the
test command (tests/python/test_seed_files.py) and anyone checking a seed by hand.
"""

from __future__ import annotations

import csv
from pathlib import Path

UTF8_BOM = b"\xef\xbb\xbf"


def encoding_problem(path: Path, shown_as: str | None = None) -> str | None:
    """`<file>:<line>:<column>: ...` for the first byte of `path` that is not UTF-8, else None.

    The line counts physical lines (the first = 1); the column is the header's name of the field the
    byte is in (its position when the header is shorter).
    """
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line_start = data.rfind(b"\n", 0, error.start) + 1
        line = data.count(b"\n", 0, error.start) + 1
        prefix = data[line_start : error.start].decode("utf-8", errors="replace")
        field = len(next(csv.reader([prefix]), [""])) - 1 if prefix else 0
        header_line = data.split(b"\n", 1)[0].removeprefix(UTF8_BOM).decode("utf-8", errors="replace")
        header = next(csv.reader([header_line.rstrip("\r")]), [])
        column = header[field] if field < len(header) else f"field {field + 1}"
        return (
            f"{shown_as or path}:{line}:{column}: byte 0x{data[error.start]:02x} is not UTF-8; save the seed "
            "as UTF-8 (Excel: 「CSV UTF-8 (コンマ区切り)」, not 「CSV (コンマ区切り)」, which writes cp932)"
        )
    return None


def seed_encoding_problems(seeds_dir: Path) -> list[str]:
    """One message per seed file under `seeds_dir` that is not UTF-8, by path."""
    problems = (
        encoding_problem(path, str(path.relative_to(seeds_dir.parent)))
        for path in sorted(seeds_dir.rglob("*.csv"))
    )
    return [problem for problem in problems if problem is not None]
