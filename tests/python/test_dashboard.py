"""The executive dashboard (scripts/dashboard.py): formatting rules, and the rendered page in headless Chromium.

Two warehouses: the hand-made core fixture (tests/fixtures/core/raw, as_of_date 2026-07-05),
whose hand-computed values (tests/fixtures/core/README.md) the page must show, and generated demo
data (scripts/generate.py, 4,000 leads, seed 7, as_of_date 2026-09-30, the end of its lead
window) in which every section has content. Each page is opened in Debian's chromium through
Playwright (never `playwright install`) with every request routed: only file:// is served. The
browser tests check no console error, every section whose marts exist is on the page, the
screenshot is not blank, the filters re-render the numbers, and, for every fiscal half × business
unit, every number a section shows equals the marts' value for the same slice (queried from
DuckDB, compared exactly) and is formatted by the documented rules.
"""

from __future__ import annotations

import base64
import importlib
import json
import math
import re
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import plotly.graph_objects as go
import pytest
import yaml

from conftest import FIXTURES, Warehouse, generate, run_command, run_script
from revops.cli.dashboard import app as dashboard_app
from revops.dashboard import fonts, formatting
from revops.dashboard.browser import DashboardBrowser, masked_fontconfig
from revops.dashboard.common import (
    ALL_UNITS,
    Context,
    campaign_labels,
    figure_json,
    half_is_immature,
    is_immature,
)
from revops.dashboard.fonts import FAMILY, SOURCE_FAMILY
from revops.dashboard.i18n import MESSAGES, Texts
from revops.dashboard.render import build_payload, render
from revops.dashboard.sections import SECTIONS
from revops.dashboard.sections import attribution as attribution_section
from revops.dashboard.sections.campaigns import ALL_ROWS, _channel_totals, _slice, dead_ends, trap
from revops.dashboard.warehouse import SETTINGS_MART, Marts, fiscal_half
from revops.settings import PROJECT_DIR

RAW = FIXTURES / "core" / "raw"
# End of 2026-07-05. Maturity 90 days: the 2026-03 cohort matured on 2026-06-30 (04-01 + 90 days),
# the 2026-04 cohort matures on 2026-07-30, so it is immature.
AS_OF = "2026-07-05"
STAGES = ("lead", "mql", "sal", "opportunity", "won", "renewed")
PIPELINE_STEPS = ("starting", "created", "pulled_in", "reopened", "won", "lost", "pushed_out")
PIPELINE_STEPS += ("pulled_earlier", "increased", "decreased", "ending")


# --------------------------------------------------------------------------- formatting rules


@pytest.mark.parametrize(
    ("amount", "ja", "en"),
    [
        (0, "0円", "¥0"),
        (5_000, "5,000円", "¥5.0K"),
        (9_999, "9,999円", "¥10.0K"),
        (9_999.5, "1万円", "¥10.0K"),
        (10_000, "1万円", "¥10.0K"),
        (116_691.67, "11.7万円", "¥116.7K"),
        (160_000, "16万円", "¥160.0K"),
        (350_075, "35万円", "¥350.1K"),
        (999_960, "100万円", "¥1.0M"),
        (5_000_000, "500万円", "¥5.0M"),
        (12_345_678, "1,235万円", "¥12.3M"),
        (99_999_999, "1億円", "¥100.0M"),
        (100_000_000, "1億円", "¥100.0M"),
        (166_666_667, "1.67億円", "¥166.7M"),
        (1_234_567_890_123, "12,346億円", "¥1,234.6B"),
        (-5_000_000, "-500万円", "-¥5.0M"),
        (None, "—", "—"),
    ],
)
def test_yen_is_formatted_as_each_reader_expects(amount: float | None, ja: str, en: str) -> None:
    assert formatting.money(amount, "ja") == ja
    assert formatting.money(amount, "en") == en


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "USD 0.00"),
        (12.345, "USD 12.35"),
        (-0.4, "-USD 0.40"),
        (999.994, "USD 999.99"),
        (999.995, "USD 1.0K"),
        (116_691.67, "USD 116.7K"),
        (5_000_000, "USD 5.0M"),
        (999_960_000, "USD 1.0B"),
        (-5_000_000, "-USD 5.0M"),
        (None, "—"),
    ],
)
def test_another_reporting_currency_is_named_by_its_code(amount: float | None, text: str) -> None:
    """A build with var reporting_currency USD: amounts carry the code, in either language (万 and 億 are
    units of yen reading), with cents below a thousand; the amount axes are titled USD. Yen again outside
    the block."""
    with formatting.reporting_currency("USD"):
        assert formatting.money(amount, "ja") == text
        assert formatting.money(amount, "en") == text
        assert formatting.currency_title("ja") == formatting.currency_title("en") == "USD"
    assert formatting.money(5_000_000, "ja") == "500万円"
    assert (formatting.currency_title("ja"), formatting.currency_title("en")) == ("円", "JPY")


def test_rates_counts_and_signed_numbers() -> None:
    assert formatting.rate(2 / 3) == "66.7%"
    assert formatting.rate(0.125) == "12.5%"
    assert formatting.rate(0.0005) == "0.1%"  # half away from zero
    assert formatting.rate(None) == "—"
    assert formatting.count(1234567) == "1,234,567"
    assert formatting.signed(-3.04) == "-3.0"
    assert formatting.signed(1.25) == "+1.3"
    assert formatting.signed(0) == "0.0"


def test_money_ticks_are_round_and_cover_the_maximum() -> None:
    ticks, labels = formatting.money_ticks(1_666_666, "ja")
    assert ticks == [0, 500_000, 1_000_000, 1_500_000, 2_000_000]
    assert labels == ["0円", "50万円", "100万円", "150万円", "200万円"]


def test_every_text_exists_in_both_languages_once() -> None:
    for key, entry in MESSAGES.items():
        assert set(entry) == {"ja", "en"}, key
        assert entry["ja"].strip() and entry["en"].strip(), key
    assert Texts("ja").label("stage", "opportunity") == "商談"
    assert Texts("en").label("channel", "exhibition") == "Trade show"
    assert Texts("ja").label("channel", "a_new_channel") == "a_new_channel"


def test_every_file_the_page_names_exists() -> None:
    named = {
        path
        for entry in MESSAGES.values()
        for text in entry.values()
        for path in re.findall(r"(?:docs/[\w./-]+\.md|README\.md)", text)
    }
    assert "docs/dashboard.md" in named
    assert [path for path in sorted(named) if not (PROJECT_DIR / path).exists()] == []


def test_a_trace_type_the_bundle_cannot_draw_is_an_error_not_an_empty_chart() -> None:
    assert figure_json(go.Figure(go.Waterfall(x=["a"], y=[1])))["data"][0]["type"] == "waterfall"
    with pytest.raises(
        ValueError, match=re.escape("trace type heatmap is not in the page's plotly.js bundle")
    ):
        figure_json(go.Figure(go.Heatmap(z=[[1]])))


def test_the_page_embeds_the_pinned_bundle_and_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    render_module = importlib.import_module("revops.dashboard.render")  # the package exports render()
    lock = json.loads((PROJECT_DIR / "package-lock.json").read_text(encoding="utf-8"))
    pinned = lock["packages"]["node_modules/plotly.js-finance-dist-min"]["version"]
    assert render_module.plotly_bundle().startswith(f"/**\n* plotly.js (finance - minified) v{pinned}\n")
    monkeypatch.setattr(render_module, "PLOTLY_BUNDLE", PROJECT_DIR / "node_modules" / "no-such-bundle.js")
    with pytest.raises(FileNotFoundError, match=re.escape("run scripts/setup.sh")):
        render_module.plotly_bundle()


def test_a_cohort_is_immature_until_its_youngest_leads_had_the_full_window() -> None:
    """The marts' rule (unit test stage_conversion_months_add_up_and_mature_after_the_window): April's
    leads, all created before 2026-05-01 00:00, have had their 90 days at 2026-07-30 00:00."""
    april = date(2026, 4, 1)
    assert is_immature(april, datetime(2026, 7, 29, 23, 59, 59, 999999), 90)
    assert not is_immature(april, datetime(2026, 7, 30, 0, 0, 0), 90)
    assert is_immature(date(2026, 3, 1), datetime(2026, 6, 29, 23, 59, 59), 90)
    assert not is_immature(date(2026, 3, 1), datetime(2026, 6, 30), 90)


# --------------------------------------------------------------------------- warehouses and pages

DEMO_LEADS, DEMO_SEED, DEMO_AS_OF = "4000", "7", "2026-09-30"


def render_pages(warehouse: Warehouse, langs: tuple[str, ...] = ("ja", "en")) -> dict[str, Path]:
    out = {}
    for lang in langs:
        path = warehouse.root / f"dashboard_{lang}.html"
        result = run_command(dashboard_app, "--db", str(warehouse.path), "--out", str(path), "--lang", lang)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.strip().splitlines()[-1] == str(path.resolve())  # the CLI ends with the path
        out[lang] = path
    return out


DASHBOARD_READS = ("exposure:executive_dashboard", "int_as_of", "fct_lead_funnel")
"""What the page reads: the marts its exposure declares (test_the_exposure_declares_the_marts_the_
dashboard_reads), the as-of, and the funnel it dates a publication of the marts only by."""
DATA_TESTS = ("--indirect-selection", "cautious")
MODELS_ONLY = ("--exclude-resource-type", "test")


def build_for_the_page(
    warehouse: Warehouse, raw: Path, scope: tuple[str, ...], dbt_vars: dict[str, str] | None = None
) -> None:
    """Load raw and build what the page reads with everything it is made of (no unit tests: they run
    in the core build); `scope` DATA_TESTS with the data tests on them, MODELS_ONLY where another
    build already runs those on the same data and vars."""
    loaded = warehouse.load(raw)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    selection = ("--select", *(f"+{node}" for node in DASHBOARD_READS), *scope)
    result = warehouse.dbt("build", *selection, "--exclude-resource-type", "unit_test", dbt_vars=dbt_vars)
    assert result.ok, result.output[-6000:]


@pytest.fixture(scope="module")
def core(warehouse_factory: Callable[[str], Warehouse]) -> Warehouse:
    warehouse = warehouse_factory("dashboard_core")
    build_for_the_page(warehouse, RAW, DATA_TESTS, dbt_vars={"as_of_date": AS_OF})
    return warehouse


@pytest.fixture(scope="module")
def demo(warehouse_factory: Callable[[str], Warehouse]) -> Warehouse:
    warehouse = warehouse_factory("dashboard_demo")
    raw = warehouse.root / "raw"
    generated = generate("--leads", DEMO_LEADS, "--seed", DEMO_SEED, "--out", str(raw))
    assert generated.returncode == 0, generated.stdout + generated.stderr
    build_for_the_page(warehouse, raw, DATA_TESTS, dbt_vars={"as_of_date": DEMO_AS_OF})
    return warehouse


@pytest.fixture(scope="module")
def core_pages(core: Warehouse) -> dict[str, Path]:
    return render_pages(core)


@pytest.fixture(scope="module")
def demo_pages(demo: Warehouse) -> dict[str, Path]:
    return render_pages(demo, ("ja",))


def existing_sections(warehouse: Warehouse) -> list[str]:
    tables = {f"{schema}.{name}" for schema, name in warehouse.query(
        "select table_schema, table_name from information_schema.tables"
    )}  # fmt: skip
    return [spec.id for spec in SECTIONS if all(need in tables for need in spec.needs)]


def test_fiscal_half_of_a_month_agrees_with_the_marts(demo: Warehouse) -> None:
    rows = demo.query(
        "select distinct cohort_month, fiscal_year, fiscal_half from marts.mart_stage_conversion"
    )
    assert len(rows) >= 24
    for month, year, half in rows:
        assert fiscal_half(month, 4) == (year, half)
    # An October fiscal year (the unit test fiscal_months_follow_the_fiscal_year_start): September 2026 ends
    # FY2025 H2, October 2026 opens FY2026 H1 and April 2027 opens its H2.
    assert [fiscal_half(date(*month, 1), 10) for month in ((2026, 9), (2026, 10), (2027, 3), (2027, 4))] == [
        (2025, "H2"),
        (2026, "H1"),
        (2026, "H1"),
        (2026, "H2"),
    ]


def test_a_half_is_immature_until_its_last_cohort_month_is_mature() -> None:
    # FY2026 H1 = 2026-04 .. 2026-09: its last cohort (September) matures at 2026-10-01 + 90 days, as the
    # unit test stage_conversion_half_adds_up_months_and_keeps_the_scopes has it.
    assert half_is_immature("2026-H1", datetime(2026, 12, 29, 23, 59, 59), 90, 4)
    assert not half_is_immature("2026-H1", datetime(2026, 12, 30), 90, 4)
    # FY2025 H2 = 2025-10 .. 2026-03: March matures at 2026-04-01 + 90 days = 2026-06-30.
    assert half_is_immature("2025-H2", datetime(2026, 6, 29, 23, 59, 59), 90, 4)
    assert not half_is_immature("2025-H2", datetime(2026, 6, 30), 90, 4)
    # With an October year FY2026 H1 is 2026-10 .. 2027-03: March 2027 matures on 2027-06-30.
    assert half_is_immature("2026-H1", datetime(2027, 6, 29, 23, 59, 59), 90, 10)
    assert not half_is_immature("2026-H1", datetime(2027, 6, 30), 90, 10)


def test_campaigns_that_share_a_name_are_told_apart_by_id() -> None:
    pairs = [
        ("CMP-1", "福岡 スマート工場EXPO 2026 出展"),
        ("CMP-2", "福岡 スマート工場EXPO 2026 出展"),
        ("CMP-3", "Web"),
    ]
    assert campaign_labels(pairs) == {
        "CMP-1": "福岡 スマート工場EXPO 2026 出展 (CMP-1)",
        "CMP-2": "福岡 スマート工場EXPO 2026 出展 (CMP-2)",
        "CMP-3": "Web",
    }
    # Cut for a chart axis: names that only differ after the cut are told apart as well.
    cut = campaign_labels(
        [("A", "ホワイトペーパー: 製造業DX"), ("B", "ホワイトペーパー: 営業DX"), ("C", None)], limit=8
    )
    assert cut == {"A": "ホワイトペーパ… (A)", "B": "ホワイトペーパ… (B)", "C": "C"}


