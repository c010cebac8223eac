"""The loader's value formats (revops.normalise): the short path for canonical timestamps gives
exactly what the general path gives, for every string (hypothesis, evaluated in DuckDB)."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revops import normalise

TIMEZONES = (
    ("Asia/Tokyo", "Asia/Tokyo", None),
    ("Asia/Tokyo", "UTC", None),
    ("America/New_York", "Europe/Berlin", None),
    ("UTC", "UTC", "Asia/Tokyo"),
)
"""(reporting, source, calendar) zones: naive values read in the reporting zone, in another, across DST;
and a Salesforce load, kept in UTC, whose dates alone are midnight in Asia/Tokyo."""


def two_digits(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda number: f"{number:02d}")


CANONICAL_LIKE = st.builds(
    lambda year, month, day, separator, hour, minute, second, fraction, offset: (
        f"{year}-{month}-{day}{separator}{hour}:{minute}:{second}{fraction}{offset}"
    ),
    st.integers(1000, 9999).map(str),
    two_digits(0, 13),
    two_digits(0, 32),
    st.sampled_from(("T", " ", "t", "  ")),
    two_digits(0, 25),
    two_digits(0, 60),
    two_digits(0, 61),
    st.sampled_from(("", ".5", ".123", ".123456789", ".1234567890")),
    st.sampled_from(("", "Z", "z", "+09:00", "-05:30", "+14:00", "+99:59", "+0900", "+09", " +09:00")),
)
"""Strings in or near the canonical form, invalid dates and offsets included."""


def mutated(text: str, position: int, character: str) -> str:
    position %= len(text) + 1
    return text[:position] + character + text[position + 1 :]


NEAR_MISSES = st.builds(
    mutated, CANONICAL_LIKE, st.integers(0, 40), st.sampled_from([*"/0 -T:.Z+２　a", "", " "])
)
VALUES = st.one_of(CANONICAL_LIKE, NEAR_MISSES, st.text(alphabet="0123456789-/T :.Z+２", max_size=30))


@pytest.mark.parametrize(("reporting", "source", "calendar"), TIMEZONES)
@settings(max_examples=60, deadline=None)
@given(values=st.lists(VALUES, min_size=1, max_size=40))
def test_the_canonical_short_path_gives_what_the_general_path_gives(
    reporting: str, source: str, calendar: str | None, values: list[str]
) -> None:
    short = normalise.timestamp("v", reporting, source, calendar)
    general = normalise.any_timestamp("v", reporting, source, calendar)
    with duckdb.connect() as connection:
        rows = connection.execute(
            f"SELECT v, {short}, {general} FROM (SELECT unnest(?::VARCHAR[]) AS v)", [values]
        ).fetchall()
    assert [row for row in rows if row[1] != row[2] and not (row[1] is None and row[2] is None)] == []


def test_the_short_path_reads_canonical_forms() -> None:
    """Hand-computed: an offset converted to the reporting zone, UTC's Z, a naive value in the source zone."""
    values = [
        "2026-04-01T09:05:00+09:00",
        "2026-04-01T00:05:00.5Z",
        "2026-04-01 09:05:00",
        "2026-04-31T09:05:00Z",
    ]
    with duckdb.connect() as connection:
        rows = connection.execute(
            f"SELECT CAST({normalise.timestamp('v', 'Asia/Tokyo', 'UTC')} AS VARCHAR) "
            "FROM (SELECT unnest(?::VARCHAR[]) AS v, generate_subscripts(?::VARCHAR[], 1) AS i) ORDER BY i",
            [values, values],
        ).fetchall()
    assert [row[0] for row in rows] == [
        "2026-04-01 09:05:00",
        "2026-04-01 09:05:00.5",
        "2026-04-01 18:05:00",
        None,
    ]


def test_a_date_alone_is_midnight_of_that_date_in_reporting_time() -> None:
    """A Date field (Salesforce's MQL date, say) exported in a UTC export is a calendar date: 2026-09-05
    is 00:00 of 2026-09-05 in Tokyo, not 00:00 UTC (09:00 in Tokyo, which put the drift's CRM flag nine
    hours late). A time of day, even 00:00, is an instant of the source zone; a New York date stays that
    date in Berlin.

    A Salesforce load keeps UTC (result and source zone both UTC) and staging converts UTC to reporting
    time: its date alone is Tokyo's midnight kept as UTC, 2026-09-04 15:00, which staging reads as
    2026-09-05 00:00 JST. Before, with both zones UTC, it was kept as 2026-09-05 00:00 UTC (09:00 JST).
    Its times stay UTC instants (03:00Z is 03:00 UTC, 12:00 JST)."""
    values = [
        "2026-09-05",
        "2026/9/5",
        "2026-09-05 00:00",
        "2026-09-05T00:00:00",
        "2026-09-05T03:00:00.000Z",
        "2026-09-05T03:00:00",
    ]
    with duckdb.connect() as connection:
        for (reporting, source, calendar), expected in [
            (
                ("Asia/Tokyo", "UTC", None),
                ["2026-09-05 00:00:00"] * 2 + ["2026-09-05 09:00:00"] * 2 + ["2026-09-05 12:00:00"] * 2,
            ),
            (
                ("Europe/Berlin", "America/New_York", None),
                ["2026-09-05 00:00:00"] * 2
                + ["2026-09-05 06:00:00"] * 2
                + ["2026-09-05 05:00:00", "2026-09-05 09:00:00"],
            ),
            (
                ("UTC", "UTC", "Asia/Tokyo"),
                ["2026-09-04 15:00:00"] * 2 + ["2026-09-05 00:00:00"] * 2 + ["2026-09-05 03:00:00"] * 2,
            ),
            (
                ("Asia/Tokyo", "Asia/Tokyo", None),
                ["2026-09-05 00:00:00"] * 4 + ["2026-09-05 12:00:00", "2026-09-05 03:00:00"],
            ),
        ]:
            rows = connection.execute(
                f"SELECT CAST({normalise.timestamp('v', reporting, source, calendar)} AS VARCHAR) "
                "FROM (SELECT unnest(?::VARCHAR[]) AS v, generate_subscripts(?::VARCHAR[], 1) AS i) ORDER BY i",
                [values, values],
            ).fetchall()
            assert [row[0] for row in rows] == expected, (reporting, source, calendar)
