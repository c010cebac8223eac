"""The suite's own scheduling (tests/python/shared_builds.py): what it names exists."""

from __future__ import annotations

import json
from pathlib import Path

from shared_builds import HEAVY_FIRST, LATE_GROUP_SECONDS, OWN_GROUP_MARKERS, late_heavy_groups


def test_every_group_started_first_is_a_test_module() -> None:
    """A misspelt or removed module in HEAVY_FIRST would silently start its group last."""
    here = Path(__file__).parent
    for group in HEAVY_FIRST:
        module, _, marker = group.partition("-")
        assert (here / f"{module}.py").is_file(), group
        assert marker in ("", *OWN_GROUP_MARKERS), group
        if marker:
            assert f"pytest.mark.{marker}" in (here / f"{module}.py").read_text(encoding="utf-8"), group
    assert len(set(HEAVY_FIRST)) == len(HEAVY_FIRST)


def test_a_long_group_that_is_not_started_first_is_named(tmp_path: Path) -> None:
    """The run's summary names a group of more than LATE_GROUP_SECONDS that HEAVY_FIRST leaves to the end
    (session 31: test_salesforce_connector, 75 s, started last and kept one worker busy 70 s after the
    other had finished), and no listed or short group."""
    log = tmp_path / "cpu" / "gw0.jsonl"
    log.parent.mkdir()
    rows = [
        ("test_late", 0.0, 15.0),
        ("test_late", 15.0, 15.0 + LATE_GROUP_SECONDS),
        ("test_dashboard", 0.0, 300.0),
        ("test_short", 0.0, LATE_GROUP_SECONDS),
    ]
    log.write_text(
        "".join(
            json.dumps({"group": group, "started": started, "ended": ended}) + "\n"
            for group, started, ended in rows
        ),
        encoding="utf-8",
    )
    assert late_heavy_groups(tmp_path) == [("test_late", 15.0 + LATE_GROUP_SECONDS)]
