"""The Japanese business-day calendar, generated from the `holidays` library.

A business day is a weekday (Monday to Friday) that is not a Japanese public
holiday (国民の祝日, including substitute holidays 振替休日 and citizens'
holidays 国民の休日) as maintained by `holidays.Japan`. Company-specific days
off (year-end closure, summer break) are not public holidays and stay business
days. The loader writes it to raw.business_calendar for every year the loaded
data needs (revops.loadmeta), so history from any year builds; it is never typed
or edited by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import holidays

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
