"""The suite's own scheduling (tests/python/shared_builds.py): what it names exists."""

from __future__ import annotations

from pathlib import Path

from shared_builds import HEAVY_FIRST, OWN_GROUP_MARKERS


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
