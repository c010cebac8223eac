"""Broken or unusual exports the raw reader (revops.rawio) must either load faithfully or stop on with an
error naming the file, the line and the byte: never garble or drop a row silently.

A. A UTF-8 file with one bad byte (a row re-saved as Shift-JIS, a cut character) is broken UTF-8, not
   cp932: read as cp932 every Japanese row would load as mojibake.
B. A decoding error names the physical line of the first bad byte and its offset in the file (not in a
   decoder's chunk).
C. Extra columns are ignored even when Excel leaves them unnamed (`,,`) or a name repeats; only a
   contract column named twice is an error.
D. A FLOAT, DOUBLE or DECIMAL Parquet value is a number, not text with a possible European thousands
   separator: `12.345` is loaded, not quarantined as ambiguous.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import FIXTURES, Warehouse
from revops import rawio

GOOD = FIXTURES / "loader" / "good"
OWNERS_HEADER = "owner_id,name,team,business_unit\n"
UTF8_OWNERS = (
    OWNERS_HEADER + "O1,東京 渡辺,inside_sales,BU1\nO2,株式会社アルファ,field_sales,BU1\n"
).encode()
NUMBER_FORMS = "1234.5, 1,234,567, ¥1,234,567 or ￥1,234,567 (full-width digits too)"


def raw_with(tmp_path: Path, name: str | None = None, data: bytes = b"") -> Path:
    """A copy of the good loader fixture, with the file `name` written as `data`."""
    raw = tmp_path / "raw"
    shutil.copytree(GOOD, raw)
    if name is not None:
        (raw / name).write_bytes(data)
    return raw


def failed_with(warehouse: Warehouse, raw: Path, *options: str) -> list[str]:
    """Load `raw`, expecting a file problem: the lines of stderr (nothing may have been written)."""
    result = warehouse.load(raw, *options)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "nothing was written" in result.stdout
    assert not warehouse.path.exists()
    return result.stderr.splitlines()


def cp932_owners(rows: int, bad_row: bytes) -> tuple[bytes, int, int]:
    """A cp932 owners.csv of `rows` good rows then `bad_row`: the bytes, the bad row's line and offset."""
    good = OWNERS_HEADER + "".join(f"O{i},名前{i},marketing,BU1\n" for i in range(1, rows + 1))
    data = good.encode("cp932")
    return data + bad_row, rows + 2, len(data)


# --- A. broken UTF-8 is not cp932 -------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_row", "reason"),
    [
        ("O3,小林 吉田,marketing,BU1\n".encode("cp932"), "invalid start byte"),
        (b"O3,\xe5\x90,marketing,BU1\n", "invalid continuation byte"),  # a cut character
    ],
    ids=["cp932-row", "cut-character"],
)
def test_utf8_with_one_bad_byte_stops_the_load_at_its_line(
    warehouse: Warehouse, tmp_path: Path, bad_row: bytes, reason: str
) -> None:
    raw = raw_with(tmp_path, "owners.csv", UTF8_OWNERS + bad_row)
    offset = len(UTF8_OWNERS) + len(b"O3,")
    assert (
        f"{raw / 'owners.csv'}: not valid UTF-8 text ({reason} at line 4, byte offset {offset}) after UTF-8 text: the file mixes encodings or has a cut character; re-save it in one encoding (all Shift-JIS: --encoding FILE=cp932)"
        in failed_with(warehouse, raw)
    )


def test_broken_utf8_is_found_across_detection_chunks(tmp_path: Path, monkeypatch) -> None:
    """Whichever chunk holds the UTF-8 text and the bad byte, the file is broken UTF-8 at that byte."""
    path = tmp_path / "owners.csv"
    path.write_bytes(UTF8_OWNERS + b"O3,\xe5\x90,marketing,BU1\n")
    offset = len(UTF8_OWNERS) + len(b"O3,")
    for chunk in (1, 2, 3, 5, 16, offset, offset + 1, offset + 2):
        monkeypatch.setattr(rawio, "_DETECT_CHUNK", chunk)
        with pytest.raises(rawio.RawFileError) as raised:
            rawio.detect_encoding(path)
        assert f"(invalid continuation byte at line 4, byte offset {offset})" in raised.value.problem.message


def test_cp932_files_are_still_detected(tmp_path: Path, monkeypatch) -> None:
    """A real Shift-JIS export, and a file whose first non-ASCII text is Shift-JIS, are cp932."""
    exported = FIXTURES / "exports" / "raw"
    ascii_then_cp932 = tmp_path / "owners.csv"
    ascii_then_cp932.write_bytes(cp932_owners(0, "O1,小林 吉田,marketing,BU1\n".encode("cp932"))[0])
    for chunk in (1, 3, 1 << 24):
        monkeypatch.setattr(rawio, "_DETECT_CHUNK", chunk)
        assert rawio.detect_encoding(exported / "campaigns.csv") == "cp932"
        assert rawio.detect_encoding(exported / "campaign_costs.csv") == "cp932"
        assert rawio.detect_encoding(ascii_then_cp932) == "cp932"


