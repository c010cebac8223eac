"""Every relative link in README.md and docs/ points at a file that exists, and every #anchor at a heading.

Links are Markdown inline links and images, `[text](target)` and `![alt](target)`, and reference
definitions `[name]: target`, outside code. External links (with a scheme) are not fetched. An anchor
must be the GitHub slug of a heading in the target Markdown file (lowercase, punctuation but `-` and
`_` removed, spaces as `-`, repeated slugs numbered `-1`, `-2`, ...) or an explicit `<a id/name>`.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import pytest

from revops.settings import PROJECT_DIR

PAGES = sorted([PROJECT_DIR / "README.md", *(PROJECT_DIR / "docs").rglob("*.md")])
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
CODE_SPAN = re.compile(r"`+[^`\n]*`+")
INLINE = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M)
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.M)
EXPLICIT = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"", re.I)


def prose(text: str) -> str:
    """The text without fenced code blocks and code spans."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def links(text: str) -> list[str]:
    body = prose(text)
    return INLINE.findall(body) + REFERENCE.findall(body)


def slug(heading: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading: its text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    seen: Counter[str] = Counter()
    found = set(EXPLICIT.findall(text))
    for heading in HEADING.findall(text):
        base = slug(heading)
        found.add(base if seen[base] == 0 else f"{base}-{seen[base]}")
        seen[base] += 1
    return found


def broken(page: Path) -> list[str]:
    problems = []
    for target in links(page.read_text(encoding="utf-8")):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # http:, https:, mailto:, ...
            continue
        path_part, _hash, anchor = unquote(target).partition("#")
        destination = (page.parent / path_part).resolve() if path_part else page
        if not destination.exists():
            problems.append(f"{target}: no such file")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            shown = (
                destination.relative_to(page.parent)
                if page.parent in destination.parents
                else destination.name
            )
            problems.append(f"{target}: no heading #{anchor} in {Path(shown).as_posix()}")
    return problems


def test_the_pages_are_found() -> None:
    names = {page.relative_to(PROJECT_DIR).as_posix() for page in PAGES}
    assert {"README.md", "docs/dashboard.md", "docs/nightly.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(PROJECT_DIR).as_posix())
def test_every_relative_link_resolves(page: Path) -> None:
    assert broken(page) == []


def test_the_checker_finds_what_is_broken(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "there.md").write_text("# Reading it\n## 2. Changing the MQL (propose → agree)\n")
    page = tmp_path / "README.md"
    page.write_text(
        "[ok](docs/there.md) [ok](docs/there.md#reading-it) [ok](docs/there.md#2-changing-the-mql-propose--agree)"
        " [ok](https://example.com/x.md) [ok](#top)\n"
        '<a id="top"></a>\n'
        "[dead](docs/marts.md) [bad anchor](docs/there.md#nowhere) ![gone](docs/screenshots/x.png)\n"
        "`[in code](docs/nothing.md)`\n```\n[in a block](docs/nothing.md)\n```\n[ref]: docs/missing.md\n"
    )
    assert broken(page) == [
        "docs/marts.md: no such file",
        "docs/there.md#nowhere: no heading #nowhere in docs/there.md",
        "docs/screenshots/x.png: no such file",
        "docs/missing.md: no such file",
    ]
