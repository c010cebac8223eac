"""Find the export file of each contract table and stage it in DuckDB, all VARCHAR.

A raw directory holds one file per contract table, `<table>.csv` or
`<table>.parquet`. CSV files have a header row. Each file's encoding is detected
on its own (real exports mix them: the CRM writes UTF-8 while someone re-saved
campaigns.csv from Excel as Shift-JIS): a UTF-8 BOM means UTF-8; otherwise a
file that decodes as UTF-8 throughout is UTF-8; anything else is read as cp932
(Windows Shift-JIS), except a file whose bytes before the first invalid UTF-8 byte
already hold non-ASCII UTF-8 text: that is broken UTF-8 (a row re-saved in
another encoding, a cut character), and reading it all as cp932 would garble
every other row, so it stops the load. `--encoding ENC` forces one encoding for every file and
`--encoding FILE=ENC` one file's (EncodingChoice). DuckDB's read_csv decodes
only UTF-8 without a downloaded extension, so other files are first transcoded,
streaming, to a temporary UTF-8 copy. A decoding error names the file, the
physical line of the first bad byte (newlines before it + 1) and its byte offset.
Parquet columns are cast to VARCHAR, so both formats go through the same checks;
a FLOAT, DOUBLE or DECIMAL column is a number already, and its text is written
so that the ambiguity rule for CSV text (`1.234`) never applies to it
(normalise.typed_number_text).

Header names are matched to the contract by `header_name_key`: ignoring letter
case, surrounding white space (the ideographic space too), full-width forms
(NFKC) and the difference between space, `-` and `_` (`Amount`, ` amount `,
`ＡＭＯＵＮＴ`, `company-name` and `Company Name` name `amount` and
`company_name`); column order does not matter. A contract column named twice
(also by two names with the same key) is an error; other columns are ignored
(reported), even when unnamed or repeated. A Salesforce export matches by its
own key (revops.sources.salesforce.header_key).

Line numbers: in a CSV file the header is line 1 and the first record line 2.
A record whose quoted field spans several physical lines counts as one line,
and blank lines (above the header too) are skipped without being counted. In a parquet file the line
number is the 1-based row number.

A structurally broken CSV record (too many or too few fields) does not stop the
load: DuckDB's reject store hands it back and it is quarantined with the record
text as read. A quote that is never closed does stop it (a RawFileError naming
the line of the opening quote and its column): every CSV reader takes the rest
of the file into that one value, so its rows could be neither loaded nor kept
whole in the quarantine (the reject store keeps only the first
REJECT_TEXT_LIMIT characters of a record). So does any other rejected record
whose text is that long.
"""

from __future__ import annotations

import codecs
import csv
import re
import shutil
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa

from revops.contract import Table

FileFormat = Literal["csv", "parquet"]
FORMATS: tuple[FileFormat, ...] = ("csv", "parquet")
AUTO_ENCODING = "auto"
DEFAULT_ENCODING = AUTO_ENCODING
FALLBACK_ENCODING = "cp932"
_DETECT_CHUNK = 1 << 24
RECORD = "(record)"
"""The pseudo-column named by problems of a whole CSV record."""
UNNAMED = "(unnamed)"
"""How the report names an extra column with an empty header (Excel's trailing `,,`)."""

_CHUNK_CHARS = 1 << 20
REJECT_TEXT_LIMIT = 10_000
"""How many characters of a rejected record DuckDB's reject store keeps (its csv_line is cut there)."""
UNTERMINATED_QUOTE = "Value with unterminated quote found."
"""DuckDB's error message for a quote that is never closed (it takes the rest of the file)."""
DELETED_COLUMN = "_deleted"
"""An upsert's delete flag (revops.upsert); a full load refuses a file with it (revops.loader)."""
_FRACTIONAL_TYPES = ("FLOAT", "DOUBLE", "DECIMAL")
"""DuckDB's names of the Parquet number types whose text has decimals (DECIMAL(9,3) included)."""