def test_a_mature_halfs_funnel_says_its_renewals_are_not_final(core: Warehouse) -> None:
    """As of 2026-07-05 FY2025 H2 is mature (its forward windows elapsed) but its leads' renewals are a
    contract term away: the funnel warns that won → renewed is not final. Before, the page said that a
    mature half's numbers are final, renewals included."""
    with Marts(core.path) as marts:
        payload, _omitted, failed = build_payload(marts, "en")
    assert failed == ()
    assert "its forward KPIs and plan comparison are final" in payload["filters"]["defaultNote"]
    funnel = next(section for section in payload["sections"] if section["id"] == "funnel")["slices"]
    callouts = [callout["t"] for callout in funnel[f"2025-H2|{ALL_UNITS}"]["callouts"]]
    assert callouts == [
        "Won → renewed is not final: a deal comes up for renewal about 12 months after its win (the default "
        "contract term) plus 30 days' grace, so this half's renewals can grow until at least 2027-07-28."
    ]


def test_the_page_is_dated_and_priced_by_the_build_settings_mart(core: Warehouse, tmp_path: Path) -> None:
    """A publication holds schema marts only: the page's as-of, its source and the currency of every amount
    are mart_build_settings'. Planted in a copy without int_as_of (as a publication has none): as of
    2027-06-30 12:00 from the var, in USD. Before, such a publication was dated by its latest stage time and
    priced in yen whatever var reporting_currency the build used."""
    copy = tmp_path / "publication.duckdb"
    shutil.copy(core.path, copy)
    with duckdb.connect(str(copy)) as connection:
        connection.execute("drop table intermediate.int_as_of")
        connection.execute(
            "update marts.mart_build_settings set as_of_at = timestamp '2027-06-30 12:00:00',"
            " as_of_source = 'var', reporting_currency = 'USD'"
        )
    for lang in ("en", "ja"):
        with Marts(copy) as marts:
            payload, _omitted, failed = build_payload(marts, lang)
        assert failed == ()
        assert payload["asOf"] == "2027-06-30 12:00"
        shown = json.dumps(payload, ensure_ascii=False)
        assert "USD " in shown
        assert not [sign for sign in ("¥", "円", "JPY") if sign in shown], lang
    assert payload["asOfSource"] == Texts("ja")("page.as_of_source.var")


def test_the_renewals_callout_is_the_half_marts_renewal_window(core: Warehouse, tmp_path: Path) -> None:
    """The callout reads mart_stage_conversion_half's renewal window: a build run with other contract
    vars (here: the columns planted, a 24-month term, 60 days' grace, open until 2028-09-30) is described
    by them, and a closed window (is_renewal_window_open false) has no callout, nor has a publication from
    before the columns. Before, the page computed the window in Python from dbt_project.yml's vars, whatever
    the build ran with."""

    def callouts(path: Path) -> list[str]:
        with Marts(path) as marts:
            payload, _omitted, failed = build_payload(marts, "en")
        assert failed == ()
        funnel = next(section for section in payload["sections"] if section["id"] == "funnel")["slices"]
        return [callout["t"] for callout in funnel[f"2025-H2|{ALL_UNITS}"]["callouts"]]

    mart = "marts.mart_stage_conversion_half"
    half = "fiscal_year = 2025 and fiscal_half = 'H2'"
    longer = planted_copy(
        core,
        tmp_path / "longer.duckdb",
        f"update {mart} set default_contract_months = 24, renewal_grace_days = 60,"
        f" renewals_open_until = date '2028-09-30' where {half}",
    )
    assert callouts(longer) == [
        "Won → renewed is not final: a deal comes up for renewal about 24 months after its win (the default "
        "contract term) plus 60 days' grace, so this half's renewals can grow until at least 2028-09-30."
    ]
    closed = planted_copy(
        core, tmp_path / "closed.duckdb", f"update {mart} set is_renewal_window_open = false where {half}"
    )
    assert callouts(closed) == []
    # A publication from before the columns: the funnel renders, without a renewal warning.
    older = tmp_path / "older.duckdb"
    shutil.copy(core.path, older)
    with duckdb.connect(str(older)) as connection:
        for column in (
            "renewals_open_until",
            "is_renewal_window_open",
            "default_contract_months",
            "renewal_grace_days",
        ):
            connection.execute(f"alter table {mart} drop column {column}")
    assert callouts(older) == []


def test_the_handoff_sla_is_labelled_with_the_days_the_build_judged_by(
    demo: Warehouse, tmp_path: Path
) -> None:
    """The subtitle reads mart_handoff_sla.sla_business_days: a build run with --vars
    sal_sla_business_days=3 (here: the column set to 3) is labelled 3 business days. Before, the page
    read dbt_project.yml's 2 whatever the build used."""
    copy = tmp_path / "sla3.duckdb"
    shutil.copy(demo.path, copy)
    with duckdb.connect(str(copy)) as connection:
        connection.execute("update marts.mart_handoff_sla set sla_business_days = 3")
    with Marts(copy) as marts:
        payload, _omitted, failed = build_payload(marts, "en")
    assert failed == ()
    handoff = next(section for section in payload["sections"] if section["id"] == "handoff")
    assert handoff["subtitle"].startswith("Whether inside sales responded to each MQL within 3 business days")


def test_default_filters_are_the_latest_mature_half_and_all_units(core: Warehouse) -> None:
    with Marts(core.path) as marts:
        payload, omitted, failed = build_payload(marts, "ja")
    assert failed == ()
    # As of 2026-07-05, FY2026 H1 (its 2026-04 cohort matures on 2026-07-30) is immature; FY2025 H2 matured
    # on 2026-06-30. The page opens on FY2025 H2 and says so; the newer half is offered, marked.
    assert payload["filters"]["half"] == "2025-H2"
    assert payload["filters"]["unit"] == ALL_UNITS
    assert "成熟済みの最新半期 (2025年度 下期)" in payload["filters"]["defaultNote"]
    halves = {half["key"]: half for half in payload["filters"]["halves"]}
    assert halves["2026-H1"]["immature"] and halves["2026-H1"]["label"] == "2026年度 上期 (成熟前)"
    assert not halves["2025-H2"]["immature"] and halves["2025-H2"]["label"] == "2025年度 下期"
    labels = [half["label"] for half in payload["filters"]["halves"]]
    assert labels == sorted(labels, reverse=True)
    assert payload["asOf"] == "2026-07-05 23:59"
    assert [section["id"] for section in payload["sections"]] == existing_sections(core)
    assert set(omitted) == {spec.id for spec in SECTIONS} - set(existing_sections(core))


def test_a_section_whose_mart_is_missing_is_left_out(core: Warehouse, tmp_path: Path) -> None:
    copy = tmp_path / "without_campaigns.duckdb"
    shutil.copy(core.path, copy)
    with duckdb.connect(str(copy)) as connection:
        connection.execute("drop table marts.mart_campaign_efficiency")
    rendered = render(copy, "ja")
    assert "campaigns" in rendered.omitted
    assert "campaigns" not in rendered.sections
    assert {"funnel", "cohorts"} <= set(rendered.sections)
    assert rendered.failed == ()


def test_it_renders_from_a_publication_of_the_marts_only(core: Warehouse, tmp_path: Path) -> None:
    published = tmp_path / "published.duckdb"  # what scripts/nightly.py publishes for BI: schema marts only
    with duckdb.connect(str(published)) as connection:
        connection.execute(f"attach '{core.path}' as warehouse (read_only)")
        connection.execute("create schema marts")
        for (table,) in connection.execute(
            "select table_name from duckdb_tables() where database_name = 'warehouse' and schema_name = 'marts'"
        ).fetchall():
            connection.execute(f"create table marts.{table} as select * from warehouse.marts.{table}")
    with Marts(published) as marts:
        payload, _omitted, failed = build_payload(marts, "en")
    assert failed == ()
    assert [section["id"] for section in payload["sections"]] == existing_sections(core)
    # No intermediate.int_as_of, but marts.mart_build_settings: the build's as-of, the end of the as_of_date.
    assert (payload["asOf"], payload["asOfSource"]) == ("2026-07-05 23:59", "set date")
    # A publication from before that mart: the latest stage time, L01's renewal on 2027-05-01 (README).
    with duckdb.connect(str(published)) as connection:
        connection.execute("drop table marts.mart_build_settings")
    with Marts(published) as marts:
        payload, _omitted, failed = build_payload(marts, "en")
    assert failed == ()
    assert (payload["asOf"], payload["asOfSource"]) == ("2027-05-01 00:00", "latest stage time")


def test_a_mart_that_does_not_read_as_expected_fails_loudly(core: Warehouse, tmp_path: Path) -> None:
    copy = tmp_path / "renamed_column.duckdb"
    shutil.copy(core.path, copy)
    with duckdb.connect(str(copy)) as connection:
        connection.execute("alter table marts.mart_campaign_efficiency rename column leads to lead_count")
    out = tmp_path / "page.html"
    result = run_script("dashboard.py", "--db", str(copy), "--out", str(out))
    assert result.returncode == 1
    assert "section campaigns failed" in result.stderr
    assert out.exists()  # the rest of the page is still written


def shortfall_slices(path: Path) -> dict[str, Any]:
    with Marts(path) as marts:
        payload, _omitted, failed = build_payload(marts, "ja")
    assert failed == ()
    return next(section for section in payload["sections"] if section["id"] == "shortfall")["slices"]


def test_an_immature_half_reads_the_same_whether_or_not_the_mart_attributes_it(
    core: Warehouse, tmp_path: Path
) -> None:
    """The page decides on is_mature alone: the mart as it is, and the mart once immature halves carry null
    effects, no bottleneck and the gap on `unattributed`, give the same section."""
    before = shortfall_slices(core.path)
    immature = [
        key
        for key, content in before.items()
        if "要因分解はしません" in json.dumps(content, ensure_ascii=False)
    ]
    assert "2026-H1|__all__" in immature  # as of 2026-07-05 the half is not over
    copy = tmp_path / "immature_unattributed.duckdb"
    shutil.copy(core.path, copy)
    with duckdb.connect(str(copy)) as connection:
        changed = connection.execute(
            """
            update marts.mart_funnel_shortfall
            set effect = case when factor = 'unattributed' then gap end, is_bottleneck = false
            where not is_mature and gap is not null
            """
        ).fetchone()
    assert changed and changed[0] > 0
    after = shortfall_slices(copy)
    assert after == before
    content = before["2026-H1|__all__"]
    keys = {item["k"] for row in content["table"]["rows"] for item in row if "k" in item}
    assert keys == {"effect:unattributed", "amount:unattributed"}
    assert content["figure"] is None


def section_slices(path: Path, section: str, lang: str = "ja") -> dict[str, Any]:
    with Marts(path) as marts:
        payload, _omitted, failed = build_payload(marts, lang)
    assert failed == ()
    return next(each for each in payload["sections"] if each["id"] == section)["slices"]


def keyed(content: dict[str, Any]) -> dict[str, Any]:
    """{data-key: raw value} of a slice's cards and table cells."""
    rows = content["table"]["rows"] if content["table"] else []
    cells = [item for row in rows for item in (row["cells"] if isinstance(row, dict) else row)]
    return {item["k"]: item["v"] for item in [*content["cards"], *cells] if "k" in item}


def planted_copy(warehouse: Warehouse, path: Path, *updates: str) -> Path:
    """A copy of the warehouse's file at `path` with `updates` run in it, each of which must change a row
    (a planted value that changes nothing proves nothing)."""
    shutil.copy(warehouse.path, path)
    with duckdb.connect(str(path)) as connection:
        for update in updates:
            changed = connection.execute(update).fetchone()
            assert changed and changed[0] > 0, update
    return path


def test_drift_bars_leave_out_not_measured_slices(core: Warehouse) -> None:
    """README: Consulting's CRM has no MQL flag (not_measured in 2026-03 and 2026-04, one lead each, all
    agreed_only); SaaS is measured: 2026-03 1 lead, 1 both; 2026-04 7 leads, 2 both, 5 agreed_only."""
    measured = core.query(
        "select mql_month, business_unit, drift_measurement, disagreement_rate from marts.mart_definition_drift"
        " order by 1, 2"
    )
    assert [(month.isoformat(), unit, how, rate) for month, unit, how, rate in measured] == [
        ("2026-03-01", "Consulting", "not_measured", None),
        ("2026-03-01", "SaaS", "measured", 0.0),
        ("2026-04-01", "Consulting", "not_measured", None),
        ("2026-04-01", "SaaS", "measured", 5 / 7),
    ]
    slices = section_slices(core.path, "drift")
    expected = {  # unit -> (bar heights, hover) for 2026-03, 2026-04; a month with no measured slice: no bar
        ALL_UNITS: ([0.0, 5 / 7], ["0.0%", "71.4%"]),  # only SaaS measured: 0 / 1, 5 / 7 (the mart's 71.4%)
        "SaaS": ([0.0, 5 / 7], ["0.0%", "71.4%"]),
        "Consulting": ([None, None], ["—", "—"]),  # not 100%: an absent flag is not a disagreement
    }
    for half in ("2025-H2", "2026-H1"):
        for unit, (heights, hover) in expected.items():
            bars = slices[f"{half}|{unit}"]["figure"]["data"][0]
            assert bars["x"] == ["2026-03-01", "2026-04-01"], (half, unit)
            assert (bars["y"], bars["customdata"]) == (heights, hover), (half, unit)


def test_drift_status_and_limits_are_the_builds(core: Warehouse, tmp_path: Path) -> None:
    """A slice's status and the limits drawn are the mart's (drift_status and the limits it was judged by),
    never judged again on the page with dbt_project.yml's vars, which a build run with other --vars does
    not use. In a copy of the core build, 2026-04 SaaS (7 leads, 5/7 disagreeing; not_judged under the
    file's 20-lead minimum) is planted `error` under limits 30% / 60% / 1 lead."""
    copy = tmp_path / "planted_drift.duckdb"
    shutil.copy(core.path, copy)
    with duckdb.connect(str(copy)) as connection:
        connection.execute(
            "update marts.mart_definition_drift set drift_warn_rate = 0.3, drift_error_rate = 0.6,"
            " drift_min_mql_leads = 1,"
            " drift_status = case when mql_month = date '2026-04-01' and business_unit = 'SaaS'"
            " then 'error' else drift_status end"
        )
        # and in its rollups, as the build would have added that slice up
        connection.execute(
            "update marts.mart_definition_drift_half set worst_drift_status = 'error', error_slices = 1"
            " where fiscal_year = 2026 and fiscal_half = 'H1' and business_unit_scope in ('SaaS', '(all)')"
        )
        connection.execute(
            "update marts.mart_definition_drift_all_units set worst_drift_status = 'error', error_slices = 1"
            " where mql_month = date '2026-04-01'"
        )
    before, after = section_slices(core.path, "drift"), section_slices(copy, "drift")
    for slices, status in ((before, "not_judged"), (after, "error")):
        for unit in ("SaaS", ALL_UNITS):
            values = keyed(slices[f"2026-H1|{unit}"])
            assert values["status"] == status, unit
            assert values["status:2026-04-01:SaaS"] == status, unit
            assert values["error_slices"] == (1 if status == "error" else 0), unit
    lines = {
        shape["y0"]
        for shape in after["2026-H1|SaaS"]["figure"]["layout"]["shapes"]
        if shape.get("type") == "line"
    }
    assert lines == {0.3, 0.6}
    with Marts(copy) as marts:
        payload, _omitted, _failed = build_payload(marts, "en")
    drift = next(each for each in payload["sections"] if each["id"] == "drift")
    assert "30%" in drift["subtitle"] and "60%" in drift["subtitle"], drift["subtitle"]


