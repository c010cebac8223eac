"""Fast, vectorised text formatting for the raw files.

Every value is written as text, the way a CRM export delivers it. The
formatters build Arrow string arrays straight from numpy byte matrices, so
formatting millions of timestamps or ids costs a fraction of a second and is
byte-for-byte deterministic.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

JST_OFFSET_SECONDS = 9 * 3600
_DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)


def _string_array(matrix: np.ndarray, lengths: np.ndarray | None = None) -> pa.Array:
    """An Arrow string array from a (rows x width) uint8 matrix, rows cut to `lengths`."""
    rows, width = matrix.shape
    if lengths is None:
        data = np.ascontiguousarray(matrix).reshape(-1)
        offsets = np.arange(rows + 1, dtype=np.int64) * width
    else:
        keep = np.arange(width)[None, :] < lengths[:, None]
        data = matrix[keep]
        offsets = np.zeros(rows + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
    return pa.LargeStringArray.from_buffers(rows, pa.py_buffer(offsets), pa.py_buffer(data)).cast(pa.string())


def _put_number(matrix: np.ndarray, column: int, values: np.ndarray, width: int) -> None:
    """Write zero-padded decimal `values` into matrix[:, column:column+width]."""
    values = values.astype(np.int64, copy=True)
    for position in range(column + width - 1, column - 1, -1):
        matrix[:, position] = _DIGITS[values % 10]
        values //= 10


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """`prefix` + zero-padded numbers, e.g. ids("LD-", [7], 8) -> "LD-00000007"."""
    head = prefix.encode("ascii")
    matrix = np.empty((len(numbers), len(head) + width), dtype=np.uint8)
    matrix[:, : len(head)] = np.frombuffer(head, dtype=np.uint8)
    _put_number(matrix, len(head), numbers, width)
    return _string_array(matrix)


def dates(days: np.ndarray) -> pa.Array:
    """YYYY-MM-DD of days since 1970-01-01."""
    return pa.array(np.asarray(days, dtype=np.int32), type=pa.date32()).cast(pa.string())


def _arrow_text(values: pa.Array, width: int) -> np.ndarray:
    """The bytes of a fixed-width Arrow cast-to-string result as a (rows x width) matrix."""
    text = values.cast(pa.string())
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[text.offset : text.offset + len(text) + 1]
    if len(text) and not (np.diff(offsets) == width).all():
        raise ValueError(f"expected fixed-width text of {width} characters")
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[0] + width * len(text)]
    return data.reshape(len(text), width)


def _timestamp_text(seconds: np.ndarray, suffix: bytes) -> pa.Array:
    text = _arrow_text(pa.array(seconds, type=pa.timestamp("s")), 19)
    matrix = np.empty((len(seconds), 19 + len(suffix)), dtype=np.uint8)
    matrix[:, :19] = text
    matrix[:, 10] = ord("T")
    matrix[:, 19:] = np.frombuffer(suffix, dtype=np.uint8)
    return _string_array(matrix)


def timestamps(seconds: np.ndarray, utc: np.ndarray | None = None) -> pa.Array:
    """ISO 8601 of Unix seconds: `YYYY-MM-DDTHH:MM:SS+09:00`, or `...Z` (UTC) where `utc`."""
    seconds = np.asarray(seconds, dtype=np.int64)
    text = _timestamp_text(seconds + JST_OFFSET_SECONDS, b"+09:00")
    if utc is None or not utc.any():
        return text
    return pc.replace_with_mask(text, pa.array(utc), _timestamp_text(seconds[utc], b"Z"))


def integers(values: np.ndarray) -> pa.Array:
    """Plain decimal integers."""
    return pa.array(values.astype(np.int64)).cast(pa.string())


def decimals(hundredths: np.ndarray, two_places: np.ndarray | bool = True) -> pa.Array:
    """Non-negative amounts given in hundredths: `1234.56` where `two_places`, else `1234`.

    Rows without `two_places` must be whole (hundredths divisible by 100).
    """
    values = np.asarray(hundredths, dtype=np.int64)
    rows = len(values)
    two = np.broadcast_to(np.asarray(two_places, dtype=bool), (rows,))
    if rows and values.min() < 0:
        raise ValueError("decimals() formats non-negative amounts only")
    if rows and (values[~two] % 100).any():
        raise ValueError("decimals(): a whole-unit amount has hundredths")
    whole = values // 100
    widths = np.floor(np.log10(np.maximum(whole, 1))).astype(np.int64) + 1
    max_width = int(widths.max()) if rows else 1
    field = max_width + 3
    matrix = np.empty((rows, field), dtype=np.uint8)
    _put_number(matrix, 0, whole, max_width)
    matrix[:, max_width] = ord(".")
    _put_number(matrix, max_width + 1, values % 100, 2)
    # Left-align: drop each row's leading zero padding.
    shift = max_width - widths
    columns = (np.arange(field)[None, :] + shift[:, None]) % field
    aligned = np.take_along_axis(matrix, columns, axis=1)
    return _string_array(aligned, widths + np.where(two, 3, 0))


def take(dictionary: pa.Array, codes: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """dictionary[codes] as a plain string array, null where not `valid`."""
    indices = pa.array(codes.astype(np.int32), mask=None if valid is None else ~valid)
    return dictionary.take(indices)


def with_nulls(values: pa.Array, valid: np.ndarray) -> pa.Array:
    """`values` with nulls where not `valid`."""
    if valid.all():
        return values
    return pc.if_else(pa.array(valid), values, pa.scalar(None, type=values.type))