def sql_string(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def sql_name(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def is_utf8(encoding: str) -> bool:
    return codecs.lookup(encoding).name in {"utf-8", "utf-8-sig"}


@dataclass(frozen=True)
class EncodingChoice:
    """The encodings asked for: one for every file (`auto` = detect) and per-file overrides."""

    default: str = AUTO_ENCODING
    per_file: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, values: EncodingChoice | str | Sequence[str] | None) -> EncodingChoice:
        """`["cp932"]`, `["campaigns.csv=cp932"]`, `"auto"`, or None (detect every file)."""
        if isinstance(values, EncodingChoice):
            return values
        if values is None:
            return cls()
        items = [values] if isinstance(values, str) else list(values)
        default = AUTO_ENCODING
        per_file: list[tuple[str, str]] = []
        for item in items:
            name, sep, encoding = item.partition("=")
            if sep:
                per_file.append((name.strip(), encoding.strip()))
            else:
                default = item.strip()
        return cls(default, tuple(per_file))

    def for_file(self, path: Path) -> str:
        for name, encoding in self.per_file:
            if name in (path.name, path.stem):
                return encoding
        return self.default

    def encodings(self) -> tuple[str, ...]:
        return (self.default, *(encoding for _, encoding in self.per_file))

    def __str__(self) -> str:
        return ", ".join([self.default, *(f"{name}={encoding}" for name, encoding in self.per_file)])


def detect_encoding(path: Path) -> str:
    """utf-8-sig (BOM), utf-8 (valid throughout), else cp932; streams the file once.

    Each chunk is checked by Arrow's UTF-8 validation (about six times faster than Python's decoder:
    the 5.5 GB activities file of 10M generated leads, 7.6 -> 1.3 CPU-s); a character cut by the
    chunk's end is carried into the next chunk, and what is left at the end of the file is invalid.
    A RawFileError when UTF-8 text with UTF8_EVIDENCE multi-byte characters precedes the first invalid
    byte (_fallback_encoding).
    """
    with path.open("rb") as handle:
        if handle.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8:
            return "utf-8-sig"
        handle.seek(0)
        carried = b""
        offset = 0  # of the first byte not yet validated
        characters = 0  # multi-byte UTF-8 characters validated, counted up to UTF8_EVIDENCE
        for chunk in iter(lambda: handle.read(_DETECT_CHUNK), b""):
            chunk = carried + chunk
            complete = _complete_utf8_length(chunk)
            carried = chunk[complete:]
            checked = chunk[:complete]
            if not _is_utf8(checked):
                return _fallback_encoding(path, checked, offset, characters)
            if characters < UTF8_EVIDENCE:
                characters += _multibyte_characters(checked)
            offset += complete
        if carried:
            return _fallback_encoding(path, carried, offset, characters)
    return "utf-8"


UTF8_EVIDENCE = 3
"""How many multi-byte UTF-8 characters before a file's first invalid byte make it broken UTF-8 (an
error) rather than cp932. Shift-JIS text can look like UTF-8 for a character or two (half-width kana
such as `ﾃｽ` are the bytes of `ý`), never for long; a UTF-8 export with a Shift-JIS row appended has
its Japanese names before it."""

_UTF8_LEAD_BYTES = bytes(range(0xC0, 0x100))


def _multibyte_characters(valid_utf8: bytes) -> int:
    """The multi-byte characters of valid UTF-8: its lead bytes (0xC0 and up)."""
    return len(valid_utf8) - len(valid_utf8.translate(None, _UTF8_LEAD_BYTES))


def _fallback_encoding(path: Path, data: bytes, offset: int, characters: int) -> str:
    """cp932 for a file whose first invalid UTF-8 byte (in `data`, which starts at byte `offset`) has
    fewer than UTF8_EVIDENCE multi-byte UTF-8 characters before it (`characters` of them before
    `data`); else a RawFileError, since a file mixing encodings cannot be loaded faithfully."""
    error = _decode_error(data, "utf-8")
    if error is None or characters + _multibyte_characters(data[: error.start]) < UTF8_EVIDENCE:
        return FALLBACK_ENCODING
    bad = BadByte.at(path, offset + error.start, error.reason)
    raise RawFileError(
        Problem(
            f"not valid UTF-8 text ({bad}) after UTF-8 text: the file mixes encodings or has a cut "
            "character; re-save it in one encoding (all Shift-JIS: --encoding FILE=cp932)",
            path,
        )
    )


@dataclass(frozen=True)
class BadByte:
    """The first byte of a file that does not decode in its encoding."""

    offset: int
    """0-based, from the start of the file."""
    line: int
    """The physical line: the newlines before the byte, plus one."""
    reason: str

    @classmethod
    def at(cls, path: Path, offset: int, reason: str) -> BadByte:
        newlines = 0
        with path.open("rb") as handle:
            while (chunk := handle.read(min(_DETECT_CHUNK, offset - handle.tell()))) != b"":
                newlines += chunk.count(b"\n")
        return cls(offset, newlines + 1, reason)

    def __str__(self) -> str:
        return f"{self.reason} at line {self.line}, byte offset {self.offset}"


def _decode_error(data: bytes, encoding: str) -> UnicodeDecodeError | None:
    try:
        data.decode(encoding)
    except UnicodeDecodeError as error:
        return error
    return None


def first_bad_byte(path: Path, encoding: str) -> BadByte | None:
    """The first byte of `path` that does not decode in `encoding` (None when all do); streams the file."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    fed = 0
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(_DETECT_CHUNK), b""):
                fed += len(chunk)
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        # The error's object is the bytes the decoder held back plus the chunk: it ends at `fed`.
        return BadByte.at(path, fed - len(error.object) + error.start, error.reason)
    return None


def _is_utf8(data: bytes) -> bool:
    try:
        pa.array([data], pa.binary()).cast(pa.string())
    except pa.ArrowInvalid:
        return False
    return True


def _complete_utf8_length(data: bytes) -> int:
    """The length of `data` without a last UTF-8 character that its end cuts (at most 3 bytes)."""
    end = len(data)
    for back in range(1, min(4, end) + 1):
        byte = data[end - back]
        if byte < 0x80:  # ASCII: nothing is cut
            return end
        if byte >= 0xC0:  # the lead byte of the last character: 2, 3 or 4 bytes long
            length = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return end if back >= length else end - back
    return end  # continuation bytes only: left to the validation


@dataclass(frozen=True)
class Problem:
    """An error that stops the load: a missing, unreadable or incomplete file (exit code 2)."""

    message: str
    path: Path | None = None
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        if self.line is not None:
            return f"{self.path}:{self.line}:{self.column or RECORD}: {self.message}"
        return f"{self.path}: {self.message}"


class RawFileError(Exception):
    """Raised while staging a file that cannot be read."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True)
class RawFile:
    """One export file and its header, matched against its contract table."""

    table: Table
    path: Path
    format: FileFormat
    header: tuple[str, ...]
    file_header: tuple[str, ...] = ()
    """The header as written in the file, when `header` renamed it to contract names (match_header)."""
    encoding: str = ""
    """The encoding the CSV file is read with (detected or given); empty for parquet."""
    detected: bool = False
    blank_lines_before_header: int = 0
    """Blank lines above a CSV file's header: skipped, and not counted in line numbers."""

    @property
    def positions(self) -> dict[str, int]:
        """Contract column -> position in the file, for the columns the file has."""
        wanted = set(self.table.column_names)
        return {name: index for index, name in enumerate(self.header) if name in wanted}

    @property
    def extra_columns(self) -> tuple[str, ...]:
        """The names of the columns that are not the contract's, each once; an empty name as `(unnamed)`."""
        wanted = set(self.table.column_names)
        return tuple(dict.fromkeys(name or UNNAMED for name in self.header if name not in wanted))

    @property
    def missing_columns(self) -> tuple[str, ...]:
        present = set(self.header)
        return tuple(name for name in self.table.column_names if name not in present)

    @property
    def missing_optional_columns(self) -> tuple[str, ...]:
        required = set(self.table.required_columns)
        return tuple(name for name in self.missing_columns if name not in required)


@dataclass(frozen=True)
class Staged:
    """A file staged as table `src` with VARCHAR columns c0..cN in file order.

    `row_sql` is the 0-based row index of a `src` row aliased `s`; `line_sql`
    turns that index (named `_row`) into the line number of the file.
    `rejects`, when set, is a table (_line, reason, raw_record) of CSV records
    DuckDB could not split into the header's fields.
    """

    raw_file: RawFile
    src: str
    row_sql: str
    line_sql: str
    rejects: str | None
    reject_count: int


def header_name_key(name: str) -> str:
    """How a CSV contract header name is compared: NFKC (full-width forms and the ideographic space
    made half-width), trimmed, lower-case, and every run of spaces, `-` and `_` one `_`."""
    return re.sub(r"[\s_-]+", "_", unicodedata.normalize("NFKC", name).strip()).lower()


def locate(
    raw_dir: Path,
    tables: tuple[Table, ...],
    encoding: EncodingChoice | str | None,
    header_key: Callable[[str], str] | None = None,
) -> tuple[list[RawFile], list[Problem]]:
    """Find and check the header of every table's file, resolving its encoding; collect every problem.

    A table whose file is missing is a problem only when the table is required. `header_key` matches
    header names to contract columns (and the delete flag `_deleted`) by key: default
    `header_name_key` (Salesforce passes its own: API names or snake_case).
    """
    header_key = header_key or header_name_key
    choice = EncodingChoice.parse(encoding)
    if not raw_dir.is_dir():
        return [], [Problem("not a directory", raw_dir)]
    files: list[RawFile] = []
    problems: list[Problem] = []
    for table in tables:
        candidates = [raw_dir / f"{table.stem}.{fmt}" for fmt in FORMATS]
        present = [path for path in candidates if path.exists()]
        if not present:
            if table.required:
                names = " or ".join(path.name for path in candidates)
                problems.append(Problem(f"missing file for table {table.name}: expected {names}", raw_dir))
            continue
        if len(present) > 1:
            names = " and ".join(path.name for path in present)
            problems.append(Problem(f"both {names} present for table {table.name}; keep one", present[0]))
            continue
        path = present[0]
        fmt: FileFormat = "csv" if path.suffix == ".csv" else "parquet"
        asked = choice.for_file(path) if fmt == "csv" else ""
        try:
            file_encoding = detect_encoding(path) if asked == AUTO_ENCODING else asked
            header, blank_lines = read_header_line(path, fmt, file_encoding, asked == AUTO_ENCODING)
        except OSError as error:
            problems.append(Problem(f"cannot read file: {error}", path))
            continue
        except RawFileError as error:
            problems.append(error.problem)
            continue
        file_header = header
        header = match_header(header, table, header_key)
        raw_file = RawFile(
            table=table,
            path=path,
            format=fmt,
            header=header,
            file_header=file_header,
            encoding=file_encoding,
            detected=asked == AUTO_ENCODING,
            blank_lines_before_header=blank_lines,
        )
        problems.extend(_header_problems(raw_file))
        files.append(raw_file)
    return files, problems


def match_header(header: tuple[str, ...], table: Table, header_key: Callable[[str], str]) -> tuple[str, ...]:
    """Header names renamed to the contract column (or `_deleted`) with the same key; others kept as
    they are."""
    by_key = {header_key(name): name for name in (DELETED_COLUMN, *table.column_names)}
    return tuple(by_key.get(header_key(name), name) for name in header)


def unknown_files(raw_dir: Path, tables: tuple[Table, ...]) -> list[Path]:
    """Files in the directory that belong to no contract table (reported, not read)."""
    if not raw_dir.is_dir():
        return []
    known = {f"{table.stem}.{fmt}" for table in tables for fmt in FORMATS}
    return sorted(
        path for path in raw_dir.iterdir() if path.name not in known and not path.name.startswith(".")
    )


def _header_problems(raw_file: RawFile) -> list[Problem]:
    """A contract column named twice (which one holds its values?) or a required one missing; other
    columns are ignored, so an empty or repeated name of one is no problem."""
    wanted = set(raw_file.table.column_names)
    counts = Counter(name for name in raw_file.header if name in wanted)
    problems = [
        Problem(
            f"column {name!r} appears more than once in the header{_as_written(raw_file, name)}",
            raw_file.path,
        )
        for name, count in counts.items()
        if count > 1
    ]
    required = set(raw_file.table.required_columns)
    problems.extend(
        Problem(f"missing required column {name!r}", raw_file.path, column=name)
        for name in raw_file.missing_columns
        if name in required
    )
    return problems


def _as_written(raw_file: RawFile, name: str) -> str:
    """` (as 'Amount', 'amount')`: how the file spells the header names matched to `name`, when one
    differs from it; else empty."""
    written = [
        spelled
        for spelled, matched in zip(raw_file.file_header or raw_file.header, raw_file.header, strict=True)
        if matched == name
    ]
    if all(spelled == name for spelled in written):
        return ""
    return " (as " + ", ".join(repr(spelled) for spelled in written) + ")"


def read_header(path: Path, fmt: FileFormat, encoding: str, detected: bool = False) -> tuple[str, ...]:
    return read_header_line(path, fmt, encoding, detected)[0]


def read_header_line(
    path: Path, fmt: FileFormat, encoding: str, detected: bool = False
) -> tuple[tuple[str, ...], int]:
    """The header's names and the number of blank lines before it (0 for parquet)."""
    if fmt == "parquet":
        try:
            with duckdb.connect() as connection:
                rows = connection.execute(
                    f"DESCRIBE SELECT * FROM read_parquet({sql_string(str(path))})"
                ).fetchall()
        except (duckdb.Error, OSError) as error:
            raise RawFileError(Problem(f"cannot read parquet file: {_first_line(error)}", path)) from error
        return tuple(str(row[0]) for row in rows), 0
    codec = "utf-8-sig" if is_utf8(encoding) else encoding
    blank_lines = 0
    try:
        with path.open(encoding=codec, newline="") as handle:
            for header in csv.reader(handle):
                if any(name.strip() for name in header):
                    return tuple(name.strip() for name in header), blank_lines
                blank_lines += 1  # empty, or spaces only: skipped above the header
    except UnicodeDecodeError as error:
        raise RawFileError(_decode_problem(path, encoding, detected, error.reason)) from error
    except (OSError, csv.Error) as error:
        raise RawFileError(Problem(f"cannot read file: {error}", path)) from error
    raise RawFileError(Problem("empty file: no header row", path))


def _blank_lines_before(path: Path, last_line: int, preamble: int = 0) -> list[int]:
    """The physical positions of the blank lines up to `last_line`, counting a record as one line;
    the first `preamble` lines (skipped above the header, spaces only included) are blank.

    This is how DuckDB's reject store numbers lines, so `line - (blank lines before it)` is the
    line number of the module's convention. Read with Python's csv module, which splits records
    as DuckDB does (a quoted field may span lines); called only for a file with rejected records.
    """
    positions: list[int] = []
    limit = csv.field_size_limit()
    csv.field_size_limit(1 << 30)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for position, record in enumerate(csv.reader(handle), start=1):
                if position > last_line:
                    break
                if not record or position <= preamble:
                    positions.append(position)
    finally:
        csv.field_size_limit(limit)
    return positions


def _decode_problem(
    path: Path, encoding: str, detected: bool, reason: str, duckdb_line: int | None = None
) -> Problem:
    """The problem of a file that does not decode in `encoding`, naming the line and byte offset of the
    first bad byte (found by reading the file again; `reason` is used only if none is found). When
    DuckDB's reader found it (`duckdb_line`), the problem names that line as a record problem does."""
    bad = first_bad_byte(path, "utf-8-sig" if is_utf8(encoding) else encoding)
    if bad is None:
        return Problem(_decode_message(encoding, reason, detected), path, duckdb_line)
    line = bad.line if duckdb_line is not None else None
    return Problem(_decode_message(encoding, str(bad), detected), path, line)


def _decode_message(encoding: str, where: str, detected: bool = False) -> str:
    if detected and not is_utf8(encoding):
        return f"neither UTF-8 nor {encoding} text ({where}); give its encoding with --encoding FILE=ENCODING"
    if detected:
        return f"not valid UTF-8 text ({where}) after a UTF-8 BOM; re-save the file in one encoding"
    hint = "; Shift-JIS exports: leave --encoding out (detected per file) or --encoding FILE=cp932"
    return f"not valid {encoding} text ({where}){hint if is_utf8(encoding) else ''}"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def transcode(path: Path, encoding: str, target: Path, detected: bool = False) -> Path:
    """Stream `path` from `encoding` into a UTF-8 copy at `target`."""
    try:
        with (
            path.open(encoding=encoding, newline="") as source,
            target.open("w", encoding="utf-8", newline="") as sink,
        ):
            shutil.copyfileobj(source, sink, _CHUNK_CHARS)
    except UnicodeDecodeError as error:
        raise RawFileError(_decode_problem(path, encoding, detected, error.reason)) from error
    except OSError as error:
        raise RawFileError(Problem(f"cannot read file: {error}", path)) from error
    return target


def stage(connection: duckdb.DuckDBPyConnection, raw_file: RawFile, workdir: Path) -> Staged:
    """Read the whole file into table src_<table> (VARCHAR columns c0..cN), in its own encoding."""
    src = f"src_{raw_file.table.name}"
    connection.execute(f"DROP TABLE IF EXISTS {sql_name(src)}")
    if raw_file.format == "parquet":
        return _stage_parquet(connection, raw_file, src)
    encoding = raw_file.encoding
    if is_utf8(encoding):
        return _stage_csv(connection, raw_file, src, raw_file.path, encoding)
    utf8_copy = transcode(
        raw_file.path, encoding, workdir / f"{raw_file.table.name}.utf8.csv", raw_file.detected
    )
    try:
        return _stage_csv(connection, raw_file, src, utf8_copy, encoding)
    finally:
        utf8_copy.unlink(missing_ok=True)


def _stage_parquet(connection: duckdb.DuckDBPyConnection, raw_file: RawFile, src: str) -> Staged:
    source = f"read_parquet({sql_string(str(raw_file.path))}, file_row_number = true)"
    try:
        types = {
            str(row[0]): str(row[1])
            for row in connection.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
        }
        columns = ", ".join(
            f"{_parquet_text(name, types[name])} AS c{index}"
            for index, name in enumerate(raw_file.file_header or raw_file.header)
        )
        connection.execute(
            f"CREATE TABLE {sql_name(src)} AS SELECT file_row_number AS _file_row, {columns} FROM {source}"
        )
    except duckdb.Error as error:
        raise RawFileError(
            Problem(f"cannot read parquet file: {_first_line(error)}", raw_file.path)
        ) from error
    return Staged(raw_file, src, row_sql="s._file_row", line_sql="_row + 1", rejects=None, reject_count=0)


def _parquet_text(name: str, column_type: str) -> str:
    """SQL: the text of a Parquet column's value. A FLOAT, DOUBLE or DECIMAL value is a number already,
    not text that may hold a European thousands separator: its text is written so that the ambiguity
    rule for text never applies to it (`12.345` as `12.3450`, the same number). A FLOAT or DOUBLE value
    is a binary fraction without exact decimals (`0.1 + 0.2` is 0.30000000000000004): it is rounded to
    the 4 decimal places DECIMAL(20,4) keeps first, so the rule quarantining a text number that would be
    rounded (revops.normalise.number_problem) does not apply to it."""
    from revops.normalise import typed_number_text  # normalise imports this module

    value = sql_name(name)
    if column_type.startswith(("FLOAT", "DOUBLE")):
        value = f"round({value}, 4)"
    text = f"CAST({value} AS VARCHAR)"
    return typed_number_text(text) if column_type.startswith(_FRACTIONAL_TYPES) else text


def _stage_csv(
    connection: duckdb.DuckDBPyConnection, raw_file: RawFile, src: str, path: Path, encoding: str
) -> Staged:
    name = raw_file.table.name
    rejects_raw, rejects_scan = f"rejects_raw_{name}", f"rejects_scan_{name}"
    columns = ", ".join(f"'c{index}': 'VARCHAR'" for index in range(len(raw_file.header)))
    try:
        # preserve_insertion_order (on) keeps the rowid of src in file order.
        connection.execute(
            f"CREATE TABLE {sql_name(src)} AS SELECT * FROM read_csv({sql_string(str(path))}, "
            f"columns = {{{columns}}}, auto_detect = false, header = true, "
            f"skip = {raw_file.blank_lines_before_header}, "
            "delim = ',', quote = '\"', escape = '\"', "
            f"store_rejects = true, ignore_errors = true, "
            f"rejects_table = {sql_string(rejects_raw)}, rejects_scan = {sql_string(rejects_scan)})"
        )
    except duckdb.Error as error:
        raise RawFileError(Problem(f"cannot read CSV file: {_first_line(error)}", raw_file.path)) from error
    try:
        return _collect_rejects(connection, raw_file, src, rejects_raw, encoding, path)
    finally:
        connection.execute(f"DROP TABLE IF EXISTS {sql_name(rejects_raw)}")
        connection.execute(f"DROP TABLE IF EXISTS {sql_name(rejects_scan)}")


def _refuse_unreadable_rest(connection: duckdb.DuckDBPyConnection, raw_file: RawFile, rejects: str) -> None:
    """A RawFileError for the first rejected record that cannot be quarantined whole: a quote never
    closed (every CSV reader takes the rest of the file into that value, so the rows after it would be
    neither loaded nor quarantined as rows), or a record longer than the reject store keeps.

    DuckDB says "unterminated quote" also for a quoted value with characters after its closing quote
    (`"Epsilon "Big" Holdings"`, `"Epsilon" Holdings`); such a record stays on its own line and the rows
    after it are read, so it is quarantined like any malformed record. Only a record that runs over
    several lines took lines that were rows into itself."""
    found = connection.execute(
        f"SELECT _line, message, column_name FROM {sql_name(rejects)} "
        f"WHERE (message = ? AND record_lines > 1) OR record_length >= {REJECT_TEXT_LIMIT} "
        "ORDER BY _line LIMIT 1",
        [UNTERMINATED_QUOTE],
    ).fetchall()
    if not found:
        return
    line, message, column_name = found[0]
    column = None
    if column_name is not None and (index := re.fullmatch(r"c(\d+)", str(column_name))):
        position = int(index[1])
        column = raw_file.header[position] if position < len(raw_file.header) else None
    if message == UNTERMINATED_QUOTE:
        text = (
            "a quote opened in this field is never closed: every CSV reader takes the rest of the file "
            "into this one value, so the rows after it cannot be read; close the quote (a quote inside a "
            'quoted value is written "") and export the file again'
        )
    else:
        text = (
            f"malformed CSV record ({message}) of {REJECT_TEXT_LIMIT:,} characters or more, too long to "
            "quarantine whole; fix the record and export the file again"
        )
    raise RawFileError(Problem(text, raw_file.path, int(line), column))


def _collect_rejects(
    connection: duckdb.DuckDBPyConnection,
    raw_file: RawFile,
    src: str,
    rejects_raw: str,
    encoding: str,
    path: Path,
) -> Staged:
    name = raw_file.table.name
    undecodable = connection.execute(
        f"SELECT line, error_message FROM {sql_name(rejects_raw)} "
        "WHERE error_type ILIKE '%encoding%' OR error_type ILIKE '%unicode%' ORDER BY line LIMIT 1"
    ).fetchall()
    if undecodable:
        line, message = undecodable[0]
        raise RawFileError(_decode_problem(raw_file.path, encoding, raw_file.detected, message, int(line)))
    rejects, gaps = f"rejects_{name}", f"reject_gaps_{name}"
    # A quote left open takes every line up to the next quote into one record: say so, since those
    # lines are then inside this quarantined record, not rows of their own.
    connection.execute(
        f"CREATE OR REPLACE TABLE {sql_name(rejects)} AS "
        "WITH first_error AS ("
        "SELECT line, arg_min(error_message, byte_position) AS message, "
        "CAST(arg_min(error_type, byte_position) AS VARCHAR) AS kind, "
        "trim(arg_min(csv_line, byte_position), chr(13) || chr(10)) AS record, "
        "length(arg_min(csv_line, byte_position)) AS record_length, "
        "arg_min(column_name, byte_position) AS column_name "
        f"FROM {sql_name(rejects_raw)} GROUP BY line) "
        "SELECT message, record_length, length(record) - length(replace(record, chr(10), '')) + 1 AS record_lines, "
        f"column_name, line AS _line, {sql_string(RECORD + ': malformed CSV record: ')} || message || "
        "CASE WHEN kind = 'UNQUOTED VALUE' AND strpos(record, chr(10)) > 0 THEN ' (the record runs over ' "
        "|| (length(record) - length(replace(record, chr(10), '')) + 1) || ' lines: a quote left open "
        "takes the lines after it into this record)' ELSE '' END AS reason, "
        "CAST(json_object('_csv_record', record) AS VARCHAR) AS raw_record "
        "FROM first_error"
    )
    counted = connection.execute(f"SELECT count(*), max(_line) FROM {sql_name(rejects)}").fetchall()
    count, last_line = int(counted[0][0]), counted[0][1]
    if count == 0:
        connection.execute(f"DROP TABLE {sql_name(rejects)}")
        return Staged(raw_file, src, row_sql="s.rowid", line_sql="_row + 2", rejects=None, reject_count=0)
    blanks = _blank_lines_before(path, int(last_line), raw_file.blank_lines_before_header)
    if blanks:
        connection.register("blank_lines", pa.table({"blank": pa.array(blanks, pa.int64())}))
        try:
            connection.execute(
                f"UPDATE {sql_name(rejects)} SET _line = _line - "
                "(SELECT count(*) FROM blank_lines WHERE blank < _line)"
            )
        finally:
            connection.unregister("blank_lines")
    _refuse_unreadable_rest(connection, raw_file, rejects)
    # Rejected records are not in src, so the rows after one sit a line further down:
    # g = how many good rows precede each rejected line.
    connection.execute(
        f"CREATE OR REPLACE TABLE {sql_name(gaps)} AS "
        f"SELECT _line - 2 - (row_number() OVER (ORDER BY _line) - 1) AS g FROM {sql_name(rejects)}"
    )
    line_sql = f"_row + 2 + (SELECT count(*) FROM {sql_name(gaps)} WHERE g <= _row)"
    return Staged(raw_file, src, row_sql="s.rowid", line_sql=line_sql, rejects=rejects, reject_count=count)