def test_drift_cards_and_chart_are_the_rollup_marts(core: Warehouse, tmp_path: Path) -> None:
    """A half's agreement, status and warn and error slices are mart_definition_drift_half's row, and
    every unit's chart is mart_definition_drift_all_units's months (rates over the measured slices'
    summed leads, computed once in SQL, macro drift_rates), never the page adding the slices up and
    dividing again: planted values in copies of both rollups are what the page shows. A unit's own
    chart stays its slices' rows."""
    copy = planted_copy(
        core,
        tmp_path / "planted_drift_rollups.duckdb",
        "update marts.mart_definition_drift_half set agreement_rate = case when business_unit_scope = '(all)'"
        " then 0.125 else 0.375 end, worst_drift_status = 'warn', warn_slices = 7, error_slices = 3",
        "update marts.mart_definition_drift_all_units set disagreement_rate = 0.25",
    )
    slices = section_slices(copy, "drift")
    assert slices
    for key, content in slices.items():
        values = keyed(content)
        agreement = 0.125 if key.endswith(f"|{ALL_UNITS}") else 0.375
        assert values["agreement"] == agreement, key
        assert (values["status"], values["warn_slices"], values["error_slices"]) == ("warn", 7, 3), key
    for half in ("2025-H2", "2026-H1"):
        assert slices[f"{half}|{ALL_UNITS}"]["figure"]["data"][0]["y"] == [0.25, 0.25], half
        assert slices[f"{half}|SaaS"]["figure"]["data"][0]["y"] == [0.0, 5 / 7], half


def test_the_attribution_table_lists_the_models_in_the_macros_order() -> None:
    """The page's column order is the macro attribution_models' list, the one place the models are written."""
    text = (PROJECT_DIR / "macros" / "attribution" / "attribution_models.sql").read_text(encoding="utf-8")
    listed = re.search(r"macro attribution_models\(\).*?return\(\[(.*?)\]\)", text, re.DOTALL)
    assert listed is not None
    assert tuple(re.findall(r"'(\w+)'", listed.group(1))) == attribution_section.MODELS


def test_an_attribution_model_the_page_does_not_know_is_still_a_column(
    demo: Warehouse, tmp_path: Path
) -> None:
    """The attribution table has a column per model of mart_campaign_attribution: a model added to the
    macro attribution_models (here: w_shaped's rows planted again as `data_driven`) is shown after the
    known ones, under its code, with the mart's values. Before, the page's own list of six left it out."""
    copy = planted_copy(
        demo,
        tmp_path / "data_driven.duckdb",
        "insert into marts.mart_campaign_attribution select * replace ('data_driven' as attribution_model)"
        " from marts.mart_campaign_attribution where attribution_model = 'w_shaped'",
    )
    slices = section_slices(copy, "attribution", "en")
    assert slices
    for content in slices.values():
        assert content["table"]["columns"][-3:] == ["W-shaped", "Time decay", "data_driven"]
        values = keyed(content)
        w_shaped = {key: value for key, value in values.items() if key.endswith(":w_shaped")}
        assert w_shaped
        for key, value in w_shaped.items():
            assert values[key.removesuffix("w_shaped") + "data_driven"] == value


def test_the_all_units_shortfall_is_its_mart(demo: Warehouse, tmp_path: Path) -> None:
    """Every unit's shortfall (plan, actual, gap, each factor's effect and the bottleneck) is
    mart_funnel_shortfall_all_units's rows, the units added up and the bottleneck picked in SQL, never the
    page summing the units' effects and applying the rule again: planted in a copy, the page shows them.
    A unit's own slice stays mart_funnel_shortfall's."""
    # The gap planted apart from actual − plan (−9 against 33 − 40): the card is the mart's gap.
    copy = planted_copy(
        demo,
        tmp_path / "planted_shortfall.duckdb",
        "update marts.mart_funnel_shortfall_all_units set plan_outcome = 40, actual_outcome = 33, gap = -9,"
        " effect = case when factor = 'unattributed' then 0 else 1.25 end, is_bottleneck = factor = 'mql_to_sal'"
        " where measure = 'won_deals' and is_mature",
        "update marts.mart_funnel_shortfall_all_units set gap = -11 where measure = 'won_deals' and not is_mature",
    )
    before, after = section_slices(demo.path, "shortfall", "en"), section_slices(copy, "shortfall", "en")
    planted = immature = 0
    for key, content in after.items():
        values = keyed(content)
        if not key.endswith(f"|{ALL_UNITS}"):
            assert content == before[key], key
        elif "effect:lead_volume" not in values and "gap" in values:  # an immature half: the gap unattributed
            assert values["gap"] == values["effect:unattributed"] == -11, key
            immature += 1
        elif "effect:lead_volume" in values:  # a mature half with a plan
            assert (values["plan"], values["actual"], values["gap"]) == (40, 33, -9), key
            effects = {name: value for name, value in values.items() if name.startswith("effect:")}
            assert effects.pop("effect:unattributed") == 0 and effects.pop("effect:deal_size") is None, key
            assert set(effects.values()) == {1.25}, key  # deal size explains won amount only
            flagged = [row["cells"][0]["t"] for row in content["table"]["rows"] if row["tone"] == "bad"]
            assert flagged == [Texts("en").label("factor", "mql_to_sal")], key
            planted += 1
    assert planted >= 2 and immature >= 1


def test_the_handoff_rates_are_the_half_marts(core: Warehouse, tmp_path: Path) -> None:
    """The hand-off cards and the owner table are rows of mart_handoff_sla_half, whose breach rate is of
    the half's MQLs (computed once in SQL), never the page dividing the monthly mart's sums: planted rates
    in a copy of that mart are what the page shows, for every unit together and for each unit."""
    copy = tmp_path / "planted_handoff.duckdb"
    shutil.copy(core.path, copy)
    with duckdb.connect(str(copy)) as connection:
        planted = connection.execute(
            "update marts.mart_handoff_sla_half set breach_rate = case when owner_scope = '(all)' then 0.125"
            " else 0.375 end where handed_over > 0"
        ).fetchone()
    assert planted and planted[0] > 0
    after = section_slices(copy, "handoff")
    assert after
    for key, content in after.items():
        values = keyed(content)
        assert values["breach_rate"] == 0.125, key
        owner_rates = [value for name, value in values.items() if name.startswith("rate:")]
        assert owner_rates and set(owner_rates) == {0.375}, key


def test_the_funnel_and_cohort_rates_are_the_rollup_marts(core: Warehouse, tmp_path: Path) -> None:
    """The funnel's counts, rates and lead-to-won card are rows of mart_stage_conversion_half, and the
    cohort chart's rates and leads rows of mart_stage_conversion_unit_monthly (both computed once in SQL),
    never the page adding the cohort mart's channels, months or units up and dividing: planted values in
    copies of those marts are what the page shows, for every unit together and for each unit."""
    copy = tmp_path / "planted_funnel.duckdb"
    shutil.copy(core.path, copy)
    with duckdb.connect(str(copy)) as connection:
        for mart in ("mart_stage_conversion_half", "mart_stage_conversion_unit_monthly"):
            planted = connection.execute(
                f"update marts.{mart} set conversion_rate = case when business_unit_scope = '(all)'"
                " then 0.125 else 0.375 end, rate_from_lead = 0.0625, cohort_leads = 99"
                " where next_stage is not null"
            ).fetchone()
            assert planted and planted[0] > 0
        connection.execute(
            "update marts.mart_stage_conversion_half set reached_count = 77 where stage = 'sal'"
        )
    funnel, cohorts = section_slices(copy, "funnel"), section_slices(copy, "cohorts")
    assert funnel and cohorts
    for key, content in funnel.items():
        values = keyed(content)
        rate = 0.125 if key.endswith(f"|{ALL_UNITS}") else 0.375
        assert {values[f"rate:{stage}"] for stage in STAGES[:-1]} == {rate}, key
        assert values["reached:sal"] == 77 and values["lead_to_won"] == 0.0625, key
    for key, content in cohorts.items():
        values = keyed(content)
        rate = 0.125 if key.endswith(f"|{ALL_UNITS}") else 0.375
        rates = {value for name, value in values.items() if name.startswith("rate:")}
        leads = {value for name, value in values.items() if name.startswith("leads:")}
        assert rates == {rate} and leads == {99}, key


def test_net_new_arr_is_the_bridges_column(demo: Warehouse, tmp_path: Path) -> None:
    """The revenue card "Net new ARR" is mart_arr_bridge.net_new_arr summed over the units, as the bridge's
    steps are: planted in a copy (its other columns untouched), the page shows the planted sum. Before, the
    page subtracted starting from ending ARR itself, a second copy of the bridge's formula."""
    copy = planted_copy(
        demo,
        tmp_path / "planted_net_new.duckdb",
        "update marts.mart_arr_bridge set net_new_arr = 1234 where period_grain = 'half'",
    )
    with duckdb.connect(str(copy)) as connection:
        units = {row[0]: row[1] for row in connection.execute(
            "select fiscal_year || '-' || fiscal_half, count(distinct business_unit) from marts.mart_arr_bridge"
            " where period_grain = 'half' group by 1"
        ).fetchall()}  # fmt: skip
    revenue = section_slices(copy, "revenue")
    checked = 0
    for key, content in revenue.items():
        half, unit = key.split("|")
        values = keyed(content)
        if "net_new_arr" in values:
            assert values["net_new_arr"] == 1234 * (units[half] if unit == ALL_UNITS else 1), key
            checked += 1
    assert checked > len(units)


def test_maturity_is_the_rollup_marts(core: Warehouse, tmp_path: Path) -> None:
    """Which cohort months and halves are immature, and the window the page names, are the rollup marts'
    is_mature and maturity_window_days (the forward-KPI rule, with the build's vars), never the page's
    own rule with the project file's window: as of 2026-07-05, 2026-03 and FY2025 H2 are mature, 2026-04
    and FY2026 H1 not; planted the other way round with a 45-day window, the page follows the marts. A
    publication from before the window column still renders, with the project's window."""
    copy = tmp_path / "planted_maturity.duckdb"
    shutil.copy(core.path, copy)

    def maturity(path: Path) -> tuple[dict[str, Any], list[str], dict[str, bool], str]:
        with Marts(path) as marts:
            payload, _omitted, failed = build_payload(marts, "en")
        assert failed == ()
        sections = {each["id"]: each for each in payload["sections"]}
        months = {
            name: value
            for name, value in keyed(sections["cohorts"]["slices"][f"2026-H1|{ALL_UNITS}"]).items()
            if name.startswith("immature:")
        }
        halves = {half["key"]: half["immature"] for half in payload["filters"]["halves"]}
        return months, sections["funnel"]["immature"], halves, sections["cohorts"]["subtitle"]

    months, funnel_halves, halves, subtitle = maturity(core.path)
    assert months == {"immature:2026-03-01": False, "immature:2026-04-01": True}
    assert funnel_halves == ["2026-H1"] and halves["2026-H1"] and not halves["2025-H2"]
    assert "90 days" in subtitle
    with duckdb.connect(str(copy)) as connection:
        for mart in ("mart_stage_conversion_half", "mart_stage_conversion_unit_monthly"):
            connection.execute(
                f"update marts.{mart} set is_mature = not is_mature, maturity_window_days = 45"
            )
    months, funnel_halves, halves, subtitle = maturity(copy)
    assert months == {"immature:2026-03-01": True, "immature:2026-04-01": False}
    assert funnel_halves == ["2025-H2"] and halves["2025-H2"] and not halves["2026-H1"]
    assert "45 days" in subtitle and "90 days" not in subtitle
    funnel = section_slices(copy, "funnel", "en")
    assert "2026-03" in funnel[f"2025-H2|{ALL_UNITS}"]["callouts"][0]["t"]
    # A publication from before maturity_window_days: the page still renders, with the project's window.
    with duckdb.connect(str(copy)) as connection:
        connection.execute(
            "alter table marts.mart_stage_conversion_unit_monthly drop column maturity_window_days"
        )
    assert "90 days" in maturity(copy)[3]


def test_the_all_units_rates_are_the_all_units_marts(demo: Warehouse, tmp_path: Path) -> None:
    """NRR, GRR and CAC payback for all units come from mart_revenue_retention_all_units and
    mart_unit_economics_all_units (the ratios of the units' sums, computed once in SQL), never from the
    page adding the units' rows up: planted values in copies of those two marts are what the all-units
    cards show, and every unit's own slice is unchanged (the demo: the core fixture has few contracts)."""
    copy = tmp_path / "planted_all_units.duckdb"
    shutil.copy(demo.path, copy)
    with duckdb.connect(str(copy)) as connection:
        planted = connection.execute(
            "update marts.mart_revenue_retention_all_units set nrr = 0.5, grr = 0.25 where period_grain = 'half'"
        ).fetchone()
        connection.execute(
            "update marts.mart_unit_economics_all_units set cac_payback_months = 7.5, inputs_missing = null"
        )
    assert planted and planted[0] > 0
    before, after = section_slices(demo.path, "revenue"), section_slices(copy, "revenue")
    assert before.keys() == after.keys()
    shown_nrr = set()
    for key, content in after.items():
        if key.endswith(f"|{ALL_UNITS}"):
            values = keyed(content)
            shown_nrr.add(values["nrr"])
            assert values["cac_payback_months"] == 7.5, key
            assert values["nrr"] in (0.5, None) and values["grr"] in (0.25, None), key
        else:
            assert content == before[key], key
    assert 0.5 in shown_nrr


