"""The Japanese business-day calendar seed, generated from the `holidays` library.

A business day is a weekday (Monday to Friday) that is not a Japanese public
holiday (国民の祝日, including substitute holidays 振替休日 and citizens'
holidays 国民の休日) as maintained by `holidays.Japan`. Company-specific days
off (year-end closure, summer break) are not public holidays and stay business
days. The seed is written by `scripts/generate_calendar.py` and committed;
tests/python/test_accountability_calendar.py checks the committed file equals
what this module generates, so it is never typed or edited by hand.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import holidays

from revops.settings import PROJECT_DIR

SEED_PATH = PROJECT_DIR / "seeds" / "accountability" / "jp_business_calendar.csv"
DEFAULT_START = dt.date(2020, 1, 1)
DEFAULT_END = dt.date(2030, 12, 31)
COLUMNS: tuple[str, ...] = (
    "calendar_date",
    "iso_day_of_week",
    "is_weekend",
    "is_public_holiday",
    "holiday_name",
    "holiday_name_ja",
    "is_business_day",
)


@dataclass(frozen=True)
class CalendarDay:
    calendar_date: dt.date
    iso_day_of_week: int  # 1 = Monday ... 7 = Sunday
    is_weekend: bool
    holiday_name: str  # English name, "" when not a public holiday
    holiday_name_ja: str  # Japanese name, "" when not a public holiday

    @property
    def is_public_holiday(self) -> bool:
        return self.holiday_name != ""

    @property
    def is_business_day(self) -> bool:
        return not self.is_weekend and not self.is_public_holiday


def calendar_days(start: dt.date = DEFAULT_START, end: dt.date = DEFAULT_END) -> Iterator[CalendarDay]:
    """Every day from start to end (inclusive), with weekend and public-holiday flags."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    years = range(start.year, end.year + 1)
    names_en = holidays.Japan(years=years, language="en_US")
    names_ja = holidays.Japan(years=years, language="ja")
    day = start
    while day <= end:
        iso_day = day.isoweekday()
        yield CalendarDay(
            calendar_date=day,
            iso_day_of_week=iso_day,
            is_weekend=iso_day >= 6,
            holiday_name=names_en.get(day, ""),
            holiday_name_ja=names_ja.get(day, ""),
        )
        day += dt.timedelta(days=1)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def render_csv(start: dt.date = DEFAULT_START, end: dt.date = DEFAULT_END) -> str:
    """The seed file's exact text (UTF-8, `\\n` line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for day in calendar_days(start, end):
        writer.writerow(
            (
                day.calendar_date.isoformat(),
                day.iso_day_of_week,
                _flag(day.is_weekend),
                _flag(day.is_public_holiday),
                day.holiday_name,
                day.holiday_name_ja,
                _flag(day.is_business_day),
            )
        )
    return buffer.getvalue()


def write_seed(path: Path = SEED_PATH, start: dt.date = DEFAULT_START, end: dt.date = DEFAULT_END) -> int:
    """Write the seed; return the number of days written."""
    text = render_csv(start, end)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")
    return text.count("\n") - 1
