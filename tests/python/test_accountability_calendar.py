"""The Japanese business-day calendar is generated from the `holidays` library by the loader,
for every year the loaded data needs (raw.business_calendar), never typed by hand."""

from __future__ import annotations

import datetime as dt
import itertools

from conftest import FIXTURES, Warehouse
from revops.business_calendar import calendar_days
from revops.loader import load_dir


def test_known_days() -> None:
    """Spot checks against the official 2026 calendar (内閣府「国民の祝日」)."""
    rows = {
        day.calendar_date.isoformat(): day
        for day in calendar_days(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    }
    expected = {
        # date: (iso day, weekend, holiday, English name, Japanese name, business day)
        "2026-05-01": (5, False, False, "", "", True),
        "2026-05-03": (7, True, True, "Constitution Day", "憲法記念日", False),
        "2026-05-06": (3, False, True, "Substitute Holiday", "振替休日", False),
        "2026-07-18": (6, True, False, "", "", False),
        "2026-07-20": (1, False, True, "Marine Day", "海の日", False),
        "2026-09-22": (2, False, True, "National Holiday", "国民の休日", False),
        "2026-10-12": (1, False, True, "Sports Day", "スポーツの日", False),
        "2026-12-29": (2, False, False, "", "", True),  # year-end closure is not a public holiday
    }
    for day, values in expected.items():
        row = rows[day]
        actual = (
            row.iso_day_of_week,
            row.is_weekend,
            row.is_public_holiday,
            row.holiday_name,
            row.holiday_name_ja,
            row.is_business_day,
        )
        assert actual == values, day


def test_the_load_writes_the_calendar_for_the_years_the_data_needs(warehouse: Warehouse) -> None:
    """loader/good has events in 2026 and 2027 (export time pinned to 2099 by conftest, but the
    fixture's export is given here): the calendar runs from the year before the first event to
    the year after the last event or the export time, without gaps."""
    report = load_dir(FIXTURES / "loader" / "good", warehouse.path, export_time="2027-06-30T00:00:00+09:00")
    assert report.loaded, report.problems
    days = [row[0] for row in warehouse.query("select calendar_date from raw.business_calendar order by 1")]
    assert days[0] == dt.date(2025, 1, 1)
    assert days[-1] == dt.date(2028, 12, 31)
    assert all(later - earlier == dt.timedelta(days=1) for earlier, later in itertools.pairwise(days))
    assert warehouse.query(
        "select holiday_name_ja, is_business_day from raw.business_calendar where calendar_date = '2026-07-20'"
    ) == [("海の日", False)]
