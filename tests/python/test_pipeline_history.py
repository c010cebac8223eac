"""History without a history table: nights replayed as `revops nightly` runs them (docs/pipeline.md,
"Where history comes from"; tests/fixtures/pipeline_nights/README.md). Night 4 runs the job itself;
the others load the export and build the history with its parents (nightly_helpers.replayed_night).

Four nights export the opportunities as they stood that night and no opportunity_history. The
nightly's `dbt build` snapshots them (snapshots/snp_crm__opportunities.yml), and the state rules read
the snapshot as the history: the first state seen applies from created_at, each later state from the
night it was seen (two changes between nights are one), a close from closed_at, and an opportunity
first seen closed is open with no stage until its close. Every interval was computed by hand.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, Warehouse
from nightly_helpers import nightly, replayed_night

NIGHTS_DIR = FIXTURES / "pipeline_nights"
SHARED_RAW = FIXTURES / "pipeline" / "raw"
SHARED_TABLES = ("campaign_costs", "campaigns", "lead_activities", "lead_status_changes", "leads", "owners")
EXPORT_TIMES = {
    "night1": "2026-04-10T23:00:00+09:00",
    "night2": "2026-04-17T23:00:00+09:00",
    "night3": "2026-04-24T23:00:00+09:00",
    "night4": "2026-05-01T23:00:00+09:00",
}

T = dt.datetime
D = dt.date
N2, N3, N4 = T(2026, 4, 17, 23), T(2026, 4, 24, 23), T(2026, 5, 1, 23)
Interval = tuple[str, T, T | None, str | None, int, D, bool, bool]

# (opportunity_id, valid_from, valid_to, stage, amount, close_date, is_closed, is_won), JST.
O1_CREATED = ("O1", T(2026, 4, 1, 9), None, "Prospecting", 10_000_000, D(2026, 5, 31), False, False)
O2_CREATED = ("O2", T(2026, 4, 5, 10), None, "Qualification", 5_000_000, D(2026, 7, 15), False, False)
O3_CREATED = ("O3", T(2026, 4, 12, 10), None, "Needs Analysis", 3_000_000, D(2026, 6, 20), False, False)
# First seen closed (lost before night 1): open with no stage from created_at, closed from closed_at.
O4 = [
    ("O4", T(2026, 4, 2, 10), T(2026, 4, 8, 10), None, 2_000_000, D(2026, 4, 8), False, False),
    ("O4", T(2026, 4, 8, 10), None, "Closed Lost", 2_000_000, D(2026, 4, 8), True, False),
]


def _until(interval: Interval, valid_to: T) -> Interval:
    return (*interval[:2], valid_to, *interval[3:])  # type: ignore[return-value]


EXPECTED: dict[str, list[Interval]] = {
    # Night 1 sees O1, O2 as created and O4 already lost; O3 does not exist yet.
    "night1": [O1_CREATED, O2_CREATED, *O4],
    # Night 2: O1 pushed out to Q2 in Negotiation/Review, O2's amount raised, O3 first seen.
    "night2": [
        _until(O1_CREATED, N2),
        ("O1", N2, None, "Negotiation/Review", 10_000_000, D(2026, 8, 31), False, False),
        _until(O2_CREATED, N2),
        ("O2", N2, None, "Qualification", 8_000_000, D(2026, 7, 15), False, False),
        O3_CREATED,
        *O4,
    ],
    # Night 3: O1 pulled back into Q1; nothing else changed.
    "night3": [
        _until(O1_CREATED, N2),
        ("O1", N2, N3, "Negotiation/Review", 10_000_000, D(2026, 8, 31), False, False),
        ("O1", N3, None, "Negotiation/Review", 10_000_000, D(2026, 6, 30), False, False),
        _until(O2_CREATED, N2),
        ("O2", N2, None, "Qualification", 8_000_000, D(2026, 7, 15), False, False),
        O3_CREATED,
        *O4,
    ],
    # Night 4: O2's stage and amount changed (two changes, one night: one state from night 4);
    # O3 won on 04-29 10:00: closed from closed_at, not from the night it was seen.
    "night4": [
        _until(O1_CREATED, N2),
        ("O1", N2, N3, "Negotiation/Review", 10_000_000, D(2026, 8, 31), False, False),
        ("O1", N3, None, "Negotiation/Review", 10_000_000, D(2026, 6, 30), False, False),
        _until(O2_CREATED, N2),
        ("O2", N2, N4, "Qualification", 8_000_000, D(2026, 7, 15), False, False),
        ("O2", N4, None, "Proposal/Price Quote", 9_000_000, D(2026, 7, 15), False, False),
        _until(O3_CREATED, T(2026, 4, 29, 10)),
        ("O3", T(2026, 4, 29, 10), None, "Closed Won", 3_000_000, D(2026, 4, 29), True, True),
        *O4,
    ],
}
SNAPSHOT_ROWS = {"night1": 3, "night2": 6, "night3": 7, "night4": 9}


def _night_raw(root: Path, night: str) -> Path:
    """The night's full export: its opportunities, the pipeline fixture's leads, campaigns and owners,
    no deals and no opportunity_history."""
    raw = root / "exports" / night
    if raw.exists():
        return raw
    raw.mkdir(parents=True)
    for table in SHARED_TABLES:
        shutil.copy(SHARED_RAW / f"{table}.csv", raw / f"{table}.csv")
    header = (SHARED_RAW / "deals.csv").read_text(encoding="utf-8").splitlines()[0]
    (raw / "deals.csv").write_text(header + "\n", encoding="utf-8")
    shutil.copy(NIGHTS_DIR / night / "opportunities.csv", raw / "opportunities.csv")
    return raw


def _nightly(root: Path, night: str, *, job: bool = False) -> None:
    """The night through scripts/nightly.py (`job`), or as it loads and builds the history
    (nightly_helpers.replayed_night)."""
    raw = _night_raw(root, night)
    if not job:
        replayed_night(root, raw, EXPORT_TIMES[night], "fct_opportunity_history")
        return
    result = nightly(
        root, "--raw-dir", str(raw), "--mode", "full", "--export-time", EXPORT_TIMES[night], keep=1
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def _intervals(warehouse: Warehouse) -> list[tuple]:
    rows = warehouse.query(
        "select opportunity_id, valid_from, valid_to, stage, amount, close_date, is_closed, is_won "
        "from marts.fct_opportunity_history order by opportunity_id, valid_from"
    )
    return [(*row[:4], int(row[4]), *row[5:]) for row in rows]


def _snapshot_rows(warehouse: Warehouse) -> list[tuple]:
    return warehouse.query("select * from snapshots.snp_crm__opportunities order by all")


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Run the four nights in order; record the history and the snapshot after each, then night 4 again.
    Night 4 runs the whole nightly job (every model and data test, then the publication)."""
    root = tmp_path_factory.mktemp("pipeline_nights")
    warehouse = Warehouse(root)
    seen: dict[str, object] = {}
    for night in EXPORT_TIMES:
        _nightly(root, night, job=night == "night4")
        seen[night] = _intervals(warehouse)
        seen[f"{night}_snapshot"] = _snapshot_rows(warehouse)
    _nightly(root, "night4")
    seen["night4_again"] = _intervals(warehouse)
    seen["night4_again_snapshot"] = _snapshot_rows(warehouse)
    seen["history_table_rows"] = warehouse.query("select count(*) from raw.opportunity_history")[0][0]
    return seen


@pytest.mark.parametrize("night", sorted(EXPORT_TIMES))
def test_replayed_nights_give_the_hand_computed_history(replayed: dict[str, object], night: str) -> None:
    assert replayed["history_table_rows"] == 0
    assert replayed[night] == EXPECTED[night]
    assert len(replayed[f"{night}_snapshot"]) == SNAPSHOT_ROWS[night]  # type: ignore[arg-type]


def test_rerunning_a_night_adds_nothing(replayed: dict[str, object]) -> None:
    assert replayed["night4_again_snapshot"] == replayed["night4_snapshot"]
    assert replayed["night4_again"] == EXPECTED["night4"]
