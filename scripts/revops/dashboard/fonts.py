"""The page's own Japanese font: a subset of Noto Sans CJK JP, embedded as WOFF2.

The dashboard must read the same on a laptop, a CI runner or a Linux BI host
with no Japanese font installed. So the page carries its font: Noto Sans CJK
JP from Debian's `fonts-noto-cjk` package (SIL Open Font License 1.1), cut
down with fontTools to exactly the characters the page shows and stored as
WOFF2 (Brotli) in a `data:` URL of an @font-face rule. The family is listed
first everywhere the page names a font (CSS and the plotly figures), so no
glyph the page draws comes from the viewer's system.

The subset keeps the font's name table (copyright, licence and its URL), as
the OFL asks of every copy.
"""

from __future__ import annotations

import base64
import io
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FAMILY = "Revops Noto Sans JP"  # the @font-face name the page uses
SOURCE_FAMILY = "Noto Sans CJK JP"  # the face taken from the collection
DEBIAN_PACKAGE = "fonts-noto-cjk"
FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/noto-cjk"))
# weight → collection file. 400 for text, 700 for headings, card values and emphasis (CSS 600 maps to it).
FILES = {400: "NotoSansCJK-Regular.ttc", 700: "NotoSansCJK-Bold.ttc"}
# Characters plotly or the page script may draw that the data does not contain: ASCII for numbers,
# ticks and hover, plotly's minus sign, ellipsis, dashes, arrows, multiplication sign, no-break space.
ALWAYS = (
    "".join(chr(code) for code in range(0x20, 0x7F))
    + "\u2212\u2026\u2014\u2013\u2192\u00d7\u00a0\u00b7\u2248"
)


class FontMissing(RuntimeError):
    """The Noto CJK font files are not on this machine."""


@dataclass(frozen=True)
class EmbeddedFont:
    css: str  # the @font-face rules
    woff2_bytes: int  # size of the fonts themselves
    characters: int  # distinct characters kept


def font_path(weight: int) -> Path:
    """The collection file for `weight`: env REVOPS_CJK_FONT_DIR, else Debian's location."""
    configured = os.environ.get("REVOPS_CJK_FONT_DIR")
    directories = (Path(configured),) if configured else FONT_DIRS
    for directory in directories:
        candidate = directory / FILES[weight]
        if candidate.exists():
            return candidate
    raise FontMissing(
        f"{FILES[weight]} not found in {', '.join(str(path) for path in directories)}: "
        f"apt-get install {DEBIAN_PACKAGE} (scripts/demo.sh and scripts/test.sh do it)"
    )


def subset_woff2(path: Path, characters: str) -> bytes:
    """The face SOURCE_FAMILY of the collection at `path`, cut to `characters`, as WOFF2."""
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    # As fontTools' own subsetter loads a font (its options recalc_bounds and recalc_timestamp, both
    # off): the head table keeps the collection's bounding box, a superset of the subset's, instead of
    # every glyph's bounds being computed again on save (a sixth of the subset's CPU), and its
    # modification time, so the same characters give the same bytes on every run.
    collection = TTCollection(str(path), lazy=True, recalcBBoxes=False, recalcTimestamp=False)
    font = next((face for face in collection.fonts if face["name"].getDebugName(1) == SOURCE_FAMILY), None)
    if font is None:
        raise FontMissing(f"{path} has no face named {SOURCE_FAMILY}")
    options = subset.Options()
    options.flavor = "woff2"
    options.name_IDs = ["*"]  # keep copyright, licence and licence URL with the font (OFL)
    options.name_languages = ["*"]
    options.desubroutinize = True  # smaller after Brotli
    options.hinting = False
    options.layout_features = [*options.layout_features, "tnum"]  # the tables' tabular figures
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    return buffer.getvalue()


@cache
def _woff2(weight: int, characters: str) -> bytes:
    return subset_woff2(font_path(weight), characters)


def embedded_font(text: str) -> EmbeddedFont:
    """@font-face rules (WOFF2 in data: URLs) covering every character of `text`."""
    characters = "".join(sorted(set(text + ALWAYS) - {"\n", "\r", "\t"}))
    rules, size = [], 0
    for weight in sorted(FILES):
        data = _woff2(weight, characters)
        size += len(data)
        encoded = base64.b64encode(data).decode("ascii")
        rules.append(
            f"@font-face {{ font-family: '{FAMILY}'; font-style: normal; font-weight: {weight};"
            f" font-display: block; src: url(data:font/woff2;base64,{encoded}) format('woff2'); }}"
        )
    notice = (
        f"/* {FAMILY}: a subset of {SOURCE_FAMILY} (Debian {DEBIAN_PACKAGE}), "
        "(c) 2014-2021 Adobe, SIL Open Font License 1.1, https://openfontlicense.org */"
    )
    return EmbeddedFont("\n".join([notice, *rules]), size, len(characters))
