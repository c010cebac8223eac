"""The screenshots in docs/screenshots: what they are rendered from, and whether they still are.

`scripts/render_screenshots.py` renders them from the demo data and writes
`docs/screenshots/inputs.sha256` beside them (sha256sum format): the hash of
every file that decides what they show (the dashboard's code, the dbt project
that builds its marts, the demo generator, the pinned requirements (Python's and
the page's plotly.js bundle's), the demo's
parameters) and of the PNGs themselves. A test recomputes it and names what
changed, so a screenshot older than the code that draws it fails the tests.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from revops.settings import PROJECT_DIR

SCREENSHOT_DIR = Path("docs/screenshots")
MANIFEST = SCREENSHOT_DIR / "inputs.sha256"
PAGES = {"ja": SCREENSHOT_DIR / "dashboard_ja.png", "en": SCREENSHOT_DIR / "dashboard_en.png"}
# The demo the screenshots show: scripts/demo.sh's data, seen on the last day leads are created.
DEMO_LEADS, DEMO_SEED, DEMO_AS_OF = 50_000, 42, "2026-09-30"
INPUTS = (
    "scripts/dashboard.py",
    "scripts/render_screenshots.py",
    "scripts/revops/dashboard",
    "scripts/generate.py",
    "scripts/revops/generator",
    "models",
    "macros",
    "seeds",
    "dbt_project.yml",
    "requirements.txt",
    "package-lock.json",
)
COMMAND = ".venv/bin/python scripts/render_screenshots.py"


def _files(root: Path) -> list[Path]:
    found: list[Path] = []
    for entry in INPUTS:
        path = root / entry
        candidates = sorted(path.rglob("*")) if path.is_dir() else [path]
        found += [
            candidate
            for candidate in candidates
            if candidate.is_file() and "__pycache__" not in candidate.parts and candidate.suffix != ".pyc"
        ]
    return found


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def current(root: Path = PROJECT_DIR) -> dict[str, str]:
    """{relative path: sha256} of every input and of the screenshots, as they are now."""
    digests = {path.relative_to(root).as_posix(): _sha256(path) for path in _files(root)}
    demo = f"leads={DEMO_LEADS} seed={DEMO_SEED} as_of_date={DEMO_AS_OF}"
    digests["demo-parameters"] = hashlib.sha256(demo.encode()).hexdigest()
    for png in PAGES.values():
        if (root / png).exists():
            digests[png.as_posix()] = _sha256(root / png)
    return digests


def manifest(digests: dict[str, str]) -> str:
    return "".join(f"{digest}  {path}\n" for path, digest in sorted(digests.items()))


def stored(root: Path = PROJECT_DIR) -> dict[str, str]:
    path = root / MANIFEST
    if not path.exists():
        return {}
    lines = (line.split("  ", 1) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {name: digest for digest, name in lines}


def changes(before: dict[str, str], now: dict[str, str]) -> list[str]:
    """The paths added, removed or changed between two manifests."""
    return sorted(path for path in before.keys() | now.keys() if before.get(path) != now.get(path))


def write_manifest(root: Path = PROJECT_DIR) -> Path:
    path = root / MANIFEST
    path.write_text(manifest(current(root)), encoding="utf-8")
    return path
