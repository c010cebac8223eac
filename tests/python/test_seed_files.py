"""Seeds are UTF-8: the test command names the file, line and column of a byte that is not (revops.seed_files)."""

from __future__ import annotations

from pathlib import Path

from revops.seed_files import encoding_problem, seed_encoding_problems
from revops.settings import PROJECT_DIR


def test_every_seed_is_utf8() -> None:
    assert seed_encoding_problems(PROJECT_DIR / "seeds") == []


def test_a_seed_saved_as_cp932_is_named_by_file_line_and_column(tmp_path: Path) -> None:
    """The registry re-saved by Japanese Excel as 「CSV (コンマ区切り)」: cp932 with CRLF line ends. Its first
    non-ASCII character is on line 2, in definition_ja (the fifth field; a quoted English definition with
    commas before it): 「Ｃ」 is 0x82 0x62 in cp932."""
    seed = tmp_path / "seeds" / "governance" / "stage_definition_registry.csv"
    seed.parent.mkdir(parents=True)
    text = (
        "stage,stage_order,version,definition_en,definition_ja,owning_team\r\n"
        'lead,1,1,"A person, registered.",ＣＲＭに登録された人。,marketing\r\n'
    )
    seed.write_bytes(text.encode("cp932"))
    assert seed_encoding_problems(tmp_path / "seeds") == [
        "seeds/governance/stage_definition_registry.csv:2:definition_ja: byte 0x82 is not UTF-8; save the seed as "
        "UTF-8 (Excel: 「CSV UTF-8 (コンマ区切り)」, not 「CSV (コンマ区切り)」, which writes cp932)"
    ]
    seed.write_bytes(text.encode("utf-8"))
    assert encoding_problem(seed) is None
