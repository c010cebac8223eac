"""Render docs/definitions.md (English and Japanese) from the agreed-definition seeds.

The stage registry (seeds/governance/stage_definition_registry.csv) and the MQL definition seeds
(seeds/mql_definition_versions.csv, seeds/mql_scoring_rules.csv) are the single source; the page is
generated, never edited. tests/python/test_governance.py checks the committed page is current.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from revops.settings import PROJECT_DIR

SEEDS_DIR = PROJECT_DIR / "seeds"
REGISTRY = Path("governance") / "stage_definition_registry.csv"
VERSIONS = Path("mql_definition_versions.csv")
RULES = Path("mql_scoring_rules.csv")

STAGE_LABELS_JA = {
    "lead": "リード",
    "mql": "MQL",
    "sal": "SAL",
    "opportunity": "商談",
    "won": "受注",
    "renewed": "更新",
}
TEAM_LABELS = {
    "marketing": "Marketing / マーケティング",
    "inside_sales": "Inside sales / インサイドセールス",
    "field_sales": "Field sales / フィールドセールス",
    "customer_success": "Customer success / カスタマーサクセス",
}


@dataclass(frozen=True)
class StageDefinition:
    stage: str
    stage_order: int
    version: int
    definition_en: str
    definition_ja: str
    owning_team: str
    agreed_by: str
    agreed_on: str


@dataclass(frozen=True)
class MqlVersion:
    version: int
    effective_from: str
    effective_to: str
    threshold: str


@dataclass(frozen=True)
class ScoringRule:
    activity_type: str
    points: str
    is_hand_raise: bool


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [{key: (value or "").strip() for key, value in row.items()} for row in csv.DictReader(handle)]


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def load_registry(seeds_dir: Path = SEEDS_DIR) -> list[StageDefinition]:
    rows = _read(seeds_dir / REGISTRY)
    definitions = [
        StageDefinition(
            stage=row["stage"],
            stage_order=int(row["stage_order"]),
            version=int(row["version"]),
            definition_en=row["definition_en"],
            definition_ja=row["definition_ja"],
            owning_team=row["owning_team"],
            agreed_by=row["agreed_by"],
            agreed_on=row["agreed_on"],
        )
        for row in rows
    ]
    return sorted(definitions, key=lambda item: (item.stage_order, -item.version))


def load_mql_versions(seeds_dir: Path = SEEDS_DIR) -> tuple[list[MqlVersion], dict[int, list[ScoringRule]]]:
    versions = sorted(
        (
            MqlVersion(
                version=int(row["version"]),
                effective_from=row["effective_from"],
                effective_to=row["effective_to"],
                threshold=row["threshold"],
            )
            for row in _read(seeds_dir / VERSIONS)
        ),
        key=lambda item: item.version,
    )
    rules: dict[int, list[ScoringRule]] = defaultdict(list)
    for row in _read(seeds_dir / RULES):
        rules[int(row["version"])].append(
            ScoringRule(
                activity_type=row["activity_type"],
                points=row["points"],
                is_hand_raise=row["is_hand_raise"].lower() in {"true", "1", "yes", "t"},
            )
        )
    for version_rules in rules.values():
        version_rules.sort(
            key=lambda item: (not item.is_hand_raise, -float(item.points or 0), item.activity_type)
        )
    return versions, dict(rules)


def _stage_section(definitions: list[StageDefinition]) -> list[str]:
    current, *earlier = definitions
    lines = [
        f"### {current.stage_order}. `{current.stage}` — {STAGE_LABELS_JA.get(current.stage, current.stage)}",
        "",
        f"- **Definition:** {current.definition_en}",
        f"- **定義:** {current.definition_ja}",
        f"- **Owning team / 担当チーム:** {TEAM_LABELS.get(current.owning_team, current.owning_team)}",
        f"- **Version / バージョン:** {current.version} — agreed by / 合意者: {current.agreed_by}; "
        f"agreed on / 合意日: {current.agreed_on}",
    ]
    for older in earlier:
        lines.append(
            f"- Earlier version / 旧バージョン {older.version} (agreed on / 合意日 {older.agreed_on}): "
            f"{older.definition_en} / {older.definition_ja}"
        )
    return [*lines, ""]


def _mql_version_section(
    version: MqlVersion, rules: list[ScoringRule], agreement: StageDefinition | None
) -> list[str]:
    until = version.effective_to or "open / 現行"
    if agreement is None:
        agreed = "**not agreed yet / 未合意** (proposal; see docs/governance.md)"
    else:
        agreed = f"agreed by / 合意者: {agreement.agreed_by}; agreed on / 合意日: {agreement.agreed_on}"
    lines = [
        f"### Version / バージョン {version.version}",
        "",
        f"- **In force / 適用期間:** {version.effective_from} → {until} (activity dates, inclusive / "
        "アクティビティ日付、両端含む)",
        f"- **Threshold / しきい値:** {version.threshold} points / 点",
        f"- **Agreement / 合意:** {agreed}",
        "",
        "| Activity type / アクティビティ種別 | Points / 点数 | Hand-raise (MQL at once) / ハンドレイズ（即MQL） |",
        "|---|---:|---|",
    ]
    for rule in rules:
        hand_raise = "yes / はい" if rule.is_hand_raise else ""
        lines.append(f"| `{_cell(rule.activity_type)}` | {rule.points} | {hand_raise} |")
    lines += [
        "",
        "Activity types not listed score 0 and are not hand-raises. / "
        "記載のないアクティビティ種別は0点で、ハンドレイズではありません。",
        "",
    ]
    return lines


def render(seeds_dir: Path = SEEDS_DIR) -> str:
    """The definitions page, as text."""
    registry = load_registry(seeds_dir)
    versions, rules = load_mql_versions(seeds_dir)
    by_stage: dict[str, list[StageDefinition]] = defaultdict(list)
    for definition in registry:
        by_stage[definition.stage].append(definition)
    stage_order = sorted(by_stage, key=lambda stage: by_stage[stage][0].stage_order)
    mql_agreements = {definition.version: definition for definition in by_stage.get("mql", [])}

    lines = [
        "<!-- Generated by scripts/render_definitions.py from seeds/governance/stage_definition_registry.csv,",
        "     seeds/mql_definition_versions.csv and seeds/mql_scoring_rules.csv. Do not edit by hand. -->",
        "",
        "# Agreed funnel definitions / ファネルの合意定義",
        "",
        "The one agreed definition of each funnel stage, owned by the team named and agreed by the people "
        "named. The marts, the semantic layer and this page all follow it; how a definition changes is in "
        "[governance.md](governance.md).",
        "",
        "各ステージの唯一の合意定義です。担当チームが所有し、記載の合意者が合意しました。マートとセマンティック"
        "レイヤー、このページはすべてこの定義に従います。定義の変更手順は [governance.md](governance.md) を参照してください。",
        "",
        "**Entered time / 到達時刻.** Every mart uses the entered time of a stage: the earliest recorded "
        "time of that stage or any later one, never earlier than the lead's creation. A lead that skips a "
        "stage passes it at the next stage's time (flagged implied), so the funnel is monotone.",
        "",
        "すべてのマートはステージの到達時刻を使います。到達時刻は、そのステージ以降のいずれかのステージの記録時刻の"
        "うち最も早いもので、リード作成日時より前にはなりません。ステージを飛ばしたリードは次のステージの時刻に"
        "そのステージを通過したものとみなし（implied）、ファネルは単調になります。",
        "",
        "## Stages / ステージ",
        "",
    ]
    for stage in stage_order:
        lines += _stage_section(by_stage[stage])
    lines += [
        "## MQL definition versions / MQL定義のバージョン",
        "",
        "Each activity is scored under the version in force on its date; versions never overlap and leave "
        "no gap. / 各アクティビティはその日付に有効なバージョンで採点されます。バージョンの期間は重複も空白もありません。",
        "",
    ]
    for version in versions:
        lines += _mql_version_section(
            version, rules.get(version.version, []), mql_agreements.get(version.version)
        )
    return "\n".join(lines).rstrip("\n") + "\n"
