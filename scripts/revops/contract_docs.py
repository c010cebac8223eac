"""Render the raw input contract as Markdown: docs/contract.md, and the summary table in README.md."""

from __future__ import annotations

from collections.abc import Iterable

from revops import normalise
from revops.contract import Column, Table, contract

TYPE_TEXT = {
    "string": "text",
    "timestamp": "timestamp",
    "date": "date",
    "decimal": "number",
    "boolean": "boolean",
    "enum": "one of the listed values",
    "currency": "ISO 4217 code (empty = JPY)",
}
FORMATS = (
    (
        "timestamp",
        normalise.TIMESTAMP_FORMS
        + "; Japanese Excel's `2026年4月1日` (optionally with ` 10:00`); a date alone is 00:00 of that date in "
        "reporting time (a calendar date, whatever `--source-timezone` says); the year must lie in "
        f"{normalise.MIN_YEAR}-{normalise.MAX_YEAR}",
        "`04/01/2026`",
    ),
    (
        "date",
        normalise.DATE_FORMS
        + "; Japanese Excel's `2026年4月1日`; a time of exactly 0:00 (Excel date cells) is "
        f"dropped; the year must lie in {normalise.MIN_YEAR}-{normalise.MAX_YEAR} (`0001-01-01` and "
        "`9999-12-31` are quarantined: placeholders or typos)",
        "`04/01/2026`",
    ),
    (
        "number",
        normalise.NUMBER_FORMS
        + "; `\\1,234` (Excel's ¥ in Shift-JIS); a FLOAT, DOUBLE or DECIMAL Parquet column as it is (FLOAT "
        "and DOUBLE rounded to 4 decimal places). At most 16 digits before the decimal point (else `out of "
        "range`) and 4 after it: more decimal places that are not zeros (`0.00005`, `1e-9`) are quarantined, "
        "never rounded",
        "`1.234` (as text; a typed Parquet number never is)",
    ),
    ("boolean", normalise.BOOLEAN_FORMS + "; full-width too", "—"),
    (
        "enum",
        "the listed value, ignoring letter case, surrounding spaces, full-width form, and space/`-`/`_` "
        "(`Inside Sales`, `inside-sales`, `ＩＮＳＩＤＥ＿ＳＡＬＥＳ` are `inside_sales`)",
        "—",
    ),
    ("currency", "three letters, any case (`jpy` is `JPY`)", "—"),
)


def _rules(column: Column, table: Table) -> str:
    rules: list[str] = []
    if column.required:
        rules.append("**required**")
    for other, value in column.required_when.items():
        rules.append(f"required when `{other}` = `{value}`")
    if table.primary_key == column.name:
        rules.append("unique key")
    if column.values:
        rules.append("values: " + ", ".join(f"`{value}`" for value in column.values))
    if column.references is not None:
        rules.append(f"→ `{column.references.table}.{column.references.column}`")
    if column.min is not None:
        rules.append(f"≥ {column.min:g}")
    if column.pii:
        rules.append("personal data (stays in raw/staging)")
    if column.event:
        rules.append("not after the export time + `future_tolerance_hours`")
    if column.references is not None and not column.required and column.references.table != table.name:
        rules.append("pointing nowhere: set to null, noted in `raw.load_notes`")
    return "; ".join(rules)


BIG_LOAD_NOTE = "Files are streamed through DuckDB (read, checked and written in SQL, spilling to disk beyond `REVOPS_DUCKDB_MEMORY_LIMIT`, default 6GB); encoding detection reads each file once in 16 MiB chunks. Measured with `scripts/measure_big_load.py --gib 2.0`: a 2.13 GiB `lead_activities.csv` (47,691,728 rows) plus 100,000 leads loaded with a peak RSS of 6,086 MiB for the whole load process (within the 8 GiB bound), 418 s of CPU (wall 2,532 s on the 2-core machine shared with five other jobs)."


def _formats() -> list[str]:
    lines = [
        "## Accepted formats",
        "",
        "Values are normalised by the loader (revops.normalise, in DuckDB while the file streams). Full-width",
        "digits, letters and punctuation (`２０２６／４／１`, `１２３`) are read as half-width first, and surrounding",
        "whitespace is ignored. Anything else is quarantined with a reason that names the accepted forms;",
        "ambiguous values are quarantined too, never guessed.",
        "",
        "| type | accepted | quarantined as ambiguous |",
        "|---|---|---|",
    ]
    lines += [f"| {kind} | {accepted} | {ambiguous} |" for kind, accepted, ambiguous in FORMATS]
    return [*lines, ""]


def _optional_inputs() -> list[str]:
    lines = [
        "## Optional inputs and the marts that need them",
        "",
        "An optional column may be missing from the file or empty in every row: the load never fails or warns",
        'for that, the mart says "not measured" where it can, and the load report prints one line per such',
        "column (`leads.crm_mql_at: absent → mart_definition_drift not measured`).",
        "",
        *absent_effects(contract()),
    ]
    return [*lines, ""]


def absent_effects(tables: Iterable[Table]) -> list[str]:
    """A table `| column | without it |` of the optional columns with a `when_absent` effect."""
    return [
        "| column | without it |",
        "|---|---|",
        *(
            f"| `{table.name}.{column.name}` | {column.when_absent} |"
            for table in tables
            for column in table.columns
            if column.when_absent
        ),
    ]