def test_shift_jis_that_looks_like_utf8_for_a_character_is_cp932(tmp_path: Path, monkeypatch) -> None:
    """Half-width ﾃｽﾄ in Shift-JIS starts with the bytes C3 BD, which are UTF-8 for ý: one multi-byte
    character, fewer than UTF8_EVIDENCE, so the file is still cp932 (and loads as ﾃｽﾄ)."""
    data = cp932_owners(0, "O1,ﾃｽﾄ 吉田,marketing,BU1\n".encode("cp932"))[0]
    assert data.split(b"\n")[1].startswith(b"O1,\xc3\xbd")
    path = tmp_path / "owners.csv"
    path.write_bytes(data)
    for chunk in (1, 3, 1 << 24):
        monkeypatch.setattr(rawio, "_DETECT_CHUNK", chunk)
        assert rawio.detect_encoding(path) == "cp932"
    assert path.read_bytes().decode("cp932").splitlines()[1] == "O1,ﾃｽﾄ 吉田,marketing,BU1"


# --- B. decoding errors name the line and the byte --------------------------------------------


def test_detected_cp932_with_a_bad_byte_names_its_line_and_offset(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    data, line, offset = cp932_owners(20000, b"O9,\x81\x7f,marketing,BU1\n")
    raw = raw_with(tmp_path, "owners.csv", data)
    assert (
        f"{raw / 'owners.csv'}: neither UTF-8 nor cp932 text (illegal multibyte sequence at line {line}, byte offset {offset + 3}); give its encoding with --encoding FILE=ENCODING"
        in failed_with(warehouse, raw)
    )


@pytest.mark.parametrize("rows", [1, 20000], ids=["in-the-header-read", "far-down"])
def test_given_cp932_with_a_bad_byte_names_its_line_and_offset(
    warehouse: Warehouse, tmp_path: Path, rows: int
) -> None:
    data, line, offset = cp932_owners(rows, b"O9,\x81\x7f,marketing,BU1\n")
    raw = raw_with(tmp_path, "owners.csv", data)
    assert (
        f"{raw / 'owners.csv'}: not valid cp932 text (illegal multibyte sequence at line {line}, byte offset {offset + 3})"
        in failed_with(warehouse, raw, "--encoding", "owners.csv=cp932")
    )


def test_utf8_with_bom_and_a_cp932_row_names_its_line_and_offset(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    data = b"\xef\xbb\xbf" + UTF8_OWNERS
    raw = raw_with(tmp_path, "owners.csv", data + "O3,小林,marketing,BU1\n".encode("cp932"))
    assert (
        f"{raw / 'owners.csv'}: not valid UTF-8 text (invalid start byte at line 4, byte offset {len(data) + 3}) after a UTF-8 BOM; re-save the file in one encoding"
        in failed_with(warehouse, raw)
    )


def test_given_utf8_with_a_bad_byte_far_down_names_its_line_and_offset(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """Found by DuckDB's reader (the header read saw none): the line is the bad byte's too."""
    good = UTF8_OWNERS + "".join(f"O{i},名前{i},marketing,BU1\n" for i in range(3, 2003)).encode()
    raw = raw_with(tmp_path, "owners.csv", good + b"O9,\x82\xa0,marketing,BU1\n")
    assert (
        f"{raw / 'owners.csv'}:2004:(record): not valid utf-8 text (invalid start byte at line 2004, byte offset {len(good) + 3}); Shift-JIS exports: leave --encoding out (detected per file) or --encoding FILE=cp932"
        in failed_with(warehouse, raw, "--encoding", "utf-8")
    )


@pytest.mark.parametrize("encoding", ["cp932", "utf-8", "utf-8-sig"])
def test_first_bad_byte_is_found_across_chunks(tmp_path: Path, monkeypatch, encoding: str) -> None:
    """The offset is the file's, wherever the decoder's chunks end (a character cut by one included)."""
    text = "\n".join(["一行目", "二行目 ｶﾅ", "三行目"]) + "\n"
    good = ("\ufeff" + text).encode("utf-8") if encoding == "utf-8-sig" else text.encode(encoding)
    path = tmp_path / "bad.csv"
    path.write_bytes(good + b"\x81\x7f\xff end\n")
    for chunk in range(1, len(good) + 3):
        monkeypatch.setattr(rawio, "_DETECT_CHUNK", chunk)
        bad = rawio.first_bad_byte(path, encoding)
        assert bad is not None and (bad.offset, bad.line) == (len(good), 4), chunk
    path.write_bytes(good)
    assert rawio.first_bad_byte(path, encoding) is None


# --- C. unnamed and repeated extra columns ----------------------------------------------------


@pytest.mark.parametrize(
    ("header", "rows", "note", "record"),
    [
        (
            "owner_id,name,team,business_unit,,",
            ["O1,山田 太郎,inside_sales,BU1,,", "O2,佐藤 花子,field_sales,BU1,x,", "O3,鈴木,sales,BU1,,"],
            "(unnamed)",
            [
                ("owner_id", "O3"),
                ("name", "鈴木"),
                ("team", "sales"),
                ("business_unit", "BU1"),
                ("", None),
                ("", None),
            ],
        ),
        (
            "owner_id,メモ,name,team,business_unit,メモ",
            ["O1,a,山田 太郎,inside_sales,BU1,b", "O2,,佐藤 花子,field_sales,BU1,", "O3,c,鈴木,sales,BU1,d"],
            "メモ",
            [
                ("owner_id", "O3"),
                ("メモ", "c"),
                ("name", "鈴木"),
                ("team", "sales"),
                ("business_unit", "BU1"),
                ("メモ", "d"),
            ],
        ),
    ],
    ids=["excel-trailing-commas", "repeated-name"],
)
def test_unnamed_and_repeated_extra_columns_are_ignored(
    warehouse: Warehouse,
    tmp_path: Path,
    header: str,
    rows: list[str],
    note: str,
    record: list[tuple[str, str | None]],
) -> None:
    raw = raw_with(tmp_path, "owners.csv", "\n".join([header, *rows, ""]).encode())
    result = warehouse.load(raw)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"note: owners.csv: extra columns ignored: {note}" in result.stdout.splitlines()
    assert warehouse.query(
        "SELECT owner_id, name, team, business_unit, _line_number FROM raw.owners ORDER BY 1"
    ) == [("O1", "山田 太郎", "inside_sales", "BU1", 2), ("O2", "佐藤 花子", "field_sales", "BU1", 3)]
    # the row with a bad team is quarantined with the record as read, every column included (empty: null)
    ((line, reason, raw_record),) = warehouse.query(
        "SELECT line_number, reason, raw_record FROM raw.quarantine WHERE table_name = 'owners'"
    )
    assert (line, reason) == (
        4,
        "team: not one of marketing, inside_sales, field_sales, customer_success: 'sales'",
    )
    assert json.loads(raw_record, object_pairs_hook=list) == record


def test_a_contract_column_named_twice_is_an_error(warehouse: Warehouse, tmp_path: Path) -> None:
    raw = raw_with(
        tmp_path, "owners.csv", b"owner_id,team,name,team,business_unit,,\nO1,marketing,a,sales,BU1,,\n"
    )
    assert failed_with(warehouse, raw) == [
        f"{raw / 'owners.csv'}: column 'team' appears more than once in the header"
    ]


# --- D. typed Parquet numbers -----------------------------------------------------------------


def deals_parquet(raw: Path, amounts: pa.Array) -> None:
    (raw / "deals.csv").unlink()
    table = pa.table(
        {
            "deal_id": ["D1", "D2", "D3", "D4"],
            "opportunity_id": ["OP1", None, None, None],
            "signed_at": ["2026-05-01"] * 4,
            "deal_type": ["new", "expansion", "expansion", "expansion"],
            "amount": amounts,
        }
    )
    pq.write_table(table, raw / "deals.parquet")


@pytest.mark.parametrize(
    "amounts",
    [
        pa.array([12.345, 999.999, -1.5, 1234.567], pa.float64()),
        pa.array([12.345, 999.999, -1.5, 1234.567], pa.float32()),
        pa.array([Decimal(v) for v in ("12.345", "999.999", "-1.500", "1234.567")], pa.decimal128(9, 3)),
    ],
    ids=["double", "float", "decimal-9-3"],
)
def test_typed_parquet_numbers_are_not_ambiguous(
    warehouse: Warehouse, tmp_path: Path, amounts: pa.Array
) -> None:
    raw = raw_with(tmp_path)
    deals_parquet(raw, amounts)
    result = warehouse.load(raw)
    assert result.returncode == 0, result.stdout + result.stderr
    assert warehouse.query("SELECT deal_id, amount, _line_number FROM raw.deals ORDER BY 1") == [
        ("D1", Decimal("12.3450"), 1),
        ("D2", Decimal("999.9990"), 2),
        ("D3", Decimal("-1.5000"), 3),
        ("D4", Decimal("1234.5670"), 4),
    ]
    assert warehouse.query("SELECT count(*) FROM raw.quarantine WHERE table_name = 'deals'") == [(0,)]


def test_a_parquet_text_number_is_still_ambiguous(warehouse: Warehouse, tmp_path: Path) -> None:
    """Text is text in any file: `1.234` may be 1,234 written with a European thousands separator."""
    raw = raw_with(tmp_path)
    deals_parquet(raw, pa.array(["12.345", "999.999", "-1.5", "1234.567"]))
    result = warehouse.load(raw)
    assert result.returncode == 0, result.stdout + result.stderr
    assert warehouse.query("SELECT deal_id, amount FROM raw.deals ORDER BY 1") == [
        ("D3", Decimal("-1.5000")),
        ("D4", Decimal("1234.5670")),
    ]
    ambiguous = f"amount: ambiguous number (a decimal point or a thousands separator?); write {NUMBER_FORMS}"
    assert warehouse.query(
        "SELECT line_number, reason FROM raw.quarantine WHERE table_name = 'deals' ORDER BY 1"
    ) == [(1, f"{ambiguous}: '12.345'"), (2, f"{ambiguous}: '999.999'")]