def test_a_payback_without_new_customers_does_not_blame_team_costs(core: Warehouse, tmp_path: Path) -> None:
    """Payback is — for two reasons: the seed team_costs is missing (inputs_missing names it), or the
    costs are there and nothing was won. The core fixture has no team_costs: every slice blames the seed.
    Given costs (copies of both unit-economics marts with ¥2,000,000 of sales and marketing cost per half and
    row, and the payback the marts would compute from it), FY2025 H2 has no new customer (margin 0): not
    defined, and the seed is not blamed; FY2026 H1 SaaS: 2 new customers with ¥1,600,000 of margin,
    2,000,000 x 12 / 1,600,000 = 15.0 months, the card shows the mart's value. The all-units card reads
    mart_unit_economics_all_units, never a sum of the units' rows."""
    missing = {
        "ja": "チームコスト(seed team_costs)未登録のため算出できません",
        "en": "Needs the team_costs seed (sales cost)",
    }
    no_margin = {
        "ja": "この半期は新規顧客の粗利がないため回収期間は定義されません (新規顧客 0社)",
        "en": "Not defined: no new-customer gross margin this half (new customers: 0)",
    }

    def payback(path: Path, lang: str) -> dict[str, tuple[Any, str | None]]:
        return {
            key: next(
                (item["v"], item.get("note"))
                for item in content["cards"]
                if item["k"] == "cac_payback_months"
            )
            for key, content in section_slices(path, "revenue", lang).items()
        }

    for lang in ("ja", "en"):
        assert set(payback(core.path, lang).values()) == {(None, missing[lang])}
    copy = tmp_path / "with_team_costs.duckdb"
    shutil.copy(core.path, copy)
    with duckdb.connect(str(copy)) as connection:
        for mart in ("mart_unit_economics", "mart_unit_economics_all_units"):
            connection.execute(
                f"update marts.{mart} set sales_and_marketing_cost = 2000000,"
                " cac_payback_months = 2000000 * 12 / nullif(new_customer_gross_margin, 0),"
                " inputs_missing = case when fiscal_half = 'H2' then 'previous_half_team_costs' end"
            )
    for lang in ("ja", "en"):
        shown_payback = payback(copy, lang)
        for unit in (ALL_UNITS, "Consulting", "SaaS"):
            assert shown_payback[f"2025-H2|{unit}"] == (None, no_margin[lang]), unit
        assert shown_payback["2026-H1|SaaS"] == (15.0, None)
    # One unit without its costs: the all-units mart has none either (unit test
    # unit_economics_all_units_divide_the_sums), and both cards blame the seed.
    with duckdb.connect(str(copy)) as connection:
        for mart, where in (
            ("mart_unit_economics", " and business_unit = 'SaaS'"),
            ("mart_unit_economics_all_units", ""),
        ):
            connection.execute(
                f"update marts.{mart} set sales_and_marketing_cost = null, cac_payback_months = null,"
                f" inputs_missing = 'team_costs' where fiscal_half = 'H2'{where}"
            )
    shown_payback = payback(copy, "ja")
    assert shown_payback["2025-H2|SaaS"] == shown_payback[f"2025-H2|{ALL_UNITS}"] == (None, missing["ja"])
    assert shown_payback["2025-H2|Consulting"] == (None, no_margin["ja"])


def test_the_last_mature_cohort_is_not_labelled_immature(core: Warehouse) -> None:
    """As of 2026-07-05 the 2026-03 cohort is mature, 2026-04 is not (README). The dotted immature line
    starts at 2026-03 so the line joins; that point's hover says nothing extra."""
    for lang, mark in (("ja", " (成熟前)"), ("en", " (immature)")):
        figure = section_slices(core.path, "cohorts", lang)[f"2026-H1|{ALL_UNITS}"]["figure"]
        dotted = [trace for trace in figure["data"] if trace["line"].get("dash") == "dot"]
        solid = [trace for trace in figure["data"] if trace["line"].get("dash") != "dot"]
        # lead→MQL, MQL→SAL, SAL→opportunity, opportunity→won of cohorts 2026-03 and 2026-04
        assert [trace["customdata"] for trace in dotted] == [
            ["66.7%", f"100.0%{mark}"],
            ["100.0%", f"87.5%{mark}"],
            ["75.0%", f"85.7%{mark}"],
            ["66.7%", f"33.3%{mark}"],
        ]
        assert (
            [trace["y"][0] for trace in dotted]
            == [trace["y"][0] for trace in solid]
            == pytest.approx([2 / 3, 1.0, 0.75, 2 / 3], abs=1e-9)
        )


def test_conflicts_under_a_unit_filter_are_that_units_view(core: Warehouse, tmp_path: Path) -> None:
    """Three companies both units chase (the core fixture has none, so they are written into a copy of the
    mart). A: SaaS has won it, open opportunities Consulting 1, SaaS 2. B: nobody has won it, SaaS 1.
    C: both units have won it, Consulting 2. All units: A and C are won by another unit, 6 open
    opportunities. SaaS: only C (won by Consulting; A is SaaS's own win), 2 + 1 + 0 = 3 opportunities.
    Consulting: A and C (won by SaaS), 1 + 0 + 2 = 3."""
    copy = tmp_path / "conflicts.duckdb"
    shutil.copy(core.path, copy)
    with duckdb.connect(str(copy)) as connection:
        connection.execute(
            """
            insert into marts.mart_account_conflicts (company_key, company_key_type, company_name,
                business_unit_count, business_units, leads_by_unit, open_opportunities_by_unit, owners_by_unit,
                active_leads, open_opportunities, first_activity_at, last_activity_at, won_business_units,
                has_won_deal_in_other_unit)
            values
                ('a.example', 'domain', 'A', 2, 'Consulting, SaaS', 'Consulting: 1, SaaS: 0',
                 'Consulting: 1, SaaS: 2', null, 1, 3, '2026-05-01', '2026-06-01', 'SaaS', true),
                ('b.example', 'domain', 'B', 2, 'Consulting, SaaS', 'Consulting: 1, SaaS: 1',
                 'Consulting: 0, SaaS: 1', null, 2, 1, '2026-05-01', '2026-06-01', null, false),
                ('c.example', 'domain', 'C', 2, 'Consulting, SaaS', 'Consulting: 0, SaaS: 1',
                 'Consulting: 2, SaaS: 0', null, 1, 2, '2026-05-01', '2026-06-01', 'Consulting, SaaS', true)
            """
        )
    slices = section_slices(copy, "conflicts")
    expected = {  # unit -> (won by another unit, open opportunities, {company: won by another unit})
        ALL_UNITS: (2, 6, {"a.example": True, "b.example": False, "c.example": True}),
        "SaaS": (1, 3, {"a.example": False, "b.example": False, "c.example": True}),
        "Consulting": (2, 3, {"a.example": True, "b.example": False, "c.example": True}),
    }
    for unit, (won, opportunities, flags) in expected.items():
        numbers = keyed(slices[f"*|{unit}"])
        assert (numbers["companies"], numbers["won_elsewhere"], numbers["open_opportunities"]) == (
            3, won, opportunities
        ), unit  # fmt: skip
        assert {key.split(":", 1)[1]: value for key, value in numbers.items() if ":" in key} == flags, unit
        listed = [
            item["k"] for row in slices[f"*|{unit}"]["table"]["rows"] for item in row["cells"] if "k" in item
        ]
        assert listed[:won] == [f"won_elsewhere:{key}" for key, flag in flags.items() if flag], (
            unit
        )  # won first


def test_the_exposure_declares_the_marts_the_dashboard_reads() -> None:
    path = PROJECT_DIR / "models" / "marts" / "dashboard" / "_dashboard__exposures.yml"
    (exposure,) = yaml.safe_load(path.read_text(encoding="utf-8"))["exposures"]
    declared = {ref.removeprefix("ref('").removesuffix("')") for ref in exposure["depends_on"]}
    read = {need.split(".", 1)[1] for spec in SECTIONS for need in spec.needs if need.startswith("marts.")}
    read.add(SETTINGS_MART.split(".", 1)[1])  # the page's as-of, currency and fiscal year (warehouse.py)
    models = {sql.stem for sql in (PROJECT_DIR / "models" / "marts").rglob("*.sql")}
    assert declared == read & models


# --------------------------------------------------------------------------- browser helpers


def png_variance(browser: DashboardBrowser, png: bytes) -> tuple[float, int]:
    """(grey-level variance, distinct colours sampled) of a PNG, decoded by the browser's canvas."""
    probe = browser.blank_page()
    try:
        probe.set_content("<canvas id='c'></canvas>")
        variance, colours = probe.evaluate(
            """async (src) => {
                const image = new Image();
                image.src = src;
                await image.decode();
                const canvas = document.getElementById('c');
                canvas.width = image.width; canvas.height = image.height;
                const context = canvas.getContext('2d');
                context.drawImage(image, 0, 0);
                const pixels = context.getImageData(0, 0, image.width, image.height).data;
                let sum = 0, squares = 0, n = 0; const colours = new Set();
                for (let i = 0; i < pixels.length; i += 4) {
                    const grey = 0.299 * pixels[i] + 0.587 * pixels[i + 1] + 0.114 * pixels[i + 2];
                    sum += grey; squares += grey * grey; n += 1;
                    if (i % 400 === 0) colours.add(pixels[i] + ',' + pixels[i + 1] + ',' + pixels[i + 2]);
                }
                const mean = sum / n;
                return [squares / n - mean * mean, colours.size];
            }""",
            "data:image/png;base64," + base64.b64encode(png).decode(),
        )
        return variance, colours
    finally:
        probe.context.close()


def shown(page: Any, section: str) -> dict[str, tuple[str, Any]]:
    """{data-key: (text shown, raw value)} of one section's numbers; a card and a cell with one key agree."""
    items = page.eval_on_selector_all(
        f"#section-{section} [data-key]",
        """nodes => nodes.map(node => [
            node.dataset.key,
            (node.classList.contains('card') ? node.querySelector('.card-value') : node).textContent,
            JSON.parse(node.dataset.value)])""",
    )
    found: dict[str, tuple[str, Any]] = {}
    for key, text, value in items:
        if key in found:
            assert found[key] == (text, value), key
        found[key] = (text, value)
    return found


def choose(page: Any, half: str | None = None, unit: str | None = None) -> None:
    if half is not None:
        page.select_option("#filter-half", half)
    if unit is not None:
        page.select_option("#filter-unit", unit)
    page.wait_for_function(
        "([half, unit]) => (!half || document.body.dataset.half === half)"
        " && (!unit || document.body.dataset.unit === unit)",
        arg=[half, unit],
    )


def options(page: Any, select: str) -> list[str]:
    return page.eval_on_selector_all(f"{select} option", "nodes => nodes.map(n => n.value)")


