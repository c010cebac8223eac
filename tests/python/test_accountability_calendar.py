"""The committed business-day calendar seed is exactly what scripts/generate_calendar.py writes.

The seed is generated from the `holidays` library (holidays.Japan), never typed by hand: if this
fails, re-run `.venv/bin/python scripts/generate_calendar.py` and commit the result.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from pathlib import Path

from conftest import run_script
from revops.business_calendar import DEFAULT_END, DEFAULT_START, SEED_PATH, render_csv


def test_committed_seed_equals_generated() -> None:
    committed = SEED_PATH.read_text(encoding="utf-8")
    assert committed == render_csv(), "seeds/accountability/jp_business_calendar.csv is stale or edited"


def test_script_writes_the_seed(tmp_path: Path) -> None:
    out = tmp_path / "calendar.csv"
    result = run_script("generate_calendar.py", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert out.read_text(encoding="utf-8") == SEED_PATH.read_text(encoding="utf-8")


def test_script_rejects_a_reversed_range(tmp_path: Path) -> None:
    result = run_script(
        "generate_calendar.py",
        "--start",
        "2026-02-01",
        "--end",
        "2026-01-01",
        "--out",
        str(tmp_path / "x.csv"),
    )
    assert result.returncode != 0
    assert not (tmp_path / "x.csv").exists()


def test_seed_covers_2024_to_2028_without_gaps() -> None:
    with SEED_PATH.open(encoding="utf-8", newline="") as handle:
        days = [dt.date.fromisoformat(row["calendar_date"]) for row in csv.DictReader(handle)]
    assert days[0] == DEFAULT_START <= dt.date(2024, 1, 1)
    assert days[-1] == DEFAULT_END >= dt.date(2028, 12, 31)
    assert all(later - earlier == dt.timedelta(days=1) for earlier, later in itertools.pairwise(days))


def test_known_days() -> None:
    """Spot checks against the official 2026 calendar (内閣府「国民の祝日」)."""
    with SEED_PATH.open(encoding="utf-8", newline="") as handle:
        rows = {row["calendar_date"]: row for row in csv.DictReader(handle)}
    expected = {
        # date: (iso day, weekend, holiday, English name, Japanese name, business day)
        "2026-05-01": ("5", "false", "false", "", "", "true"),
        "2026-05-03": ("7", "true", "true", "Constitution Day", "憲法記念日", "false"),
        "2026-05-06": ("3", "false", "true", "Substitute Holiday", "振替休日", "false"),
        "2026-07-18": ("6", "true", "false", "", "", "false"),
        "2026-07-20": ("1", "false", "true", "Marine Day", "海の日", "false"),
        "2026-09-22": ("2", "false", "true", "National Holiday", "国民の休日", "false"),
        "2026-10-12": ("1", "false", "true", "Sports Day", "スポーツの日", "false"),
        "2026-12-29": ("2", "false", "false", "", "", "true"),  # year-end closure is not a public holiday
    }
    for day, values in expected.items():
        row = rows[day]
        actual = (
            row["iso_day_of_week"],
            row["is_weekend"],
            row["is_public_holiday"],
            row["holiday_name"],
            row["holiday_name_ja"],
            row["is_business_day"],
        )
        assert actual == values, day
