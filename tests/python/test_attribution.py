"""Multi-touch attribution and account conflicts equal hand-computed values on a hand-made fixture.

tests/fixtures/attribution/raw is loaded through the real loader and `dbt build` (default vars:
lookback 365 days, half-life 7 days, conflict window 180 days). Expected values in
tests/fixtures/attribution/expected were computed by hand from docs/attribution.md (the derivations
are in tests/fixtures/attribution/README.md); credits are written as exact fractions or powers of two
(e.g. `19/30`, `1/(1+2**(2/7))`) and compared within 1e-12. Never regenerate them from model output.
"""

from __future__ import annotations

import ast
import operator
import shutil
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from conftest import FIXTURES, Warehouse
from expected_tables import as_text, read_csv
from revops.company_names import MACRO_PATH, normalize_company_name, render_macro

ATTRIBUTION = FIXTURES / "attribution"
RAW = ATTRIBUTION / "raw"
READS = ("fct_attribution_credit", "mart_campaign_attribution", "mart_account_conflicts")
"""What the tests read; the fixture builds these, what they are made of and their data tests."""
EXPECTED = ATTRIBUTION / "expected"

MODELS = ("first_touch", "last_touch", "linear", "u_shaped", "w_shaped", "time_decay")
STAGE_LABELS = {
    "mql": "mqls",
    "sal": "sals",
    "opportunity": "opportunities",
    "won": "won_deals",
    "renewed": "renewals",
}
TOLERANCE = 1e-12