def dicts(warehouse: Warehouse, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    with duckdb.connect(str(warehouse.path), read_only=True) as connection:
        cursor = connection.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def floats(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Any]:
    """One Playwright driver for the module's browsers (the sync API allows one at a time)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver: Any) -> Iterator[DashboardBrowser]:
    opened = DashboardBrowser(playwright_driver)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def core_page(browser: DashboardBrowser, core_pages: dict[str, Path]) -> tuple[Any, Any]:
    return browser.open(core_pages["ja"])


@pytest.fixture(scope="module")
def demo_page(browser: DashboardBrowser, demo_pages: dict[str, Path]) -> tuple[Any, Any]:
    return browser.open(demo_pages["ja"])


# --------------------------------------------------------------------------- the page as a whole


@pytest.mark.browser
@pytest.mark.parametrize("which", ["core", "demo"])
def test_the_page_loads_offline_without_errors_and_shows_every_section(
    which: str, request: pytest.FixtureRequest
) -> None:
    page, log = request.getfixturevalue(f"{which}_page")
    warehouse = request.getfixturevalue(which)
    assert log.refused == []
    assert log.requests and all(url.startswith("file://") for url in log.requests)
    assert log.console_errors == []
    assert log.page_errors == []
    present = page.eval_on_selector_all("section[data-section]", "nodes => nodes.map(n => n.dataset.section)")
    assert present == existing_sections(warehouse)
    assert {"funnel", "campaigns", "cohorts"} <= set(present)
    assert page.title() == "レベニュー・ファネル ダッシュボード"
    assert page.get_attribute("html", "lang") == "ja"
    if which == "demo":  # every section has content for the default filters
        for section in present:
            assert page.locator(f"#section-{section} .empty").is_hidden(), section
            assert page.locator(f"#section-{section} [data-key]").count() > 0, section


@pytest.mark.browser
def test_the_screenshot_is_not_blank(demo_page: tuple[Any, Any], browser: DashboardBrowser) -> None:
    page, _log = demo_page
    variance, colours = png_variance(browser, page.screenshot(full_page=True))
    assert variance > 200, variance
    assert colours > 20, colours
    blank = browser.blank_page()
    try:  # the measure itself tells a blank page apart
        assert png_variance(browser, blank.screenshot())[0] < 1
    finally:
        blank.context.close()


@pytest.mark.browser
def test_filters_change_the_numbers_shown(core_page: tuple[Any, Any]) -> None:
    page, _log = core_page
    choose(page, "2026-H1", ALL_UNITS)
    before = page.inner_text("#section-funnel .cards")
    choose(page, half="2025-H2")
    assert page.inner_text("#section-funnel .cards") != before
    assert shown(page, "funnel")["reached:lead"] == ("6", 6)
    choose(page, unit="SaaS")
    assert shown(page, "funnel")["reached:lead"] == ("4", 4)  # L11 L12 L13 L14
    campaigns_saas = shown(page, "campaigns")
    choose(page, unit="Consulting")
    assert shown(page, "campaigns") != campaigns_saas
    choose(page, "2026-H1", ALL_UNITS)


# --------------------------------------------------------------------------- glyphs: the embedded font

CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")

# Every rendered element whose own text has a Japanese character (HTML and plotly's SVG alike).
MARK_JAPANESE = r"""() => {
    const japanese = /[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]/;
    let count = 0;
    for (const node of document.querySelectorAll('body *')) {
        // Not drawn: scripts, the native select, the inside of a closed <details>.
        if (node.closest('script, style, select, details:not([open]) > :not(summary)')) continue;
        const own = Array.from(node.childNodes).filter(c => c.nodeType === 3).map(c => c.data).join('');
        if (!japanese.test(own) || !node.getClientRects().length) continue;
        node.setAttribute('data-glyph-probe', String(count++));
    }
    return count;
}"""


def glyph_sources(page: Any) -> list[tuple[str, list[dict[str, Any]]]]:
    """(text, the fonts chromium drew its glyphs with) for every element showing Japanese, from the
    DevTools protocol (CSS.getPlatformFontsForNode: family, whether a web font, glyph count)."""
    marked = page.evaluate(MARK_JAPANESE)
    session = page.context.new_cdp_session(page)
    try:
        session.send("DOM.enable")
        session.send("CSS.enable")
        root = session.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        nodes = session.send("DOM.querySelectorAll", {"nodeId": root, "selector": "[data-glyph-probe]"})[
            "nodeIds"
        ]
        assert len(nodes) == marked
        found = []
        for node in nodes:
            text = session.send("DOM.getOuterHTML", {"nodeId": node})["outerHTML"]
            fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
            found.append((re.sub(r"<[^>]+>", "", text)[:60], fonts))
        return found
    finally:
        session.detach()


def not_drawn_with_the_embedded_font(page: Any) -> list[tuple[str, list[str]]]:
    """Texts with any glyph drawn by something other than the embedded font (a system font, tofu)."""
    return [
        (text, [f"{font['familyName']} custom={font['isCustomFont']}" for font in fonts])
        for text, fonts in glyph_sources(page)
        if not fonts or any(not font["isCustomFont"] or font["familyName"] != SOURCE_FAMILY for font in fonts)
    ]


@pytest.fixture(scope="module")
def maskedbrowser(
    playwright_driver: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DashboardBrowser]:
    """Chromium on a machine with no CJK font: fontconfig rejects every font covering ja/zh/ko."""
    opened = DashboardBrowser(playwright_driver, masked_fontconfig(tmp_path_factory.mktemp("fontconfig")))
    yield opened
    opened.close()


@pytest.mark.browser
def test_the_mask_leaves_chromium_without_a_japanese_font(maskedbrowser: DashboardBrowser) -> None:
    probe = maskedbrowser.blank_page()
    try:
        probe.set_content("<p id='p' style='font-family: sans-serif'>受注の計画差</p>")
        session = probe.context.new_cdp_session(probe)
        session.send("DOM.enable")
        session.send("CSS.enable")
        root = session.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = session.send("DOM.querySelector", {"nodeId": root, "selector": "#p"})["nodeId"]
        fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        assert fonts and all("CJK" not in font["familyName"] for font in fonts), fonts  # tofu, not Noto
    finally:
        probe.context.close()


@pytest.mark.browser
@pytest.mark.parametrize(("which", "lang"), [("core", "ja"), ("core", "en"), ("demo", "ja")])
def test_every_japanese_glyph_is_drawn_with_the_embedded_font(
    maskedbrowser: DashboardBrowser, which: str, lang: str, request: pytest.FixtureRequest
) -> None:
    page, log = maskedbrowser.open(request.getfixturevalue(f"{which}_pages")[lang])
    try:
        assert log.console_errors == [] and log.page_errors == [] and log.refused == []
        faces = page.evaluate(
            "family => Array.from(document.fonts).filter(f => f.family.replace(/[\"']/g, '') === family)"
            ".map(f => [f.weight, f.status])",
            FAMILY,
        )
        assert sorted(faces) == [["400", "loaded"], ["700", "loaded"]]
        sources = glyph_sources(page)
        # ja: titles, labels, cards, tables, chart axes; en: the Japanese campaign names in the data.
        assert len(sources) >= (150 if lang == "ja" else 1), len(sources)
        assert not_drawn_with_the_embedded_font(page) == []
        if which == "demo":  # the newest half: immature badges, the shortfall's reason, other names
            choose(page, options(page, "#filter-half")[0], ALL_UNITS)
            assert page.locator(".maturity:visible").count() >= 5
            assert not_drawn_with_the_embedded_font(page) == []
    finally:
        page.context.close()


def test_the_embedded_font_does_not_depend_on_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same characters give the same font bytes whenever the page is rendered: no time is written
    into the subset (fontTools stamps the head table with the time of saving unless told not to)."""
    characters = "売上と商談" + fonts.ALWAYS
    first = fonts.subset_woff2(fonts.font_path(400), characters)
    monkeypatch.setattr(time, "time", lambda: 4_000_000_000.0)  # 2096
    assert fonts.subset_woff2(fonts.font_path(400), characters) == first


@pytest.mark.browser
def test_without_the_embedded_font_the_glyph_check_fails(
    maskedbrowser: DashboardBrowser, core_pages: dict[str, Path], tmp_path: Path
) -> None:
    """The check above can fail: the same page with its @font-face rules removed shows tofu."""
    html = core_pages["ja"].read_text(encoding="utf-8")
    stripped, removed = re.subn(r"@font-face \{[^}]*\}", "", html)
    assert removed == 2
    without = tmp_path / "without_font.html"
    without.write_text(stripped, encoding="utf-8")
    page, _log = maskedbrowser.open(without)
    try:
        missing = not_drawn_with_the_embedded_font(page)
        assert len(missing) >= 150
        assert any(text.startswith("レベニュー") for text, _fonts in missing)
    finally:
        page.context.close()


@pytest.mark.browser
def test_the_page_renders_identically_without_system_cjk_fonts(
    maskedbrowser: DashboardBrowser, browser: DashboardBrowser, core_pages: dict[str, Path]
) -> None:
    shots = []
    for opened in (maskedbrowser, browser):
        page, _log = opened.open(core_pages["ja"])
        try:
            shots.append(page.screenshot(full_page=True))
        finally:
            page.context.close()
    assert shots[0] == shots[1]


def test_the_font_is_a_subset_and_small(core_pages: dict[str, Path]) -> None:
    html = core_pages["ja"].read_text(encoding="utf-8")
    fonts = [base64.b64decode(data) for data in re.findall(r"data:font/woff2;base64,([A-Za-z0-9+/=]+)", html)]
    assert len(fonts) == 2 and all(font[:4] == b"wOF2" for font in fonts)
    assert sum(len(font) for font in fonts) < 400_000  # the full Noto Sans CJK JP faces are ~16 MB each
    assert "SIL Open Font License 1.1" in html


# --------------------------------------------------------------------------- hand-computed values (core)


@pytest.mark.browser
def test_the_funnel_equals_the_hand_computed_fixture(core_page: tuple[Any, Any]) -> None:
    page, _log = core_page
    choose(page, "2026-H1", ALL_UNITS)
    numbers = shown(page, "funnel")
    # Cohort 2026-04 (README): L01 L02 L03 L04 L05 L06 L08 L10.
    assert [numbers[f"reached:{stage}"] for stage in STAGES] == [
        ("8", 8), ("8", 8), ("7", 7), ("6", 6), ("2", 2), ("1", 1)
    ]  # fmt: skip
    # The rates are the half mart's exact nine-decimal ratios.
    assert numbers["rate:mql"] == ("87.5%", 7 / 8)
    assert numbers["rate:opportunity"] == ("33.3%", pytest.approx(2 / 6, abs=1e-9))
    assert numbers["rate:renewed"] == ("—", None)
    assert numbers["lead_to_won"] == ("25.00%", 2 / 8)
    callout = page.inner_text("#section-funnel .callouts")
    assert "2026年4月" in callout and "90日" in callout  # the half's cohort is immature at 2026-07-05
    choose(page, "2025-H2", "Consulting")  # L07, L09
    numbers = shown(page, "funnel")
    assert [numbers[f"reached:{stage}"][1] for stage in STAGES] == [2, 2, 2, 2, 1, 0]
    # 2026-03 matured on 2026-06-30, so no cohort is immature; the renewals of the half's won deals can
    # still come (a lead of 2026-03-31 won 90 days later renews by 2027-07-28).
    assert page.inner_text("#section-funnel .callouts") == (
        "受注→更新はまだ確定していません: 受注は約12か月後 (既定の契約期間) に猶予30日を加えて更新を迎えるため、"
        "この半期のリードの更新は少なくとも2027年7月28日まで増えます。"
    )
    choose(page, "2026-H1", ALL_UNITS)


@pytest.mark.browser
def test_immature_cohorts_are_marked(core_page: tuple[Any, Any]) -> None:
    page, _log = core_page
    choose(page, "2026-H1", ALL_UNITS)
    numbers = shown(page, "cohorts")
    assert numbers["immature:2026-03-01"] == ("成熟", False)
    assert numbers["immature:2026-04-01"] == ("成熟前", True)
    assert numbers["rate:2026-04-01:sal"] == ("85.7%", pytest.approx(6 / 7, abs=1e-9))
    assert "成熟前 (90日未満)" in page.inner_text("#section-cohorts .chart")  # the band over the chart
    dotted = page.eval_on_selector_all(
        "#section-cohorts .chart path.js-line", "nodes => nodes.filter(n => n.style.strokeDasharray).length"
    )
    assert dotted >= 4  # one dotted line per transition across the immature months


@pytest.mark.browser
def test_campaign_hand_values_and_no_false_trap(core_page: tuple[Any, Any]) -> None:
    page, _log = core_page
    choose(page, unit="SaaS")
    numbers = shown(page, "campaigns")
    # README: C_EXPO 800,000 / 5 leads = 160,000; / 2 opportunities = 400,000. C_WEB 350,075 / 3; / 2.
    assert numbers["cpl:C_EXPO"] == ("16万円", 160_000)
    assert numbers["cpo:C_EXPO"] == ("40万円", 400_000)
    assert numbers["cpl:C_WEB"] == ("11.7万円", 350_075 / 3)
    assert numbers["cpo:C_WEB"] == ("17.5万円", 175_037.5)
    assert numbers["cost"] == ("127万円", 1_270_075)  # C_EXPO + C_WEB + C_ADS 120,000
    # Channels keep their order from cost per lead to cost per opportunity (outbound 0 / 0, webinar
    # 116,692 / 175,038, exhibition 160,000 / 400,000): no trap to call out.
    assert page.inner_text("#section-campaigns .callouts") == ""
    choose(page, unit=ALL_UNITS)
    assert page.inner_text("#section-campaigns .callouts") == ""


def test_the_trade_show_trap_is_the_channel_that_climbs_most() -> None:
    # The interview's example: a ¥5,000,000 trade show makes 1,000 leads (¥5,000 each) and 30
    # opportunities (3%): ¥166,667 each. A ¥2,000,000 webinar: 200 leads (¥10,000), 40 opportunities
    # (¥50,000). Trade show: rank 1 → 2 by cost per opportunity; webinar 2 → 1.
    channels: dict[str, dict[str, Any]] = {
        "exhibition": {
            "cost": 5_000_000,
            "leads": 1000,
            "opportunities": 30,
            "cpl": 5_000,
            "cpo": 5_000_000 / 30,
        },
        "webinar": {"cost": 2_000_000, "leads": 200, "opportunities": 40, "cpl": 10_000, "cpo": 50_000},
        "outbound": {"cost": 0, "leads": 10, "opportunities": 5, "cpl": None, "cpo": None},
    }
    assert trap(channels) == "exhibition"
    channels["webinar"].update(cpl=4_000, cpo=100_000)  # cheapest at both: nobody climbs
    assert trap(channels) is None
    channels["webinar"].update(cpl=4_000, cpo=200_000)  # cheapest lead, dearest opportunity
    assert trap(channels) == "webinar"


def test_a_channel_with_leads_and_no_opportunity_is_called_out() -> None:
    """Seminars: ¥900,000 for 60 leads and no opportunity. Their cost per opportunity does not exist, so
    trap() cannot rank them; they are called out on their own, dearest first. Before, the page said
    nothing (the demo never has such a channel). A channel without cost (outbound) or without leads is
    not one."""
    campaigns = [
        {"campaign_id": "C1", "channel": "exhibition", "total_cost": Decimal(5_000_000), "leads": 1000,
         "opportunities": 30, "label": "Expo", "cost_per_lead": None, "cost_per_opportunity": None, "roi": None},
        {"campaign_id": "C2", "channel": "seminar", "total_cost": Decimal(900_000), "leads": 60,
         "opportunities": 0, "label": "Seminar", "cost_per_lead": None, "cost_per_opportunity": None, "roi": None},
        {"campaign_id": "C3", "channel": "webinar", "total_cost": Decimal(300_000), "leads": 20,
         "opportunities": 0, "label": "Webinar", "cost_per_lead": None, "cost_per_opportunity": None, "roi": None},
        {"campaign_id": "C4", "channel": "outbound", "total_cost": Decimal(0), "leads": 10,
         "opportunities": 0, "label": "Outbound", "cost_per_lead": None, "cost_per_opportunity": None, "roi": None},
        {"campaign_id": "C5", "channel": "ads", "total_cost": Decimal(100_000), "leads": 0,
         "opportunities": 0, "label": "Ads", "cost_per_lead": None, "cost_per_opportunity": None, "roi": None},
    ]  # fmt: skip
    # mart_channel_efficiency's rows for these campaigns (every unit together), worked out by hand.
    channel_rows = {
        row["channel"]: _channel_totals(row)
        for row in (
            {"channel": "exhibition", "total_cost": Decimal(5_000_000), "leads": 1000, "opportunities": 30,
             "cost_per_lead": 5_000.0, "cost_per_opportunity": 5_000_000 / 30, "lead_to_opportunity_rate": 0.03},
            {"channel": "seminar", "total_cost": Decimal(900_000), "leads": 60, "opportunities": 0,
             "cost_per_lead": 15_000.0, "cost_per_opportunity": None, "lead_to_opportunity_rate": 0.0},
            {"channel": "webinar", "total_cost": Decimal(300_000), "leads": 20, "opportunities": 0,
             "cost_per_lead": 15_000.0, "cost_per_opportunity": None, "lead_to_opportunity_rate": 0.0},
            {"channel": "outbound", "total_cost": Decimal(0), "leads": 10, "opportunities": 0,
             "cost_per_lead": 0.0, "cost_per_opportunity": None, "lead_to_opportunity_rate": 0.0},
            {"channel": "ads", "total_cost": Decimal(100_000), "leads": 0, "opportunities": 0,
             "cost_per_lead": None, "cost_per_opportunity": None, "lead_to_opportunity_rate": None},
            {"channel": ALL_ROWS, "total_cost": Decimal(6_300_000), "leads": 1090, "opportunities": 30,
             "cost_per_lead": 6_300_000 / 1090, "cost_per_opportunity": 210_000.0,
             "lead_to_opportunity_rate": 30 / 1090},
        )
    }  # fmt: skip
    context = Context(
        marts=None,
        lang="en",
        texts=Texts("en"),
        as_of=datetime(2026, 9, 30),
        maturity_days=90,
        fiscal_year_start_month=4,
    )  # type: ignore[arg-type]
    content = _slice(context, campaigns, channel_rows)
    assert [callout["t"] for callout in content.callouts] == [
        "Seminar: ¥900.0K spent for 60 leads and not one opportunity so far (no cost per opportunity: the "
        "dearest channel of all, unless its leads are too recent).",
        "Webinar: ¥300.0K spent for 20 leads and not one opportunity so far (no cost per opportunity: the "
        "dearest channel of all, unless its leads are too recent).",
    ]
    channels = {
        "a": {"cost": 10, "leads": 1, "opportunities": 0},
        "b": {"cost": 10, "leads": 2, "opportunities": 0},
        "c": {"cost": 20, "leads": 1, "opportunities": 0},
    }
    assert dead_ends(channels) == ["c", "a", "b"]


@pytest.mark.browser
def test_the_english_page(browser: DashboardBrowser, core_pages: dict[str, Path]) -> None:
    page, log = browser.open(core_pages["en"])
    assert log.console_errors == [] and log.page_errors == [] and log.refused == []
    assert page.get_attribute("html", "lang") == "en"
    assert page.title() == "Revenue funnel dashboard"
    assert page.inner_text("#section-funnel h2") == "End-to-end funnel (lead → renewal)"
    choose(page, "2026-H1", "SaaS")
    numbers = shown(page, "campaigns")
    assert numbers["cpl:C_EXPO"] == ("¥160.0K", 160_000)
    assert numbers["cpo:C_WEB"] == ("¥175.0K", 175_037.5)
    assert shown(page, "cohorts")["immature:2026-04-01"] == ("immature", True)
    assert "FY2026 H1" in page.inner_text("#filter-half")
    html = core_pages["en"].read_text(encoding="utf-8")
    payload = json.loads(
        html.split('<script type="application/json" id="dashboard-data">', 1)[1].split("</script>", 1)[0]
    )
    assert payload["lang"] == "en"
    page.context.close()


# --------------------------------------------------------------------------- every number equals the marts


def unit_filter(column: str = "business_unit") -> str:
    return f"(? = '{ALL_UNITS}' or {column} = ?)"


def check_funnel(page: Any, warehouse: Warehouse, half: str, unit: str) -> int:
    year, fiscal = half.split("-")
    rows = warehouse.query(
        f"""
        select stage, sum(reached_count), sum(converted_count)
        from marts.mart_stage_conversion
        where fiscal_year = ? and fiscal_half = ? and {unit_filter()}
        group by stage
        """,
        [int(year), fiscal, unit, unit],
    )
    numbers = shown(page, "funnel")
    if not rows:
        assert numbers == {}
        return 1
    for stage, reached, converted in rows:
        assert numbers[f"reached:{stage}"] == (formatting.count(reached), reached)
        assert numbers[f"converted:{stage}"] == (formatting.count(converted), converted)
        rate = None if converted is None or reached == 0 else converted / reached
        text = formatting.rate(rate) if converted is not None else "—"
        # The page shows the half mart's exact nine-decimal ratio of the same sums.
        assert numbers[f"rate:{stage}"] == (text, rate if rate is None else pytest.approx(rate, abs=1e-9))
    return len(rows)


def check_cohorts(page: Any, warehouse: Warehouse, half: str, unit: str) -> int:
    rows = warehouse.query(
        f"""
        select cohort_month, stage, sum(reached_count), sum(converted_count)
        from marts.mart_stage_conversion
        where {unit_filter()}
        group by cohort_month, stage
        """,
        [unit, unit],
    )
    (as_of,) = warehouse.query("select as_of_at from intermediate.int_as_of")[0]
    numbers = shown(page, "cohorts")
    if not rows:  # a unit known only from other marts (e.g. a target without leads)
        assert numbers == {}
        return 1
    checked = 0
    for month, stage, reached, converted in rows:
        month_id = month.isoformat()
        if stage == "lead":
            assert numbers[f"leads:{month_id}"] == (formatting.count(reached), reached)
            assert numbers[f"immature:{month_id}"][1] == is_immature(month, as_of, 90)
        if stage in ("lead", "mql", "sal", "opportunity"):
            rate = converted / reached if reached else None
            expected = rate if rate is None else pytest.approx(rate, abs=1e-9)  # the mart's nine decimals
            assert numbers[f"rate:{month_id}:{stage}"] == (formatting.rate(rate), expected)
            checked += 1
    return checked


def check_campaigns(page: Any, warehouse: Warehouse, half: str, unit: str) -> int:
    rows = dicts(
        warehouse,
        f"select * from marts.mart_campaign_efficiency where {unit_filter()} order by total_cost desc, campaign_id",
        [unit, unit],
    )
    numbers = shown(page, "campaigns")
    if not rows:
        assert numbers == {}
        return 1
    for row in rows[:10]:
        campaign = row["campaign_id"]
        for key, column in (
            ("cost", "total_cost"),
            ("cpl", "cost_per_lead"),
            ("cpo", "cost_per_opportunity"),
        ):
            value = floats(row[column])
            assert numbers[f"{key}:{campaign}"] == (formatting.money(value, "ja"), value), (key, campaign)
        assert numbers[f"leads:{campaign}"] == (formatting.count(row["leads"]), row["leads"])
        assert numbers[f"opportunities:{campaign}"] == (
            formatting.count(row["opportunities"]),
            row["opportunities"],
        )
    cost = sum((row["total_cost"] for row in rows), Decimal(0))
    leads = sum(row["leads"] for row in rows)
    opportunities = sum(row["opportunities"] for row in rows)
    assert numbers["cost"] == (formatting.money(cost, "ja"), float(cost))
    per_lead = float(cost) / leads if leads else None
    per_opportunity = float(cost) / opportunities if opportunities else None
    assert numbers["cpl"] == (formatting.money(per_lead, "ja"), per_lead)
    assert numbers["cpo"] == (formatting.money(per_opportunity, "ja"), per_opportunity)
    names = page.eval_on_selector_all(
        "#section-campaigns tbody tr td:first-child", "nodes => nodes.map(n => n.textContent)"
    )
    assert len(names) == len(set(names)) == len(rows[:10])
    return len(rows[:10]) + 3


def check_attribution(page: Any, warehouse: Warehouse, half: str, unit: str) -> int:
    year, fiscal = half.split("-")
    rows = dicts(
        warehouse,
        f"""
        select campaign_id, attribution_model, cost, cost_per_attributed_opportunity
        from marts.mart_campaign_attribution
        where fiscal_year = ? and fiscal_half = ? and campaign_id <> 'no_touch' and cost > 0 and {unit_filter()}
        """,
        [int(year), fiscal, unit, unit],
    )
    numbers = shown(page, "attribution")
    if not rows:
        assert numbers == {}
        return 1
    costs = {row["campaign_id"]: float(row["cost"]) for row in rows}
    top = sorted(costs, key=lambda campaign: (-costs[campaign], campaign))[:8]
    assert {key.split(":")[1] for key in numbers} == set(top)
    for row in rows:
        if row["campaign_id"] in top:
            value = row["cost_per_attributed_opportunity"]
            key = f"cpo:{row['campaign_id']}:{row['attribution_model']}"
            assert numbers[key] == (formatting.money(value, "ja"), value), key
    for campaign in top:
        assert numbers[f"cost:{campaign}"] == (formatting.money(costs[campaign], "ja"), costs[campaign])
    # One row and one bar per campaign, even when two share a name.
    names = page.eval_on_selector_all(
        "#section-attribution tbody tr td:first-child", "nodes => nodes.map(n => n.textContent)"
    )
    ticks = page.eval_on_selector_all(
        "#chart-attribution .ytick text", "nodes => nodes.map(n => n.textContent)"
    )
    assert len(names) == len(set(names)) == len(set(ticks)) == len(top)
    return len(top)


def check_conflicts(page: Any, warehouse: Warehouse, half: str, unit: str) -> int:
    rows = warehouse.query_dicts("select * from marts.mart_account_conflicts")
    chosen = [row for row in rows if unit == ALL_UNITS or unit in row["business_units"].split(", ")]
    numbers = shown(page, "conflicts")
    # From a unit's view: won by a unit other than that one, and that unit's open opportunities.
    for row in chosen:
        if unit == ALL_UNITS:
            row["won_elsewhere"] = row["has_won_deal_in_other_unit"]
            row["opportunities"] = int(row["open_opportunities"])
        else:
            row["won_elsewhere"] = bool(set((row["won_business_units"] or unit).split(", ")) - {unit})
            by_unit = dict(item.split(": ") for item in row["open_opportunities_by_unit"].split(", "))
            row["opportunities"] = int(by_unit[unit])
    won = sum(1 for row in chosen if row["won_elsewhere"])
    opportunities = sum(row["opportunities"] for row in chosen)
    assert numbers["companies"] == (formatting.count(len(chosen)), len(chosen))
    assert numbers["won_elsewhere"] == (formatting.count(won), won)
    assert numbers["open_opportunities"] == (formatting.count(opportunities), opportunities)
    listed = {key.split(":", 1)[1]: value for key, (_text, value) in numbers.items() if ":" in key}
    assert len(listed) == min(len(chosen), 12)
    by_key = {row["company_key"]: row for row in chosen}
    for key, value in listed.items():
        assert value == by_key[key]["won_elsewhere"]
    if won:  # companies another unit has won come first
        assert list(listed.values())[: min(won, 12)] == [True] * min(won, 12)
    return len(listed) + 3


def check_drift(page: Any, warehouse: Warehouse, half: str, unit: str) -> int:
    year, fiscal = half.split("-")
    rows = dicts(
        warehouse,
        f"select * from marts.mart_definition_drift where fiscal_year = ? and fiscal_half = ? and {unit_filter()}",
        [int(year), fiscal, unit, unit],
    )
    numbers = shown(page, "drift")
    if not rows:
        assert numbers == {}
        return 1
    for row in rows:
        suffix = f"{row['mql_month'].isoformat()}:{row['business_unit']}"
        for key, column in (
            ("leads", "mql_leads"),
            ("both", "both_count"),
            ("crm_only", "crm_only_count"),
            ("agreed_only", "agreed_only_count"),
        ):
            assert numbers[f"{key}:{suffix}"] == (formatting.count(row[column]), row[column])
        rate = row["agreement_rate"]
        assert numbers[f"agreement:{suffix}"] == (formatting.rate(rate), rate)
    # The headline agreement judges measured slices only (a not_measured slice has no CRM flag).
    measured = [row for row in rows if row["drift_measurement"] == "measured"]
    leads = sum(row["mql_leads"] for row in measured)
    both = sum(row["both_count"] for row in measured)
    agreement = both / leads if leads else None
    assert numbers["agreement"] == (formatting.rate(agreement), agreement)
    return len(rows) + 1


def drift_statuses_shown(page: Any) -> dict[str, set[tuple[str, str]]]:
    statuses: dict[str, set[tuple[str, str]]] = {"warn": set(), "error": set()}
    for key, (_text, value) in shown(page, "drift").items():
        if key.startswith("status:") and value in statuses:
            _status, month, unit = key.split(":")
            statuses[value].add((month, unit))
    return statuses


def check_shortfall(page: Any, warehouse: Warehouse, half: str, unit: str) -> int:
    year, fiscal = half.split("-")
    rows = dicts(
        warehouse,
        f"""
        select * from marts.mart_funnel_shortfall
        where fiscal_year = ? and fiscal_half = ? and {unit_filter()}
        order by business_unit, measure, factor_order
        """,
        [int(year), fiscal, unit, unit],
    )
    numbers = shown(page, "shortfall")
    planned = [row for row in rows if row["gap"] is not None]
    if not planned:  # no plan: a note, no numbers
        assert numbers == {}
        return 1
    heads = [row for row in planned if row["measure"] == "won_deals" and row["factor_order"] == 1]
    plan = sum((row["plan_outcome"] for row in heads), Decimal(0))
    actual = sum((row["actual_outcome"] for row in heads), Decimal(0))
    assert numbers["plan"] == (formatting.count(plan), float(plan))
    assert numbers["actual"] == (formatting.count(actual), float(actual))
    assert numbers["gap"] == (formatting.signed(actual - plan), float(actual - plan))
    callouts = page.inner_text("#section-shortfall .callouts")
    flagged_rows = page.eval_on_selector_all(
        "#section-shortfall tr.tone-bad td:first-child", "nodes => nodes.map(n => n.textContent)"
    )
    if not all(row["is_mature"] for row in rows):
        # An immature half: no factor attribution and no bottleneck, whatever the factor rows hold; the
        # whole gap (per measure, summed over the units) is unattributed, and the reason is given.
        gaps = {
            measure: math.fsum(
                row["gap"] for row in planned if row["measure"] == measure and row["factor_order"] == 1
            )
            for measure in ("won_deals", "won_amount")
        }
        assert set(numbers) == {"plan", "actual", "gap", "effect:unattributed", "amount:unattributed"}
        assert numbers["effect:unattributed"][1] == gaps["won_deals"]
        assert numbers["amount:unattributed"][1] == gaps["won_amount"]
        assert "成熟前の半期のため、要因分解はしません" in callouts and "ボトルネック:" not in callouts
        assert flagged_rows == [] and page.locator("#chart-shortfall .main-svg").count() == 0
        return 3
    effects: dict[tuple[str, str], list[float]] = {}
    orders = {}
    for row in planned:
        orders[row["factor"]] = row["factor_order"]
        values = effects.setdefault((row["factor"], row["measure"]), [])
        if row["effect"] is not None:
            values.append(row["effect"])
    for (factor, measure), values in effects.items():
        effect = math.fsum(values) if values else None
        key = f"{'effect' if measure == 'won_deals' else 'amount'}:{factor}"
        # all units: the mart's SQL sum of the units' effects, to the last bits of a double
        assert numbers[key][1] == (
            effect if effect is None else pytest.approx(effect, rel=1e-12, abs=1e-9)
        ), key
        if measure == "won_deals":
            assert numbers[key][0] == formatting.signed(effect)
    # The bottleneck: the mart's flag for one unit; the most negative summed effect for all units.
    if unit == ALL_UNITS:
        losing = sorted(
            (math.fsum(values), orders[factor], factor)
            for (factor, measure), values in effects.items()
            if measure == "won_deals" and factor != "unattributed" and values and math.fsum(values) < 0
        )
        bottleneck = losing[0][2] if losing else None
    else:
        flagged = [row["factor"] for row in planned if row["measure"] == "won_deals" and row["is_bottleneck"]]
        bottleneck = flagged[0] if flagged else None
    if bottleneck is None:
        assert flagged_rows == []
    else:
        label = Texts("ja").label("factor", bottleneck)
        assert flagged_rows == [label]
        assert label in callouts
    return len(effects) + 3


def check_kpi(page: Any, warehouse: Warehouse, half: str, unit: str) -> int:
    year, fiscal = half.split("-")
    rows = dicts(
        warehouse,
        f"select * from marts.mart_forward_kpi where fiscal_year = ? and fiscal_half = ? and {unit_filter()}",
        [int(year), fiscal, unit, unit],
    )
    numbers = shown(page, "kpi")
    if not rows:
        assert numbers == {}
        return 1
    if unit == ALL_UNITS:
        blended = [row for row in rows if row["metric"] == "blended"]
        for row in blended:
            key = f"blended:{row['team']}:{row['business_unit']}"
            assert numbers[key] == (formatting.rate(row["attainment"]), row["attainment"]), key
        for team in {row["team"] for row in blended}:
            scored = [
                row["attainment"] for row in blended if row["team"] == team and row["attainment"] is not None
            ]
            lowest = min(scored) if scored else None
            assert numbers[f"lowest:{team}"] == (formatting.rate(lowest), lowest)
        return len(blended)
    for row in rows:
        team, metric = row["team"], row["metric"]
        amount = metric in ("won_amount", "pipeline_from_mqls")
        for kind in ("actual", "target"):
            value = floats(row[kind])
            text = (
                "—" if value is None else formatting.money(value, "ja") if amount else formatting.count(value)
            )
            assert numbers[f"{kind}:{team}:{metric}"] == (text, value), (kind, team, metric)
        assert numbers[f"attainment:{team}:{metric}"] == (
            formatting.rate(row["attainment"]),
            row["attainment"],
        )
        assert numbers[f"weight:{team}:{metric}"][1] == row["weight"]
        assert numbers[f"mature:{team}:{metric}"][1] == row["is_mature"]
        if metric == "blended":
            assert numbers[f"blended:{team}"] == (formatting.rate(row["attainment"]), row["attainment"])
    return len(rows)


def check_handoff(page: Any, warehouse: Warehouse, half: str, unit: str) -> int:
    year, fiscal = half.split("-")
    rows = dicts(
        warehouse,
        f"select * from marts.mart_handoff_sla_monthly where fiscal_year = ? and fiscal_half = ? and {unit_filter()}",
        [int(year), fiscal, unit, unit],
    )
    numbers = shown(page, "handoff")
    if not rows:
        assert numbers == {}
        return 1
    handed = sum(row["handed_over"] for row in rows)
    breached = sum(row["breached"] for row in rows)
    assert numbers["handed_over"] == (formatting.count(handed), handed)
    assert numbers["breached"] == (formatting.count(breached), breached)
    assert numbers["breach_rate"] == (formatting.rate(breached / handed), breached / handed)
    open_in_sla = sum(row["open_in_sla"] for row in rows)
    assert numbers["open_in_sla"] == (formatting.count(open_in_sla), open_in_sla)
    owners: dict[str, dict[str, int]] = {}
    for row in rows:
        totals = owners.setdefault(row["owner_id"], {"handed": 0, "in_sla": 0, "late": 0, "breached": 0})
        totals["handed"] += row["handed_over"]
        totals["in_sla"] += row["responded_in_sla"]
        totals["late"] += row["responded_late"]
        totals["breached"] += row["breached"]
    listed = {key.split(":", 1)[1] for key in numbers if key.startswith("breached:")}
    assert len(listed) == min(len(owners), 10)
    most = max(totals["breached"] for totals in owners.values())
    assert any(owners[owner]["breached"] == most for owner in listed)  # ranked by breaches
    for owner in listed:
        totals = owners[owner]
        assert numbers[f"handed_over:{owner}"][1] == totals["handed"]
        assert numbers[f"in_sla:{owner}"][1] == totals["in_sla"]
        assert numbers[f"late:{owner}"][1] == totals["late"]
        assert numbers[f"breached:{owner}"] == (formatting.count(totals["breached"]), totals["breached"])
        rate = totals["breached"] / totals["handed"]
        assert numbers[f"rate:{owner}"] == (formatting.rate(rate), rate)
    return len(listed) + 4


def warehouse_as_of(warehouse: Warehouse) -> datetime:
    return warehouse.query("select as_of_at from intermediate.int_as_of")[0][0]


def check_maturity_marks(page: Any, expected: dict[str, bool]) -> None:
    """Every section filtered by half carries the immature badge exactly when it calls the half immature:
    by its mart's is_mature for the shortfall and the scorecards, by the page's rule for the others."""
    badged = set(
        page.eval_on_selector_all(
            "section[data-section]",
            "nodes => nodes.filter(n => !n.querySelector('.maturity').hidden).map(n => n.dataset.section)",
        )
    )
    assert badged == {section for section, flag in expected.items() if flag}, (expected, badged)
    for section in badged:
        assert (
            page.inner_text(f"#section-{section} .maturity") == "成熟前の半期: 数字は確定前で、まだ動きます"
        )


def page_payload(page: Any) -> dict[str, Any]:
    return json.loads(page.text_content("#dashboard-data"))


def check_revenue(page: Any, warehouse: Warehouse, half: str, unit: str) -> int:
    """The revenue section against the marts: the half's bridge, NRR/GRR now and a year earlier, due renewals."""
    year, fiscal = int(half.split("-")[0]), half.split("-")[1]
    numbers = shown(page, "revenue")
    (starting, ending, net_new) = warehouse.query(
        f"""select coalesce(sum(starting_arr), 0), coalesce(sum(ending_arr), 0), coalesce(sum(net_new_arr), 0)
        from marts.mart_arr_bridge
        where period_grain = 'half' and fiscal_year = ? and fiscal_half = ? and {unit_filter()}""",
        [year, fiscal, unit, unit],
    )[0]
    if not numbers:  # a half before the first contract
        assert ending == 0 and starting == 0
        return 1
    assert numbers["ending_arr"][1] == float(ending)
    assert numbers["net_new_arr"][1] == float(net_new)

    def ratios(fiscal_year: int, chosen: str) -> tuple[float | None, float | None]:
        """The mart's NRR and GRR (all units: mart_revenue_retention_all_units's), which are the ratios
        of the units' sums."""
        mart, where = (
            ("mart_revenue_retention_all_units", "")
            if chosen == ALL_UNITS
            else ("mart_revenue_retention", f" and business_unit = '{chosen}'")
        )
        found = warehouse.query(
            f"select nrr, grr from marts.{mart} where period_grain = 'half' and fiscal_year = ? "
            f"and fiscal_half = ?{where}",
            [fiscal_year, fiscal],
        )
        sums = warehouse.query(
            f"""select sum(starting_arr), sum(starting_arr - contraction_arr - churned_arr + expansion_arr),
                sum(starting_arr - contraction_arr - churned_arr)
            from marts.mart_revenue_retention
            where period_grain = 'half' and fiscal_year = ? and fiscal_half = ? and {unit_filter()}""",
            [fiscal_year, fiscal, chosen, chosen],
        )[0]
        if not sums[0]:
            assert not found or found[0] == (None, None), (fiscal_year, chosen)
            return None, None
        (nrr, grr) = found[0]
        assert math.isclose(nrr, sums[1] / sums[0]) and math.isclose(grr, sums[2] / sums[0])
        return nrr, grr

    nrr, grr = ratios(year, unit)
    assert numbers["nrr"] == (formatting.rate(nrr), nrr)
    assert numbers["grr"] == (formatting.rate(grr), grr)
    units = [unit] if unit != ALL_UNITS else [u for (u,) in warehouse.query(
        "select distinct business_unit from marts.mart_arr_bridge")]  # fmt: skip
    for each in units:
        for key, value in zip(("nrr", "grr"), ratios(year, each), strict=True):
            assert numbers[f"{key}:{each}"] == (formatting.rate(value), value), (key, each)
        for key, value in zip(("nrr_previous", "grr_previous"), ratios(year - 1, each), strict=True):
            assert numbers[f"{key}:{each}"] == (formatting.rate(value), value), (key, each)
    due, due_arr = warehouse.query(
        f"""select count(*), coalesce(sum(arr), 0) from marts.fct_contract, intermediate.int_as_of
        where outcome in ('active', 'due') and contract_end <= cast(as_of_at as date) + interval 90 day
            and {unit_filter()}""",
        [unit, unit],
    )[0]
    assert numbers["due_contracts"][1] == due
    assert numbers["due_arr"][1] == float(due_arr)
    payback = warehouse.query(
        "select cac_payback_months from marts.mart_unit_economics_all_units where fiscal_year = ? "
        "and fiscal_half = ?"
        if unit == ALL_UNITS
        else "select cac_payback_months from marts.mart_unit_economics where fiscal_year = ? "
        f"and fiscal_half = ? and business_unit = '{unit}'",
        [year, fiscal],
    )
    assert numbers["cac_payback_months"][1] == (payback[0][0] if payback else None)
    return len(units) + 6


def selected_quarter(page: Any) -> str:
    return page.evaluate("() => document.body.dataset.quarter")


def quarter_rows(warehouse: Warehouse, mart: str, columns: str, quarter: str, unit: str) -> list[dict]:
    year, fiscal = quarter.split("-")
    return dicts(
        warehouse,
        f"""select business_unit, {columns} from marts.{mart}
        where fiscal_year = ? and fiscal_quarter = ? and {unit_filter()} order by business_unit""",
        [int(year), fiscal, unit, unit],
    )


def check_pipeline(page: Any, warehouse: Warehouse, _half: str, unit: str) -> int:
    """The waterfall of the chosen quarter: every step's count and amount, the units' sums for all units."""
    steps = [f"{step}_{measure}" for step in PIPELINE_STEPS for measure in ("count", "amount")]
    rows = quarter_rows(warehouse, "mart_pipeline_waterfall", ", ".join(steps), selected_quarter(page), unit)
    numbers = shown(page, "pipeline")
    if not rows:
        assert numbers == {}
        return 1
    for column in steps:
        total = sum(row[column] for row in rows)
        text = formatting.count(total) if column.endswith("_count") else formatting.money(total, "ja")
        assert numbers[column] == (text, floats(total)), column
    return len(steps)


def times_text(value: float | None, lang: str = "ja") -> str:
    if value is None:
        return "—"
    return formatting.number(value, 2) + ("倍" if lang == "ja" else "×")


def check_coverage(page: Any, warehouse: Warehouse, _half: str, unit: str) -> int:
    """Coverage by week of the chosen quarter: each unit's weeks, and its latest week on a card."""
    columns = "week_of_quarter, open_amount, won_to_date_amount, target_amount, coverage"
    rows = quarter_rows(warehouse, "mart_pipeline_coverage", columns, selected_quarter(page), unit)
    numbers = shown(page, "coverage")
    if not rows:
        assert numbers == {}
        return 1
    latest: dict[str, dict] = {}
    for row in sorted(rows, key=lambda row: row["week_of_quarter"]):
        key = f"{row['business_unit']}:{row['week_of_quarter']}"
        for name, column in (
            ("open", "open_amount"),
            ("won", "won_to_date_amount"),
            ("target", "target_amount"),
        ):
            value = row[column]
            assert numbers[f"{name}:{key}"] == (formatting.money(value, "ja"), floats(value)), (name, key)
        assert numbers[f"coverage:{key}"] == (times_text(row["coverage"]), row["coverage"]), key
        latest[row["business_unit"]] = row
    for each, row in latest.items():
        assert numbers[f"coverage_latest:{each}"] == (times_text(row["coverage"]), row["coverage"]), each
    return len(rows)


PERFORMANCE_COLUMNS = ("closed_count", "won_count", "win_rate_count", "win_rate_amount")
PERFORMANCE_COLUMNS += ("median_sales_cycle_days", "stalled_count")
PERFORMANCE_CARDS = ("win_rate_count", "win_rate_amount", "median_sales_cycle_days")  # one unit's cards


def performance_text(column: str, value: Any) -> str:
    if column.startswith("win_rate"):
        return formatting.rate(value)
    return formatting.number(value) if column == "median_sales_cycle_days" else formatting.count(value)


def check_performance(page: Any, warehouse: Warehouse, _half: str, unit: str) -> int:
    """Win rate, cycle and stalled deals of the chosen quarter: each unit's row; the unit's cards."""
    rows = quarter_rows(
        warehouse,
        "mart_sales_performance_by_unit",
        ", ".join(PERFORMANCE_COLUMNS),
        selected_quarter(page),
        unit,
    )
    numbers = shown(page, "performance")
    if not rows:
        assert numbers == {}
        return 1
    for row in rows:
        for column in PERFORMANCE_COLUMNS:
            value = row[column]
            assert numbers[f"{column}:{row['business_unit']}"] == (performance_text(column, value), value)
            if unit != ALL_UNITS and column in PERFORMANCE_CARDS:
                assert numbers[column] == (performance_text(column, value), value)
    stalled = [row["stalled_count"] for row in rows if row["stalled_count"] is not None]
    total = sum(stalled) if stalled else None
    assert numbers["stalled_count"] == (formatting.count(total), total)
    return len(rows)


CHECKS: dict[str, Callable[[Any, Warehouse, str, str], int]] = {
    "pipeline": check_pipeline,
    "coverage": check_coverage,
    "performance": check_performance,
    "revenue": check_revenue,
    "shortfall": check_shortfall,
    "kpi": check_kpi,
    "handoff": check_handoff,
    "funnel": check_funnel,
    "cohorts": check_cohorts,
    "campaigns": check_campaigns,
    "attribution": check_attribution,
    "conflicts": check_conflicts,
    "drift": check_drift,
}


@pytest.mark.browser
@pytest.mark.parametrize("which", ["core", "demo"])
def test_every_number_equals_the_marts_for_every_filter(which: str, request: pytest.FixtureRequest) -> None:
    page, _log = request.getfixturevalue(f"{which}_page")
    warehouse: Warehouse = request.getfixturevalue(which)
    with warehouse.reading():  # one read-only connection for the hundreds of queries below
        present = existing_sections(warehouse)
        assert set(present) <= set(CHECKS), "a section without a check against its marts"
        units = options(page, "#filter-unit")
        assert units[0] == ALL_UNITS and len(units) >= 3
        drift: dict[str, set[tuple[str, str]]] = {"warn": set(), "error": set()}
        as_of, maturity_days = warehouse_as_of(warehouse), 90
        ((fiscal_start,),) = warehouse.query("select fiscal_year_start_month from marts.mart_build_settings")
        by_half = [
            section["id"] for section in page_payload(page)["sections"] if "half" in section["filters"]
        ]
        own_maturity = {
            section: {
                f"{year}-{fiscal}"
                for year, fiscal in warehouse.query(
                    f"select distinct fiscal_year, fiscal_half from marts.{mart} where not is_mature"
                )
            }
            for section, mart in (
                ("funnel", "mart_stage_conversion_half"),
                ("shortfall", "mart_funnel_shortfall"),
                ("kpi", "mart_forward_kpi"),
            )
            if section in by_half
        }
        for half in options(page, "#filter-half"):
            for unit in units:
                choose(page, half, unit)
                for section in present:
                    assert CHECKS[section](page, warehouse, half, unit) > 0, (section, half, unit)
                page_rule = half_is_immature(half, as_of, maturity_days, fiscal_start)
                check_maturity_marks(
                    page,
                    {section: half in own_maturity.get(section, set()) if section in own_maturity else page_rule
                     for section in by_half},
                )  # fmt: skip
                if "drift" in present and unit == ALL_UNITS:
                    for status, slices in drift_statuses_shown(page).items():
                        drift[status] |= slices
        if "drift" in present:  # the page judges drift exactly like the build's tests (their stored failures)
            for status, test in (
                ("warn", "mql_drift_above_warn_rate"),
                ("error", "mql_drift_above_error_rate"),
            ):
                failing = {
                    (month.isoformat(), unit)
                    for month, unit in warehouse.query(
                        f"select mql_month, business_unit from dbt_test__audit.{test}"
                    )
                }
                expected = (
                    failing
                    if status == "error"
                    else failing
                    - {
                        (month.isoformat(), unit)
                        for month, unit in warehouse.query(
                            "select mql_month, business_unit from dbt_test__audit.mql_drift_above_error_rate"
                        )
                    }
                )
                assert drift[status] == expected, status
        choose(page, options(page, "#filter-half")[0], ALL_UNITS)


# --------------------------------------------------------------------------- the pipeline sections

PIPELINE_RAW = FIXTURES / "pipeline" / "raw"
PIPELINE_SECTIONS = ("pipeline", "coverage", "performance")
# The hand-computed marts of tests/fixtures/pipeline (README.md there, expected/*.csv, test_pipeline.py):
# one business unit (saas), as of 2026-07-08 10:00, FY2026 Q2 in progress.
PIPELINE_WATERFALL = {
    "2026-Q1": {
        "starting": (0, 0),
        "created": (3, 14_000_000),
        "pulled_in": (2, 16_000_000),
        "reopened": (1, 3_000_000),
        "won": (3, 20_000_000),
        "lost": (2, 4_000_000),
        "pushed_out": (1, 10_000_000),
        "pulled_earlier": (0, 0),
        "increased": (1, 1_000_000),
        "decreased": (0, 0),
        "ending": (0, 0),
    },
    "2026-Q2": {
        "starting": (2, 7_000_000),
        "created": (1, 1_500_000),
        "pulled_in": (0, 0),
        "reopened": (0, 0),
        "won": (0, 0),
        "lost": (0, 0),
        "pushed_out": (0, 0),
        "pulled_earlier": (0, 0),
        "increased": (1, 3_000_000),
        "decreased": (0, 0),
        "ending": (3, 11_500_000),
    },
}
# week -> (open, won to date, target, coverage)
PIPELINE_COVERAGE = {
    "2026-Q1": {
        1: (0, 0, 72_000_000, 0.0),
        2: (13_000_000, 0, 72_000_000, 13 / 72),
        6: (10_000_000, 0, 72_000_000, 10 / 72),
        9: (3_000_000, 0, 72_000_000, 3 / 72),
        13: (13_000_000, 6_000_000, 72_000_000, 13 / 66),
    },
    "2026-Q2": {1: (7_000_000, 0, 72_000_000, 7 / 72), 2: (10_000_000, 0, 72_000_000, 10 / 72)},
}
# closed, won, win rate by count, by amount, median sales cycle (days), stalled (as-of quarter only)
PIPELINE_PERFORMANCE = {
    "2026-Q1": (4, 3, 0.75, 20 / 21, 81 + 1 / 24, None),
    "2026-Q2": (0, 0, None, None, None, 1),
}
PIPELINE_TEXTS = {
    "ja": {
        "2026-Q1": {
            "won_amount": "2,000万円",
            "pushed_out_amount": "1,000万円",
            "created_amount": "1,400万円",
        },
        "2026-Q2": {"starting_amount": "700万円", "ending_amount": "1,150万円", "created_amount": "150万円"},
        "coverage": ("0.20倍", "0.14倍"),
        "rates": ("75.0%", "95.2%", "81.0"),
        "quarter": "2026年度 第2四半期 (進行中)",
        "title": "パイプラインの増減 (四半期のウォーターフォール)",
        "stalled": "30日を超えて動きのない進行中の商談 (滞留): 1件",
        "current": "進行中の四半期: 期末は基準日 2026-07-08 10:00 時点の値です。",
    },
    "en": {
        "2026-Q1": {"won_amount": "¥20.0M", "pushed_out_amount": "¥10.0M", "created_amount": "¥14.0M"},
        "2026-Q2": {"starting_amount": "¥7.0M", "ending_amount": "¥11.5M", "created_amount": "¥1.5M"},
        "coverage": ("0.20×", "0.14×"),
        "rates": ("75.0%", "95.2%", "81.0"),
        "quarter": "FY2026 Q2 (in progress)",
        "title": "Pipeline movement (the quarter's waterfall)",
        "stalled": "Open deals that have not moved for more than 30 days (stalled): 1",
        "current": "Quarter in progress: the ending is as of 2026-07-08 10:00.",
    },
}


@pytest.fixture(scope="module")
def pipeline_fixture(shared_build: Callable[..., Warehouse]) -> Warehouse:
    """The pipeline fixture's build that test_pipeline.py reads (same raw files, default vars, every
    data test), shared: built once per test run by whichever module asks first."""
    return shared_build("pipeline", PIPELINE_RAW)


@pytest.fixture(scope="module")
def pipeline_pages(pipeline_fixture: Warehouse) -> dict[str, Path]:
    return render_pages(pipeline_fixture)


def choose_quarter(page: Any, quarter: str, unit: str) -> None:
    page.select_option("#filter-quarter", quarter)
    page.select_option("#filter-unit", unit)
    page.wait_for_function(
        "([quarter, unit]) => document.body.dataset.quarter === quarter && document.body.dataset.unit === unit",
        arg=[quarter, unit],
    )


def test_the_pipeline_sections_read_their_marts_only() -> None:
    """Every pipeline figure is a mart column: the sections need exactly the marts they read, and the
    exposure declares them (test_the_exposure_declares_the_marts_the_dashboard_reads)."""
    needs = {spec.id: spec.needs for spec in SECTIONS if spec.id in PIPELINE_SECTIONS}
    assert needs == {
        "pipeline": ("marts.mart_pipeline_waterfall",),
        "coverage": ("marts.mart_pipeline_coverage",),
        "performance": ("marts.mart_sales_performance_by_unit",),
    }


def test_stalled_deals_are_labelled_with_the_days_the_build_judged_by(
    pipeline_fixture: Warehouse, tmp_path: Path
) -> None:
    """The performance section names mart_sales_performance_by_unit.stalled_opportunity_days: a build run
    with --vars stalled_opportunity_days=45 (here: the column set to 45) is labelled 45 days, in the
    subtitle and in the stalled callout. A publication from before the column is labelled with the
    project file's 30. Before, the page always read dbt_project.yml's 30, whatever the build used."""

    def performance(path: Path) -> dict[str, Any]:
        with Marts(path) as marts:
            payload, _omitted, failed = build_payload(marts, "en")
        assert failed == ()
        return next(section for section in payload["sections"] if section["id"] == "performance")

    def callouts(section: dict[str, Any]) -> list[str]:
        return [callout["t"] for chosen in section["slices"].values() for callout in chosen["callouts"]]

    stalled = "Open deals that have not moved for more than {} days (stalled)"
    built = performance(pipeline_fixture.path)
    assert "no change for more than 30 days at the as-of date" in built["subtitle"]
    assert any(text.startswith(stalled.format(30)) for text in callouts(built))

    copy = planted_copy(
        pipeline_fixture,
        tmp_path / "stalled45.duckdb",
        "update marts.mart_sales_performance_by_unit set stalled_opportunity_days = 45",
    )
    relabelled = performance(copy)
    assert "no change for more than 45 days at the as-of date" in relabelled["subtitle"]
    assert any(text.startswith(stalled.format(45)) for text in callouts(relabelled))
    assert not any(stalled.format(30) in text for text in callouts(relabelled))

    with duckdb.connect(str(copy)) as connection:
        connection.execute(
            "alter table marts.mart_sales_performance_by_unit drop column stalled_opportunity_days"
        )
    assert "no change for more than 30 days at the as-of date" in performance(copy)["subtitle"]


def test_the_pipeline_quarter_filter_opens_on_the_quarter_in_progress(pipeline_fixture: Warehouse) -> None:
    with Marts(pipeline_fixture.path) as marts:
        payload, _omitted, failed = build_payload(marts, "ja")
    assert failed == ()
    assert payload["filters"]["quarter"] == "2026-Q2"
    assert payload["filters"]["quarters"] == [
        {"key": "2026-Q2", "label": "2026年度 第2四半期 (進行中)"},
        {"key": "2026-Q1", "label": "2026年度 第1四半期"},
    ]
    # The quarter keys never reach the half filter.
    assert all("-Q" not in half["key"] for half in payload["filters"]["halves"])
    by_id = {section["id"]: section for section in payload["sections"]}
    assert all(by_id[section]["filters"] == ["quarter", "unit"] for section in PIPELINE_SECTIONS)


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_pipeline_sections_equal_the_hand_computed_fixture(
    lang: str, browser: DashboardBrowser, pipeline_pages: dict[str, Path], pipeline_fixture: Warehouse
) -> None:
    page, log = browser.open(pipeline_pages[lang])
    texts = PIPELINE_TEXTS[lang]
    try:
        assert log.console_errors == [] and log.page_errors == [] and log.refused == []
        assert page.inner_text("#section-pipeline h2") == texts["title"]
        assert page.is_visible("#filter-quarter")
        assert page.evaluate("() => document.body.dataset.quarter") == "2026-Q2"  # the quarter in progress
        assert page.inner_text("#filter-quarter option:checked") == texts["quarter"]
        for quarter in ("2026-Q1", "2026-Q2"):
            for unit in (ALL_UNITS, "saas"):  # one unit: all units read the same
                choose_quarter(page, quarter, unit)
                waterfall = shown(page, "pipeline")
                for step, (count, amount) in PIPELINE_WATERFALL[quarter].items():
                    assert waterfall[f"{step}_count"] == (str(count), count), (quarter, step)
                    assert waterfall[f"{step}_amount"][1] == amount, (quarter, step)
                    assert waterfall[f"{step}_amount"][0] == formatting.money(amount, lang), (quarter, step)
                for key, text in texts[quarter].items():
                    assert waterfall[key][0] == text, (quarter, key)
                callouts = page.inner_text("#section-pipeline .callouts")
                assert (texts["current"] in callouts) == (quarter == "2026-Q2")
                coverage = shown(page, "coverage")
                for week, (open_amount, won, target, ratio) in PIPELINE_COVERAGE[quarter].items():
                    assert coverage[f"open:saas:{week}"] == (formatting.money(open_amount, lang), open_amount)
                    assert coverage[f"won:saas:{week}"][1] == won
                    assert coverage[f"target:saas:{week}"][1] == target
                    assert coverage[f"coverage:saas:{week}"][1] == pytest.approx(ratio, abs=1e-9), week
                latest = coverage["coverage_latest:saas"]
                assert latest[0] == texts["coverage"][0 if quarter == "2026-Q1" else 1]
                performance = shown(page, "performance")
                closed, won_count, rate_count, rate_amount, cycle, stalled = PIPELINE_PERFORMANCE[quarter]
                assert performance["closed_count:saas"] == (str(closed), closed)
                assert performance["won_count:saas"] == (str(won_count), won_count)
                for key, expected in (
                    ("win_rate_count:saas", rate_count),
                    ("win_rate_amount:saas", rate_amount),
                    ("median_sales_cycle_days:saas", cycle),
                ):
                    value = performance[key][1]
                    assert value == (None if expected is None else pytest.approx(expected, abs=1e-9)), key
                if quarter == "2026-Q1":
                    assert [performance[key][0] for key in (
                        "win_rate_count:saas", "win_rate_amount:saas", "median_sales_cycle_days:saas"
                    )] == list(texts["rates"])  # fmt: skip
                assert performance["stalled_count"] == (formatting.count(stalled), stalled)
                stalled_callout = texts["stalled"] in page.inner_text("#section-performance .callouts")
                assert stalled_callout == (stalled == 1)
                if unit == "saas":
                    assert performance["win_rate_count"] == performance["win_rate_count:saas"]
                # And the generic checks: every number equals the marts for this quarter and unit.
                for section in PIPELINE_SECTIONS:
                    if lang == "ja":
                        assert CHECKS[section](page, pipeline_fixture, "", unit) > 0, (section, quarter, unit)
    finally:
        page.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_warehouse_without_pipeline_data_says_so(
    lang: str, browser: DashboardBrowser, pipeline_fixture: Warehouse, tmp_path: Path
) -> None:
    copy = tmp_path / "no_pipeline.duckdb"
    shutil.copy(pipeline_fixture.path, copy)
    with duckdb.connect(str(copy)) as connection:
        for mart in ("mart_pipeline_waterfall", "mart_pipeline_coverage", "mart_sales_performance_by_unit"):
            connection.execute(f"delete from marts.{mart}")
    rendered = render(copy, lang)
    assert rendered.failed == ()
    assert set(PIPELINE_SECTIONS) <= set(rendered.sections)
    html = tmp_path / f"no_pipeline_{lang}.html"
    html.write_text(rendered.html, encoding="utf-8")
    page, log = browser.open(html)
    try:
        assert log.console_errors == [] and log.page_errors == [] and log.refused == []
        assert page.is_hidden("#quarter-control")  # no quarter to choose
        for section in PIPELINE_SECTIONS:
            assert page.inner_text(f"#section-{section} .callouts") == Texts(lang)("pipeline.empty"), section
            assert page.locator(f"#section-{section} [data-key]").count() == 0, section
            assert page.inner_text(f"#section-{section} .scope") == Texts(lang)("page.scope_quarter_unit")
    finally:
        page.context.close()


@pytest.mark.browser
def test_every_pipeline_number_equals_the_marts_for_every_quarter(
    demo_page: tuple[Any, Any], demo: Warehouse
) -> None:
    """Generated data (three units, pushes, reopenings): every fiscal quarter x unit the pipeline offers."""
    page, _log = demo_page
    quarters = options(page, "#filter-quarter")
    assert len(quarters) >= 4 and quarters == sorted(quarters, reverse=True)
    units = options(page, "#filter-unit")
    assert len(units) >= 4
    with demo.reading():  # one read-only connection for the queries below
        checked = 0
        for quarter in quarters:
            for unit in units:
                choose_quarter(page, quarter, unit)
                for section in PIPELINE_SECTIONS:
                    checked += CHECKS[section](page, demo, "", unit)
    assert checked > len(quarters) * len(units) * len(PIPELINE_SECTIONS)
    choose_quarter(page, page_payload(page)["filters"]["quarter"], ALL_UNITS)
