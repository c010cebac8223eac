"""Property test: hostile export files never crash the loader or lose a row (hypothesis).

One contract file of tests/fixtures/loader/good is replaced by generated text: random characters
(NUL, quotes, quoted newlines, CR/CRLF, a BOM in the middle), random bytes, SQL-looking strings,
very long fields, every export form the loader accepts or calls ambiguous, rows with too many or
too few fields and unterminated quotes, written as UTF-8, UTF-8 with BOM or cp932. For every file:

* validate and load return a report (no exception), exit code 0, 1 or 2;
* every row is accounted for: per table read = loaded + quarantined, and the warehouse holds exactly
  the loaded rows and the quarantined ones;
* when the load fails, the previously loaded warehouse is unchanged, byte for byte in its rows.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from revops import rawio
from revops.contract import table as contract_table
from revops.loader import load_dir, validate_dir

GOOD = FIXTURES / "loader" / "good"
FUZZED_TABLES = ("leads", "lead_activities", "campaigns", "opportunities", "deals")
EXPORT_FORMS = (
    "2026/04/01",
    "2026/4/1 9:05",
    "2026-04-01 9:05:00",
    "2026-04-01T09:05:00.123+09:00",
    "04/01/2026",
    "２０２６／４／１",
    "1,234,567",
    "¥1,234,567",
    "￥1,234",
    "\\1,234",
    "１２３",
    "1.234",
    "TRUE",
    "はい",
    "いいえ",
    "Inside Sales",
    "ＷＥＢＩＮＡＲ",
    "paid-search",
    "2062-05-01",
    "jpy",
    "L1",
    "C1",
    "O1",
    "OP1",
    "D1",
)
HOSTILE = (
    "'; DROP TABLE raw.leads; --",
    '" OR 1=1 --',
    "Robert'); DELETE FROM raw.quarantine; --",
    "${jndi:ldap://x}",
    "\x00",
    "\ufeff",
    '"',
    '""',
    "\r\n",
    "\n",
    "NULL",
)

field_text = st.one_of(
    st.sampled_from(EXPORT_FORMS),
    st.sampled_from(HOSTILE),
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=3000, max_size=6000),
    st.just(""),
)


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(FUZZED_TABLES))
    header = list(contract_table(name).column_names)
    if draw(st.booleans()):
        header = draw(st.permutations(header))
    lines = [",".join(header)]
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        width = len(header) + draw(st.sampled_from((0, 0, 0, -1, 1)))
        fields = []
        for _ in range(max(width, 1)):
            value = draw(field_text)
            quoted = draw(st.booleans()) or any(char in value for char in ',"\r\n')
            if quoted and draw(st.integers(min_value=0, max_value=9)) != 0:
                value = '"' + value.replace('"', '""') + '"'
            elif quoted:
                value = '"' + value  # an unterminated quote
            fields.append(value)
        lines.append(",".join(fields))
    newline = draw(st.sampled_from(("\n", "\r\n")))
    text = newline.join(lines) + newline
    encoding = draw(st.sampled_from(("utf-8", "utf-8-sig", "cp932")))
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(min_value=0, max_value=4)) == 0:
        data += draw(st.binary(min_size=1, max_size=40))
    return name, data


def _rows(db_path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(db_path), read_only=True) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'raw' "
                "and table_name <> 'load_metadata' order by 1"
            ).fetchall()
        ]
        return {
            name: connection.execute(f'select * from raw."{name}" order by all').fetchall() for name in names
        }


@pytest.fixture(scope="module")
def good_warehouse_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz_good") / "good.duckdb"
    assert load_dir(GOOD, path).loaded
    return path


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(csv_files())
def test_hostile_files_never_crash_and_every_row_is_accounted_for(
    tmp_path_factory: pytest.TempPathFactory, good_warehouse_file: Path, fuzzed: tuple[str, bytes]
) -> None:
    name, data = fuzzed
    root = tmp_path_factory.mktemp("fuzz")
    raw = root / "raw"
    shutil.copytree(GOOD, raw)
    (raw / f"{name}.csv").write_bytes(data)
    previous = root / "previous.duckdb"
    shutil.copyfile(good_warehouse_file, previous)
    before = _rows(previous)

    checked = validate_dir(raw)
    assert checked.exit_code in (0, 1, 2)
    for table in checked.tables:
        assert table.rows_read == table.rows_loaded + table.rows_quarantined, table

    loaded = load_dir(raw, previous)
    assert loaded.exit_code in (0, 2)
    assert [table.rows_read for table in loaded.tables] == [table.rows_read for table in checked.tables]
    after = _rows(previous)
    if not loaded.loaded:
        assert loaded.problems
        assert after == before
        return
    for table in loaded.tables:
        assert table.rows_read == table.rows_loaded + table.rows_quarantined, table
        assert len(after[table.table]) == table.rows_loaded
        quarantined = [row for row in after["quarantine"] if row[0] == table.table]
        assert len(quarantined) == table.rows_quarantined


ENCODING_PIECES = (
    b"a,",
    "日本".encode(),
    "é".encode(),
    "😀".encode(),
    "本".encode("cp932"),
    b"\xff",
    b"\x80",
    b"\xe3",  # a lead byte with its continuation missing
    b"\xed\xa0\x80",  # an encoded surrogate
    b"\xc0\xaf",  # an overlong '/'
)


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(st.sampled_from(ENCODING_PIECES), max_size=12).map(b"".join),
    chunk=st.sampled_from((1, 2, 3, 5, 1 << 24)),
)
def test_encoding_detection_agrees_with_python_decoding(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, chunk: int
) -> None:
    """detect_encoding validates chunks with Arrow and carries a character cut at a chunk's end into
    the next: its answer is Python's, whatever the chunking: utf-8 when the bytes decode, cp932 when
    fewer than UTF8_EVIDENCE multi-byte characters precede the first invalid byte, else broken UTF-8
    (an error at that byte)."""
    path = tmp_path_factory.mktemp("encoding") / "file.csv"
    path.write_bytes(data)
    try:
        data.decode("utf-8")
        expected = "utf-8"
    except UnicodeDecodeError as error:
        characters = sum(byte >= 0xC0 for byte in data[: error.start])  # the valid prefix's lead bytes
        expected = "cp932" if characters < rawio.UTF8_EVIDENCE else f"byte offset {error.start})"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rawio, "_DETECT_CHUNK", chunk)
        try:
            detected = rawio.detect_encoding(path)
        except rawio.RawFileError as raised:
            detected = raised.problem.message
        assert detected == expected or expected in detected, detected