def render() -> str:
    lines = [
        "# Raw input contract",
        "",
        "<!-- Generated by scripts/render_contract_docs.py from models/staging/contract/_revops_contract__sources.yml. Do not edit. -->",
        "",
        "A raw directory holds one file per table, `<table>.csv` or `<table>.parquet`. CSV files have a header",
        "row. Each file's encoding is detected on its own: UTF-8 with or without BOM, else cp932 (Shift-JIS from",
        "Japanese Excel); `--encoding ENC` forces one for every file, `--encoding FILE=ENC` for one file, and the",
        "load report shows the encoding of each file. A file that is UTF-8 text up to a bad byte (at least three",
        "multi-byte characters before it: a row re-saved as Shift-JIS, a cut character) is not read as cp932: the",
        "load stops. Every decoding error names the file,",
        "the line and the byte offset of the first bad byte. Column order does not matter; header names match",
        "the contract ignoring letter case, surrounding spaces (the full-width one too), full-width forms and",
        "space/`-`/`_` (`Amount`, `ＡＭＯＵＮＴ` and `Company Name` are `amount` and `company_name`); extra columns",
        "are ignored and reported, even unnamed (Excel's trailing `,,`) or repeated ones; a contract column named",
        "twice (also as `amount` and `Amount`) is an error. A quote opened in a CSV field and never closed stops",
        "the load, naming the line of the opening quote and its column (every CSV reader would take the rest of",
        'the file into that value); a stray quote within one line (`"Epsilon "Big" Holdings"`) and a record',
        "with too many or too few fields are quarantined. A `_deleted` column",
        "(an upsert's delete flag, docs/nightly.md) stops a full load: use `--mode upsert`.",
        "Keys and references (every `id` and `*_id` of a Salesforce export) are loaded trimmed",
        "of surrounding white space, the full-width space too, and compared trimmed; a key blank after trimming,",
        "or a required value of white space only, is missing. A Salesforce record's 15- and 18-character Ids are",
        "one key. Timestamps with an offset or `Z` are converted to the reporting timezone",
        "(`reporting_timezone`, default Asia/Tokyo); without one they are read in the source timezone",
        "(`--source-timezone`, default the reporting timezone; a Salesforce source defaults to UTC). Money is a",
        "number in the row's `currency` (empty means JPY). Rows that break a rule go to `raw.quarantine` with the",
        "file, line and reason; for a duplicate key the row with the latest `updated_at` (ties: the last in the",
        "file) is kept.",
        "",
        "**Export time.** `--export-time` (default: the load's wall-clock time) says when the export was taken;",
        "it is kept in `raw.load_metadata`. An event time (marked below) later than it plus var",
        "`future_tolerance_hours` (24) is a typo such as 2062 for 2026 and is quarantined as `in the future`;",
        "dates meant to lie ahead (contract_end, campaign end) are not checked. The default as-of instant of",
        "every mart is the earlier of the latest event and the export time.",
        "",
        "**Load notes.** An optional reference that points nowhere (an owner deactivated and missing from the",
        "owners export) is set to null and the row is kept; `raw.load_notes` has one row per such value (table,",
        "file, line, column, value, reason) and the load report counts them. A required reference still",
        "quarantines the row.",
        "",
        f"**Size.** {BIG_LOAD_NOTE}",
        "",
        *_formats(),
        *_optional_inputs(),
    ]
    for table in contract():
        lines += [
            f"## `{table.name}`",
            "",
            table.description,
            "",
            "| column | type | rules | description |",
            "|---|---|---|---|",
        ]
        for column in table.columns:
            lines.append(
                f"| `{column.name}` | {TYPE_TEXT[column.type]} | {_rules(column, table)} | {column.description} |"
            )
        lines.append("")
    return "\n".join(lines)


README_START = (
    "<!-- contract-summary: generated by scripts/render_contract_docs.py from the contract. Do not edit. -->"
)
README_END = "<!-- /contract-summary -->"


def _summary_column(column: Column, table: Table) -> str:
    notes: list[str] = []
    if table.primary_key == column.name:
        notes.append("unique")
    if column.references is not None:
        notes.append(f"→{column.references.table}")
    notes += [f"required for `{value}`" for value in column.required_when.values()]
    if column.values:
        notes.append(", ".join(column.values))
    if column.min is not None:
        notes.append(f"≥ {column.min:g}")
    name = f"**{column.name}**" if column.required else column.name
    return f"{name} ({'; '.join(notes)})" if notes else name


def readme_summary() -> str:
    """The README's one-line-per-table summary of the contract, between its markers."""
    lines = [README_START, "", "| table | columns (required in bold) |", "|---|---|"]
    for table in contract():
        name = table.name if table.required else f"{table.name} (optional file)"
        columns = ", ".join(_summary_column(column, table) for column in table.columns)
        lines.append(f"| {name} | {columns} |")
    return "\n".join([*lines, "", README_END])


def with_readme_summary(readme: str) -> str:
    """`readme` with the text between the summary's markers replaced by the current summary."""
    start = readme.index(README_START)
    end = readme.index(README_END) + len(README_END)
    return readme[:start] + readme_summary() + readme[end:]