_OPERATORS: dict[type, Callable[..., float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.USub: operator.neg,
}


def arithmetic(expression: str) -> float:
    """Evaluate a hand-written credit such as `19/30` or `2**(-337/7)/(5/4+2**(-337/7))`."""

    def walk(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](walk(node.operand))
        raise ValueError(f"not plain arithmetic: {expression}")

    return walk(ast.parse(expression, mode="eval"))


@pytest.fixture(scope="module")
def attribution_warehouse(warehouse_factory: Callable[[str], Warehouse]) -> Warehouse:
    warehouse = warehouse_factory("attribution")
    warehouse.build(RAW, reads=READS)
    return warehouse


@pytest.fixture(scope="module")
def expected_credits() -> list[dict[str, str]]:
    return read_csv(EXPECTED / "attribution_credits.csv")


def expected_fact_rows(expected_credits: list[dict[str, str]]) -> dict[tuple[str, str, str, str], dict]:
    """Expand the wide hand-computed file to one row per lead x stage x model x campaign."""
    rows: dict[tuple[str, str, str, str], dict] = {}
    for line in expected_credits:
        for model in MODELS:
            if not line[model]:
                continue
            credit = arithmetic(line[model])
            touches = int(line["touches"])
            if touches and model == "first_touch":
                credited, first_at, last_at = 1, line["first_touch_at"], line["first_touch_at"]
            elif touches and model == "last_touch":
                credited, first_at, last_at = 1, line["last_touch_at"], line["last_touch_at"]
            else:
                credited, first_at, last_at = touches, line["first_touch_at"], line["last_touch_at"]
            rows[(line["lead_id"], line["stage"], model, line["campaign_id"])] = {
                "credit": credit,
                "credited_won_amount": credit * float(line["lead_won_amount"]),
                "credited_touches": str(credited),
                "first_touch_at": first_at,
                "last_touch_at": last_at,
                "stage_entered_at": line["stage_entered_at"],
                "fiscal_year": line["fiscal_year"],
                "fiscal_half": line["fiscal_half"],
                "is_source_campaign": line["is_source_campaign"],
            }
    return rows


def test_fixture_loads_without_quarantine(attribution_warehouse: Warehouse) -> None:
    assert attribution_warehouse.query("select count(*) from raw.quarantine") == [(0,)]


def test_every_credit_row_equals_the_hand_computed_one(
    attribution_warehouse: Warehouse, expected_credits: list[dict[str, str]]
) -> None:
    expected = expected_fact_rows(expected_credits)
    actual = {
        (row["lead_id"], row["stage"], row["attribution_model"], row["campaign_id"]): row
        for row in attribution_warehouse.query_dicts("select * from marts.fct_attribution_credit")
    }
    assert sorted(actual) == sorted(expected)
    mismatches = []
    for key, want in expected.items():
        got = actual[key]
        for column in ("credit", "credited_won_amount"):
            if abs(got[column] - want[column]) > TOLERANCE * max(1.0, abs(want[column])):
                mismatches.append((key, column, got[column], want[column]))
        for column in (
            "credited_touches",
            "first_touch_at",
            "last_touch_at",
            "stage_entered_at",
            "fiscal_year",
            "fiscal_half",
            "is_source_campaign",
        ):
            if as_text(got[column]) != want[column]:
                mismatches.append((key, column, as_text(got[column]), want[column]))
    assert mismatches == []


def test_the_credit_invariants_test_catches_each_kind_of_break(
    attribution_warehouse: Warehouse, tmp_path: Path
) -> None:
    """assert_attribution_credits_add_up passes on the fixture and fails, one row per break, on a
    copy where one credit is halved, one lead x stage x model lost its rows and one credited won
    amount is off."""
    broken = Warehouse(tmp_path)
    shutil.copyfile(attribution_warehouse.path, broken.path)
    select = ["test", "--select", "assert_attribution_credits_add_up"]
    assert broken.dbt(*select).ok
    with duckdb.connect(str(broken.path)) as connection:
        won = connection.execute(
            "select lead_id, stage, attribution_model, campaign_id from marts.fct_attribution_credit "
            "where credited_won_amount > 0 order by all limit 1"
        ).fetchone()
        others = connection.execute(
            "select distinct lead_id, stage, attribution_model from marts.fct_attribution_credit "
            "where lead_id <> ? order by all limit 2",
            [won[0]],
        ).fetchall()
        connection.execute(
            "update marts.fct_attribution_credit set credit = credit / 2 "
            "where lead_id = ? and stage = ? and attribution_model = ?",
            list(others[0]),
        )
        connection.execute(
            "delete from marts.fct_attribution_credit where lead_id = ? and stage = ? and attribution_model = ?",
            list(others[1]),
        )
        connection.execute(
            "update marts.fct_attribution_credit set credited_won_amount = credited_won_amount + 1 "
            "where lead_id = ? and stage = ? and attribution_model = ? and campaign_id = ?",
            list(won),
        )
    result = broken.dbt(*select)
    assert not result.ok
    assert "Got 3 results" in result.output, result.output[-3000:]


def test_one_touch_gives_full_credit_in_every_model(attribution_warehouse: Warehouse) -> None:
    rows = attribution_warehouse.query(
        "select attribution_model, campaign_id, credit from marts.fct_attribution_credit "
        "where lead_id = 'AT01' order by attribution_model"
    )
    assert rows == [(model, "CA", 1.0) for model in sorted(MODELS)]


def test_touches_after_the_stage_or_outside_the_lookback_are_excluded(
    attribution_warehouse: Warehouse,
) -> None:
    # AT04: CX on 2025-03-01 is 417 days before MQL; CA on 2026-06-03 is after won.
    # AT09: CB on 2025-03-31 is 366 days before MQL, CX on 2025-04-01 exactly 365 (counted).
    # AT03: CW on 04-08 is after MQL (04-02) but counts for SAL (04-09).
    rows = attribution_warehouse.query(
        """
        select lead_id, stage, campaign_id, credited_touches, first_touch_at, last_touch_at
        from marts.fct_attribution_credit
        where attribution_model = 'linear'
            and ((lead_id = 'AT04' and stage in ('mql', 'won') and campaign_id in ('CA', 'CX'))
                or lead_id in ('AT09', 'AT03'))
        order by lead_id, stage, campaign_id
        """
    )
    assert [(r[0], r[1], r[2], r[3], as_text(r[4]), as_text(r[5])) for r in rows] == [
        ("AT03", "mql", "CA", 1, "2026-04-01 10:00:00", "2026-04-01 10:00:00"),
        ("AT03", "sal", "CA", 1, "2026-04-01 10:00:00", "2026-04-01 10:00:00"),
        ("AT03", "sal", "CW", 1, "2026-04-08 10:00:00", "2026-04-08 10:00:00"),
        ("AT04", "mql", "CA", 1, "2026-04-01 00:00:00", "2026-04-01 00:00:00"),
        ("AT04", "won", "CA", 1, "2026-04-01 00:00:00", "2026-04-01 00:00:00"),
        ("AT09", "mql", "CX", 1, "2025-04-01 10:00:00", "2025-04-01 10:00:00"),
    ]


def test_source_touch_is_not_doubled_by_an_activity_at_creation(attribution_warehouse: Warehouse) -> None:
    # AT05: source CA at 04-01 10:00 and an activity of CA at the same instant are one touch, and that
    # activity is the source touch (it sorts first at its timestamp; docs/attribution.md).
    rows = attribution_warehouse.query(
        "select campaign_id, credit, credited_touches from marts.fct_attribution_credit "
        "where lead_id = 'AT05' and attribution_model = 'linear' order by campaign_id"
    )
    assert rows == [("CA", 0.5, 1), ("CW", 0.5, 1)]
    touches = attribution_warehouse.query(
        "select activity_id, is_source_touch from intermediate.int_attribution_touches "
        "where lead_id = 'AT05' order by touch_at"
    )
    assert touches == [("a0501", True), ("a0502", False)]


def test_leads_without_touches_are_credited_to_no_touch(attribution_warehouse: Warehouse) -> None:
    rows = attribution_warehouse.query(
        "select lead_id, stage, count(*), sum(credit), min(campaign_id), max(campaign_id) "
        "from marts.fct_attribution_credit where lead_id in ('AT07', 'C16') "
        "group by lead_id, stage order by lead_id, stage"
    )
    assert rows == [
        ("AT07", "mql", 6, 6.0, "no_touch", "no_touch"),
        ("AT07", "sal", 6, 6.0, "no_touch", "no_touch"),
        ("C16", "mql", 6, 6.0, "no_touch", "no_touch"),
        ("C16", "opportunity", 6, 6.0, "no_touch", "no_touch"),
        ("C16", "sal", 6, 6.0, "no_touch", "no_touch"),
    ]
    # A lead that reached no stage after `lead` has no credit rows at all.
    assert attribution_warehouse.query(
        "select count(*) from marts.fct_attribution_credit where lead_id = 'AT08'"
    ) == [(0,)]


def test_campaign_attribution_attributed_columns_sum_the_hand_computed_credits(
    attribution_warehouse: Warehouse, expected_credits: list[dict[str, str]]
) -> None:
    expected: dict[tuple[str, str, int, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for line in expected_credits:
        for model in MODELS:
            if not line[model]:
                continue
            key = (line["campaign_id"], model, int(line["fiscal_year"]), line["fiscal_half"])
            credit = arithmetic(line[model])
            expected[key][f"attributed_{STAGE_LABELS[line['stage']]}"] += credit
            if line["stage"] == "won":
                expected[key]["attributed_won_amount"] += credit * float(line["lead_won_amount"])
    assert expected, "no hand-computed credit was read"
    actual = attribution_warehouse.query_dicts("select * from marts.mart_campaign_attribution")
    for row in actual:
        want = expected.get(
            (row["campaign_id"], row["attribution_model"], row["fiscal_year"], row["fiscal_half"])
        )
        for column in [f"attributed_{label}" for label in STAGE_LABELS.values()]:
            target = want[column] if want else 0.0
            assert abs(row[column] - target) < TOLERANCE, (
                row["campaign_id"],
                row["attribution_model"],
                column,
            )
        target_amount = round(want["attributed_won_amount"], 2) if want else 0.0
        assert float(row["attributed_won_amount"]) == pytest.approx(target_amount, abs=0.005)
    assert set(expected) <= {
        (row["campaign_id"], row["attribution_model"], row["fiscal_year"], row["fiscal_half"])
        for row in actual
    }


def test_campaign_attribution_rows_cost_sourced_and_influenced(attribution_warehouse: Warehouse) -> None:
    expected = {
        (line["campaign_id"], int(line["fiscal_year"]), line["fiscal_half"]): line
        for line in read_csv(EXPECTED / "campaign_halves.csv")
    }
    actual = attribution_warehouse.query_dicts("select * from marts.mart_campaign_attribution")
    keys = sorted(
        (row["campaign_id"], row["fiscal_year"], row["fiscal_half"], row["attribution_model"])
        for row in actual
    )
    assert keys == sorted((*key, model) for key in expected for model in MODELS)
    for row in actual:
        want = expected[(row["campaign_id"], row["fiscal_year"], row["fiscal_half"])]
        for column, value in want.items():
            if column in ("campaign_id", "fiscal_year", "fiscal_half"):
                continue
            assert as_text(row[column]) in (value, f"{value}.00"), (
                row["campaign_id"],
                row["attribution_model"],
                column,
            )


def test_cost_per_opportunity_ranking_differs_between_first_touch_and_w_shaped(
    attribution_warehouse: Warehouse,
) -> None:
    # FY2026 H1: the only attributed opportunity is AT04's. First touch gives it all to CA
    # (cost 600,000); W-shaped gives CA 3/10, CB 1/3 (cost 200,000), CW 1/15 (145,000), CS 3/10 (no cost).
    rows = {
        (row[0], row[1]): row[2:]
        for row in attribution_warehouse.query(
            """
            select campaign_id, attribution_model, attributed_opportunities, cost_per_attributed_opportunity, roi
            from marts.mart_campaign_attribution
            where fiscal_year = 2026 and fiscal_half = 'H1'
                and attribution_model in ('first_touch', 'w_shaped') and campaign_id in ('CA', 'CB', 'CW', 'CS')
            """
        )
    }
    assert rows[("CA", "first_touch")] == pytest.approx((1.0, 600_000.0, 2 / 3), abs=1e-9)
    assert rows[("CB", "first_touch")][0] == 0.0
    assert rows[("CB", "first_touch")][1] is None
    assert rows[("CA", "w_shaped")] == pytest.approx((0.3, 2_000_000.0, -0.5), abs=1e-6)
    assert rows[("CB", "w_shaped")][:2] == pytest.approx((1 / 3, 600_000.0), abs=1e-6)
    assert rows[("CW", "w_shaped")][:2] == pytest.approx((1 / 15, 2_175_000.0), abs=1e-6)
    assert rows[("CS", "w_shaped")][:2] == pytest.approx((0.3, 0.0), abs=1e-12)  # no cost rows: cost 0
    # Ranking by cost per opportunity: first touch ranks CA first (CB has none);
    # W-shaped ranks CB (600,000) ahead of CA (2,000,000).


def test_company_keys_of_leads(attribution_warehouse: Warehouse) -> None:
    expected = read_csv(EXPECTED / "account_lead_companies.csv")
    actual = attribution_warehouse.query_dicts(
        "select lead_id, business_unit, domain_key, name_key, company_key, matched_by "
        "from intermediate.int_account_lead_companies order by lead_id"
    )
    # Attribution leads AT* have neither a company name nor a domain: they are left out.
    assert [{column: as_text(value) for column, value in row.items()} for row in actual] == expected


@pytest.mark.parametrize(
    ("raw_name", "normalised"),
    [
        ("株式会社アルファ", "アルファ"),
        ("(株)アルファ", "アルファ"),
        ("（株）アルファ", "アルファ"),
        ("ｱﾙﾌｧ株式会社", "アルファ"),
        ("ｶﾞﾝﾏ（株）", "ガンマ"),
        ("㈱ ガンマ", "ガンマ"),
        ("ＤＥＬＴＡ　株式会社", "delta"),
        ("Delta (株)", "delta"),
        ("ﾍﾞｰﾀ(株)", "ベータ"),
        ("ｶﾌﾞｼｷｶﾞｲｼｬ ﾊﾟｼﾌｨｯｸ", "パシフィック"),
        ("(ｶ)ﾎﾟｰﾄ", "ポート"),
        ("有限会社ｳﾞｨｰﾅｽ", "ヴィーナス"),
        ("合同会社 ＡＢＣ－１", "abc-1"),
        ("株式会社", None),
    ],
)
def test_python_reference_normalisation(raw_name: str, normalised: str | None) -> None:
    assert normalize_company_name(raw_name) == normalised


def test_sql_normalisation_equals_the_python_reference(attribution_warehouse: Warehouse) -> None:
    rows = attribution_warehouse.query(
        "select company_name, name_key from intermediate.int_account_lead_companies where company_name is not null"
    )
    assert len(rows) == 18
    assert [(name, key) for name, key in rows if normalize_company_name(name) != key] == []


def test_company_name_char_map_macro_is_current() -> None:
    assert MACRO_PATH.read_text(encoding="utf-8") == render_macro(), (
        "run .venv/bin/python scripts/make_company_name_map.py"
    )


def test_account_conflicts_equal_the_hand_computed_rows(attribution_warehouse: Warehouse) -> None:
    expected = read_csv(EXPECTED / "mart_account_conflicts.csv")
    columns = list(expected[0])
    actual = attribution_warehouse.query_dicts(
        f"select {', '.join(columns)} from marts.mart_account_conflicts order by company_key"
    )
    assert [{column: as_text(row[column]) for column in columns} for row in actual] == sorted(
        expected, key=lambda row: row["company_key"]
    )


def test_conflict_window_is_relative_to_as_of(attribution_warehouse: Warehouse) -> None:
    # The latest event (C03 created 2027-05-31 18:00) is the as-of instant; the window starts
    # 180 days earlier, so zeta.jp (Consulting lead last active 2026-05-10) is not a conflict.
    assert attribution_warehouse.query("select as_of_at from intermediate.int_as_of")[0][0].isoformat() == (
        "2027-05-31T18:00:00"
    )
    assert attribution_warehouse.query(
        "select count(*) from marts.mart_account_conflicts where company_key = 'zeta.jp'"
    ) == [(0,)]
