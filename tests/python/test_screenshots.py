"""The screenshots in docs/screenshots are rendered from the current code (docs/screenshots/inputs.sha256)."""

from __future__ import annotations

import shutil
from pathlib import Path

from revops.dashboard.screenshots import COMMAND, MANIFEST, PAGES, changes, current, stored
from revops.settings import PROJECT_DIR


def test_the_screenshots_are_not_older_than_the_code_that_draws_them() -> None:
    assert all((PROJECT_DIR / png).exists() for png in PAGES.values())
    changed = changes(stored(), current())
    assert changed == [], f"docs/screenshots are stale ({', '.join(changed[:8])}): re-render with {COMMAND}"


def test_the_check_notices_a_changed_input_and_a_replaced_screenshot(tmp_path: Path) -> None:
    for entry in ("scripts/revops/dashboard", "models", "docs/screenshots"):
        shutil.copytree(PROJECT_DIR / entry, tmp_path / entry, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT_DIR / "dbt_project.yml", tmp_path / "dbt_project.yml")
    before = current(tmp_path)
    assert "scripts/revops/dashboard/sections/shortfall.py" in before
    assert "docs/screenshots/dashboard_ja.png" in before
    assert changes(before, current(tmp_path)) == []
    with (tmp_path / "scripts/revops/dashboard/sections/shortfall.py").open("a") as code:
        code.write("# a change to the code that draws the page\n")
    (tmp_path / "docs/screenshots/dashboard_en.png").write_bytes(b"not the rendered page")
    (tmp_path / "models/marts/new_mart.sql").write_text("select 1 as x\n")
    assert changes(before, current(tmp_path)) == [
        "docs/screenshots/dashboard_en.png",
        "models/marts/new_mart.sql",
        "scripts/revops/dashboard/sections/shortfall.py",
    ]


def test_the_manifest_is_stored_beside_the_screenshots() -> None:
    assert MANIFEST.parent == Path("docs/screenshots")
    assert set(PAGES.values()) <= {Path(name) for name in stored()}
