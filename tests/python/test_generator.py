"""The demo-data generator: deterministic, exactly the contract, and its planted funnel survives the marts.

The planted conditional rates P(reach next stage | reached this stage) per source channel are
recovered from marts.mart_stage_conversion within four binomial standard errors, and the marts'
reach counts equal the generator's own (the events it emits make the marts' stage rules find
exactly the furthest stage it drew for each lead).
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from conftest import Warehouse, run_script
from revops.contract import contract, table
from revops.generate import generate
from revops.generator import config, fmt

SEED = 20240401
LEADS = 20_000
STANDARD_ERRORS = 4.0


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("generated")
    planted = root / "planted.json"
    result = run_script(
        "generate.py", "--leads", str(LEADS), "--seed", str(SEED), "--out", str(root / "raw"),
        "--planted-rates", str(planted),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "raw", json.loads(planted.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def built(generated: tuple[Path, dict], warehouse_factory: Callable[[str], Warehouse]) -> Warehouse:
    warehouse = warehouse_factory("generated_marts")
    warehouse.build(generated[0])
    return warehouse


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


def test_marts_count_exactly_the_reach_the_generator_drew(
    built: Warehouse, generated: tuple[Path, dict]
) -> None:
    _, planted = generated
    counts = mart_counts(built)
    assert set(counts) == set(planted["channels"])
    for channel, spec in planted["channels"].items():
        reached = {stage: counts[channel][stage][0] for stage in planted["stages"]}
        assert reached == spec["reached"], channel


def test_marts_recover_the_planted_rates_within_binomial_error(
    built: Warehouse, generated: tuple[Path, dict]
) -> None:
    _, planted = generated
    counts = mart_counts(built)
    stages = planted["stages"]
    checked, failures = 0, []
    for channel, spec in [*planted["channels"].items(), ("overall", planted["overall"])]:
        for stage, next_stage in pairwise(stages):
            rate = spec["planted"][f"{stage}->{next_stage}"]
            if channel == "overall":
                reached = sum(c[stage][0] for c in counts.values())
                converted = sum(c[stage][1] for c in counts.values())
            else:
                reached, converted = counts[channel][stage]
            if reached == 0:
                continue
            tolerance = STANDARD_ERRORS * math.sqrt(rate * (1 - rate) / reached)
            recovered = converted / reached
            checked += 1
            if abs(recovered - rate) > tolerance:
                failures.append(
                    f"{channel} {stage}->{next_stage}: {recovered:.4f} vs planted {rate:.4f} ± {tolerance:.4f}"
                )
    assert not failures, "\n".join(failures)
    assert checked >= 50


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
