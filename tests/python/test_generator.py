"""The demo-data generator: deterministic, exactly the contract, and its planted funnel survives the marts.

The data is an export taken on the export date: nothing after it is in any file. The planted
conditional rates P(reach next stage | reached this stage) per source channel are recovered from
marts.mart_stage_conversion within four binomial standard errors on the cohorts old enough for
each transition, and the marts' reach counts equal the generator's own realised (censored) counts
(the events it emits make the marts' stage rules find exactly the furthest stage each lead had
reached by the export date).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from conftest import GENERATED_WORLD, Warehouse
from revops.contract import contract, table
from revops.generate import generate
from revops.generator import config, fmt
from revops.generator.funnel import OPEN_STAGES
from revops.generator.world import add_months

SEED = 20240401
LEADS = 20_000
STANDARD_ERRORS = 4.0


@pytest.fixture(scope="module")
def generated(generated_world: tuple[Path, dict, Callable[[], Warehouse]]) -> tuple[Path, dict]:
    """`generate.py --leads LEADS --seed SEED --planted-rates` (conftest.GENERATED_WORLD, shared with
    test_retention)."""
    assert ("--leads", str(LEADS), "--seed", str(SEED)) == GENERATED_WORLD
    raw, planted, _ = generated_world
    return raw, planted


@pytest.fixture(scope="module")
def built(generated_world: tuple[Path, dict, Callable[[], Warehouse]]) -> Warehouse:
    return generated_world[2]()


def digests(directory: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(directory.iterdir())}


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        generate(3_000, seed, tmp_path / name, planted_rates=tmp_path / f"{name}.json")
    first, again, other = (digests(tmp_path / name) for name in "abc")
    assert first == again
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert set(first) == {f"{t.name}.csv" for t in contract()}
    for name in (
        "leads.csv",
        "lead_activities.csv",
        "opportunities.csv",
        "campaigns.csv",
        "campaign_costs.csv",
    ):
        assert first[name] != other[name], name


def test_every_csv_has_exactly_the_contract_columns(generated: tuple[Path, dict]) -> None:
    raw, _ = generated
    assert sorted(p.name for p in raw.iterdir()) == sorted(f"{t.name}.csv" for t in contract())
    for contract_table in contract():
        with (raw / f"{contract_table.name}.csv").open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            first_row = next(reader)
        assert tuple(header) == contract_table.column_names, contract_table.name
        assert len(first_row) == len(header)


def test_parquet_has_the_contract_columns_and_the_same_rows_as_csv(tmp_path: Path) -> None:
    generate(2_000, 5, tmp_path / "csv")
    generate(2_000, 5, tmp_path / "parquet", file_format="parquet")
    for contract_table in contract():
        parquet = pq.read_table(tmp_path / "parquet" / f"{contract_table.name}.parquet")
        assert tuple(parquet.column_names) == contract_table.column_names
        with (tmp_path / "csv" / f"{contract_table.name}.csv").open(encoding="utf-8", newline="") as handle:
            rows = [[value or None for value in row] for row in list(csv.reader(handle))[1:]]
        assert [list(row.values()) for row in parquet.to_pylist()] == rows, contract_table.name


def test_the_loader_quarantines_nothing(built: Warehouse, generated: tuple[Path, dict]) -> None:
    assert built.query("select count(*) from raw.quarantine") == [(0,)]
    _, planted = generated
    assert built.query("select count(*) from raw.leads") == [(planted["leads"],)]


# Contract terms, not events: a deal signed before the export may start (and end) after it.
# Planned dates, not events: contract terms and expected close dates (an open deal's may be after the export).
NOT_EVENTS = {
    ("deals", "contract_start"),
    ("deals", "contract_end"),
    ("opportunities", "close_date"),
    ("opportunity_history", "close_date"),
}
JST = ZoneInfo("Asia/Tokyo")


def latest_events(raw: Path) -> dict[str, dt.datetime]:
    """table.column -> its latest value as an instant (a date: its JST midnight), for every event column."""
    latest = {}
    with duckdb.connect() as db:
        db.execute("set TimeZone = 'Asia/Tokyo'")
        for contract_table in contract():
            for column in contract_table.columns:
                if (
                    column.type not in ("timestamp", "date")
                    or (contract_table.name, column.name) in NOT_EVENTS
                ):
                    continue
                cast = "timestamptz" if column.type == "timestamp" else "date"
                value = db.execute(
                    f"select max({column.name}::{cast}) "
                    f"from read_csv('{raw / contract_table.name}.csv', all_varchar = true)"
                ).fetchone()[0]
                if not isinstance(value, dt.datetime):
                    value = dt.datetime.combine(value, dt.time(), tzinfo=JST)
                latest[f"{contract_table.name}.{column.name}"] = value
    return latest


def test_nothing_happens_after_the_export_date(generated: tuple[Path, dict]) -> None:
    raw, planted = generated
    assert planted["export_date"] == "2026-09-30"  # default: start 2024-04-01 + 30 months - 1 day
    export_end = dt.datetime(2026, 10, 1, tzinfo=JST)
    latest = latest_events(raw)
    assert len(latest) == 12
    late = {name: value for name, value in latest.items() if value >= export_end}
    assert late == {}
    newest = max(latest.values())
    assert export_end - newest < dt.timedelta(days=2), newest


def test_an_explicit_export_date_censors_there(tmp_path: Path) -> None:
    summary = generate(
        2_000, 3, tmp_path / "raw", start=dt.date(2024, 4, 1), months=6, export_date=dt.date(2025, 3, 31)
    )
    assert summary.planted["export_date"] == "2025-03-31"
    latest = latest_events(tmp_path / "raw")
    assert max(latest.values()) < dt.datetime(2025, 4, 1, tzinfo=JST)
    # Not cut at the last lead (2024-09-30): the six months after it still have events.
    assert max(latest.values()) > dt.datetime(2025, 3, 1, tzinfo=JST)
    with pytest.raises(ValueError, match="before the last day leads are created"):
        generate(100, 3, tmp_path / "early", months=6, export_date=dt.date(2024, 9, 29))


def test_censoring_leaves_open_opportunities_and_enough_won_and_renewed(generated: tuple[Path, dict]) -> None:
    raw, planted = generated
    for spec in [*planted["channels"].values(), planted["overall"]]:
        assert all(spec["reached"][stage] <= spec["drawn"][stage] for stage in planted["stages"])
    reached, drawn = planted["overall"]["reached"], planted["overall"]["drawn"]
    # Censoring bites where it should (renewals come a year after the deal) ...
    assert reached["renewed"] < drawn["renewed"]
    # ... and 30 months of leads still leave the demo most of its won deals and many renewals.
    assert reached["won"] >= 0.85 * drawn["won"]
    assert reached["renewed"] >= 0.4 * drawn["renewed"]
    with duckdb.connect() as db:
        db.execute("set TimeZone = 'Asia/Tokyo'")
        for name in ("opportunities", "deals"):
            db.execute(
                f"create view {name} as select * from read_csv('{raw / name}.csv', all_varchar = true)"
            )
        by_state = dict(
            db.execute(
                f"""
                select
                    case
                        when closed_at is null and is_won is null and stage in {tuple(OPEN_STAGES)} then 'open'
                        when closed_at is not null and is_won = 'true' and stage = '受注' then 'won'
                        when closed_at is not null and is_won = 'false' and stage = '失注' then 'lost'
                        else 'inconsistent'
                    end as state,
                    count(*)
                from opportunities
                group by state
                """
            ).fetchall()
        )
        new_deals_on_won = db.execute(
            """
            select count(*), count(*) filter (where o.is_won = 'true' and d.signed_at::date = o.closed_at::timestamptz::date)
            from deals d join opportunities o using (opportunity_id)
            where d.deal_type = 'new'
            """
        ).fetchone()
    assert set(by_state) == {"open", "won", "lost"}, by_state
    assert by_state["open"] > 0.1 * (by_state["won"] + by_state["lost"])
    assert new_deals_on_won[0] == new_deals_on_won[1] == by_state["won"]


def mart_counts(warehouse: Warehouse) -> dict[str, dict[str, tuple[int, int]]]:
    """source_channel -> stage -> (reached, converted), summed over cohorts and business units.

    Leads without a source campaign are planted under config.NO_CAMPAIGN; the marts give them a
    channel outside the contract's channel values (whatever its label).
    """
    known = set(table("campaigns").column("channel").values)
    rows = warehouse.query(
        """
        select source_channel, stage, sum(reached_count), sum(coalesce(converted_count, 0))
        from marts.mart_stage_conversion
        group by source_channel, stage
        """
    )
    counts: dict[str, dict[str, tuple[int, int]]] = {}
    for channel, stage, reached, converted in rows:
        key = channel if channel in known else config.NO_CAMPAIGN
        before = counts.setdefault(key, {}).get(stage, (0, 0))
        counts[key][stage] = (before[0] + int(reached), before[1] + int(converted))
    return counts


def test_marts_count_exactly_the_reach_the_generator_recorded(
    built: Warehouse, generated: tuple[Path, dict]
) -> None:
    """Realised reach: what each lead had reached by the export date (the drawn reach, censored)."""
    _, planted = generated
    counts = mart_counts(built)
    assert set(counts) == set(planted["channels"])
    for channel, spec in planted["channels"].items():
        reached = {stage: counts[channel][stage][0] for stage in planted["stages"]}
        assert reached == spec["reached"], channel


def mature_counts(warehouse: Warehouse, planted: dict) -> dict[str, dict[str, tuple[int, int]]]:
    """transition -> source_channel -> (reached, converted), over the cohorts old enough for it.

    Why this is sound despite the export date censoring the data (a lead created last month
    cannot have renewed yet, so young cohorts convert less than planted):
    - the generator caps every delay, so a lead enters each stage it reaches (recorded or
      implied) within horizon_days[stage] of its creation (config.STAGE_HORIZON_DAYS; the
      generator raises if an emitted entry is later). A cohort month whose end is at least
      horizon_days[b] days before the export date (the month ends by export_date - horizon at
      00:00, so even allowing 9 hours for a time zone every entry is before the end of the
      export date) therefore has the reach of a and b (horizon[a] <= horizon[b]) of a->b exactly
      as drawn: nothing the transition depends on was censored;
    - the drawn furthest stage depends on the source channel only, not on the creation date, so
      choosing cohorts by creation month chooses leads independently of their outcome: in those
      cohorts converted ~ Binomial(reached, planted rate).
    Each transition is tested on its own mature cohorts: lead->mql on all but the last ~4 months,
    won->renewed only on the first few (a renewal comes up to ~2 years after creation).
    """
    export_date = dt.date.fromisoformat(planted["export_date"])
    known = set(table("campaigns").column("channel").values)
    rows = warehouse.query(
        """
        select cohort_month, source_channel, stage, next_stage,
            sum(reached_count), sum(coalesce(converted_count, 0))
        from marts.mart_stage_conversion
        where next_stage is not null
        group by cohort_month, source_channel, stage, next_stage
        """
    )
    counts: dict[str, dict[str, tuple[int, int]]] = {}
    for cohort_month, channel, stage, next_stage, reached, converted in rows:
        cutoff = export_date - dt.timedelta(days=planted["horizon_days"][next_stage])
        if add_months(cohort_month, 1) > cutoff:
            continue
        key = channel if channel in known else config.NO_CAMPAIGN
        by_channel = counts.setdefault(f"{stage}->{next_stage}", {})
        before = by_channel.get(key, (0, 0))
        by_channel[key] = (before[0] + int(reached), before[1] + int(converted))
    return counts


def test_marts_recover_the_planted_rates_within_binomial_error(
    built: Warehouse, generated: tuple[Path, dict]
) -> None:
    """Per channel and transition on the mature cohorts (see mature_counts), and overall.

    Overall, the mature cohorts' channel mix is not the whole data's, so the expected conversions
    are the sum over channels of reached x planted rate, with the variance of that sum of binomials.
    """
    _, planted = generated
    counts = mature_counts(built, planted)
    assert set(counts) == set(planted["transitions"])
    checked, failures = 0, []
    for transition in planted["transitions"]:
        mix = [
            (planted["channels"][channel]["planted"][transition], n, c)
            for channel, (n, c) in counts[transition].items()
        ]
        reached = sum(n for _, n, _ in mix)
        assert reached >= 50, f"too few mature leads to test {transition}: {reached}"
        expected = sum(rate * n for rate, n, _ in mix)
        tolerance = STANDARD_ERRORS * math.sqrt(sum(rate * (1 - rate) * n for rate, n, _ in mix))
        converted = sum(c for _, _, c in mix)
        if abs(converted - expected) > tolerance:
            failures.append(f"overall {transition}: {converted} vs expected {expected:.1f} ± {tolerance:.1f}")
        for channel, (reached, converted) in counts[transition].items():
            rate = planted["channels"][channel]["planted"][transition]
            if reached < 10:
                continue
            tolerance = STANDARD_ERRORS * math.sqrt(rate * (1 - rate) / reached)
            recovered = converted / reached
            checked += 1
            if abs(recovered - rate) > tolerance:
                failures.append(
                    f"{channel} {transition}: {recovered:.4f} vs planted {rate:.4f} ± {tolerance:.4f} (n={reached})"
                )
    assert not failures, "\n".join(failures)
    assert checked >= 40


def test_with_nothing_censored_every_stage_is_entered_within_its_horizon(
    tmp_path: Path, warehouse_factory: Callable[[str], Warehouse]
) -> None:
    """The premise of mature_counts, measured by the marts: with an export date so late that no
    stage of any lead is censored, every stage is entered within horizon_days of the creation."""
    raw = tmp_path / "raw"
    planted = generate(5_000, 13, raw, export_date=dt.date(2030, 3, 31)).planted
    for spec in [*planted["channels"].values(), planted["overall"]]:
        assert spec["reached"] == spec["drawn"]
    warehouse = warehouse_factory("horizon")
    loaded = warehouse.load(raw)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    built = warehouse.dbt(
        "build", "--select", "+fct_lead_funnel", "--resource-type", "seed", "--resource-type", "model"
    )
    assert built.ok, built.output[-6000:]
    stages = [stage for stage in planted["stages"] if stage != "lead"]
    longest = warehouse.query(
        "select "
        + ", ".join(
            f"max(date_diff('second', lead_created_at, {stage}_at)), count({stage}_at)" for stage in stages
        )
        + " from marts.fct_lead_funnel"
    )[0]
    for position, stage in enumerate(stages):
        seconds, entered = longest[2 * position], longest[2 * position + 1]
        assert entered == planted["overall"]["reached"][stage]
        assert seconds <= planted["horizon_days"][stage] * 86_400, stage


def test_stage_skips_exist_and_still_count_as_reached(built: Warehouse) -> None:
    straight_to_opportunity, accepted_before_score = built.query(
        """
        select
            count(*) filter (where is_mql_implied and is_sal_implied and opportunity_at is not null),
            count(*) filter (where sal_at is not null and not is_sal_implied and is_mql_implied)
        from marts.fct_lead_funnel
        """
    )[0]
    assert straight_to_opportunity > 0
    assert accepted_before_score > 0


def test_the_trade_show_trap_and_the_rest_of_the_story(generated: tuple[Path, dict]) -> None:
    raw, planted = generated
    with duckdb.connect() as db:
        for name in ("campaigns", "campaign_costs", "leads", "opportunities"):
            db.execute(
                f"create view {name} as select * from read_csv('{raw / name}.csv', all_varchar = true)"
            )
        db.execute(
            f"create view fx as select * from read_csv('{Path(config.__file__).parents[3] / 'seeds'}/fx_rates.csv')"
        )
        by_channel = {
            row[0]: row[1:]
            for row in db.execute(
                """
                with cost as (
                    select c.channel, sum(cc.amount::double * coalesce(fx.rate_to_reporting, 1)) as jpy
                    from campaign_costs cc
                    join campaigns c using (campaign_id)
                    left join fx on fx.currency = coalesce(cc.currency, 'JPY')
                        and fx.month = date_trunc('month', cc.cost_date::date)
                    group by c.channel
                ),
                leads_by_channel as (
                    select c.channel, count(*) as leads,
                        count(*) filter (where l.lead_id in (select lead_id from opportunities)) as opps
                    from leads l join campaigns c on c.campaign_id = l.source_campaign_id
                    group by c.channel
                )
                select channel, jpy, leads, opps from cost join leads_by_channel using (channel)
                """
            ).fetchall()
        }
        cost_currencies = {
            row[0]
            for row in db.execute("select distinct coalesce(currency, 'JPY') from campaign_costs").fetchall()
        }
        fx_currencies = {row[0] for row in db.execute("select distinct currency from fx").fetchall()}
        silent, free = db.execute(
            """
            select
                count(*) filter (where campaign_id in (select campaign_id from campaign_costs)
                    and campaign_id not in (select source_campaign_id from leads where source_campaign_id is not null)),
                count(*) filter (where campaign_id not in (select campaign_id from campaign_costs)
                    and campaign_id in (select source_campaign_id from leads))
            from campaigns
            """
        ).fetchone()
        minimum_cost = db.execute("select min(amount::double) from campaign_costs").fetchone()[0]
    exhibition_cost, exhibition_leads, exhibition_opps = by_channel["exhibition"]
    assert exhibition_cost == max(cost for cost, _, _ in by_channel.values()), (
        "trade shows are the biggest spend"
    )
    assert 3_000 <= exhibition_cost / exhibition_leads <= 8_000, "cheap leads: about 5,000 JPY each"
    assert 0.015 <= exhibition_opps / exhibition_leads <= 0.05, "about 3% become opportunities"
    for channel in ("referral", "outbound"):
        assert by_channel[channel][2] / by_channel[channel][1] > 0.2
        assert by_channel[channel][1] < exhibition_leads / 5
    assert cost_currencies >= fx_currencies | {"JPY"}
    assert silent > 0 and free > 0
    assert minimum_cost >= 0
    assert planted["channels"][config.NO_CAMPAIGN]["leads"] > 0


def test_text_formats() -> None:
    seconds = np.array([0, 1_700_000_000])
    assert fmt.timestamps(seconds).to_pylist() == ["1970-01-01T09:00:00+09:00", "2023-11-15T07:13:20+09:00"]
    assert fmt.timestamps(seconds, np.array([False, True])).to_pylist()[1] == "2023-11-14T22:13:20Z"
    assert fmt.dates(np.array([0, 20_000])).to_pylist() == ["1970-01-01", "2024-10-04"]
    assert fmt.ids("LD-", np.array([7]), 6).to_pylist() == ["LD-000007"]
    assert fmt.decimals(np.array([0, 5, 123_456, 100]), np.array([True, True, True, False])).to_pylist() == [
        "0.00", "0.05", "1234.56", "1",
    ]  # fmt: skip


def test_scoring_follows_the_definition_in_force_on_each_activity_date(tmp_path: Path) -> None:
    """With two definition versions in the seeds, leads still reach exactly the stage drawn for them."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    source = Path(config.__file__).parents[3] / "seeds"
    (seeds / "fx_rates.csv").write_bytes((source / "fx_rates.csv").read_bytes())
    (seeds / "mql_definition_versions.csv").write_text(
        "version,effective_from,effective_to,threshold\n1,2000-01-01,2025-09-30,100\n2,2025-10-01,,80\n",
        encoding="utf-8",
    )
    (seeds / "mql_scoring_rules.csv").write_text(
        "version,activity_type,points,is_hand_raise\n"
        + "".join(
            f"1,{t},{p},false\n" for t, p in [("form_submit", 30), ("webinar_attend", 40), ("page_view", 2)]
        )
        + "1,demo_request,0,true\n1,contact_request,0,true\n"
        + "".join(
            f"2,{t},{p},false\n" for t, p in [("form_submit", 20), ("webinar_attend", 35), ("email_open", 1)]
        )
        + "2,page_view,3,false\n2,demo_request,0,true\n2,pricing_view,15,true\n",
        encoding="utf-8",
    )
    raw = tmp_path / "raw"
    summary = generate(5_000, 11, raw, seeds_dir=seeds)
    with duckdb.connect() as db:
        db.execute("set TimeZone = 'Asia/Tokyo'")
        for name in ("lead_activities", "lead_status_changes", "opportunities", "deals", "leads"):
            db.execute(
                f"create view {name} as select * from read_csv('{raw / name}.csv', all_varchar = true)"
            )
        for name in ("mql_definition_versions", "mql_scoring_rules"):
            db.execute(
                f"create view {name} as select * from read_csv('{seeds / name}.csv', all_varchar = true)"
            )
        reached = db.execute(
            """
            with scored as (
                select a.lead_id, a.activity_at::timestamptz as activity_time, v.threshold::double as threshold,
                    coalesce(r.points::double, 0) as points, coalesce(r.is_hand_raise = 'true', false) as hand
                from lead_activities a
                join mql_definition_versions v
                    on a.activity_at::timestamptz::date >= v.effective_from::date
                    and (v.effective_to is null or a.activity_at::timestamptz::date <= v.effective_to::date)
                left join mql_scoring_rules r on r.version = v.version and r.activity_type = a.activity_type
            ),
            by_time as (
                select lead_id, activity_time, sum(points) as points, max(threshold) as threshold, bool_or(hand) as hand
                from scored group by lead_id, activity_time
            ),
            cumulative as (
                select *, sum(points) over (partition by lead_id order by activity_time) as total from by_time
            ),
            mql as (select distinct lead_id from cumulative where total >= threshold or hand),
            sal as (select distinct lead_id from lead_status_changes where status = 'accepted'),
            opp as (select distinct lead_id from opportunities where lead_id is not null),
            new_deals as (
                select d.deal_id, o.lead_id from deals d join opportunities o using (opportunity_id)
                where d.deal_type = 'new' and o.lead_id is not null
            ),
            renewed as (
                select distinct n.lead_id from deals r join new_deals n on r.renewed_from_deal_id = n.deal_id
                where r.deal_type = 'renewal'
            ),
            furthest as (
                select case
                    when lead_id in (select lead_id from renewed) then 5
                    when lead_id in (select lead_id from new_deals) then 4
                    when lead_id in (select lead_id from opp) then 3
                    when lead_id in (select lead_id from sal) then 2
                    when lead_id in (select lead_id from mql) then 1
                    else 0 end as stage
                from leads
            )
            select k, count_if(stage >= k) from furthest, range(6) as t(k) group by k order by k
            """
        ).fetchall()
    assert [count for _, count in reached] == list(summary.planted["overall"]["reached"].values())
