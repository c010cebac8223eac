"""Realistic, deterministic demo data for the raw contract.

`generate()` writes one file per contract table into a raw directory, with
exactly the contract's columns (read from revops.contract), as text the way
a CRM/MA export delivers it. The same seed gives byte-identical files.

The data is an export taken on the export date (default: the last day of
the lead window): nothing after the end of that day (JST) is written. A lead
whose next stage would come later has not reached it yet, an opportunity that
would close later is open, a renewal due later is not signed.

Leads are generated and written in batches of config.BATCH_SIZE, so memory
stays bounded at any scale; each batch draws from its own PCG64 stream
derived from the seed. The MQL scoring is read from the seeds the marts use.
See revops.generator.funnel for how the planted funnel rates are kept.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from revops.contract import Table, contract
from revops.generator import config, fmt
from revops.generator.funnel import Counters, World, generate_batch
from revops.generator.scoring import SEEDS_DIR, fx_rates, load_definitions
from revops.generator.world import (
    CampaignSampler,
    CostRows,
    Timeline,
    make_campaigns,
    make_costs,
    make_owners,
)

Format = Literal["csv", "parquet"]
DEFAULT_START = dt.date(2024, 4, 1)
DEFAULT_MONTHS = 30


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


class TableWriter:
    """Writes one contract table, batch by batch, with exactly the contract columns."""

    def __init__(self, out: Path, table: Table, file_format: Format) -> None:
        self.table = table
        self.schema = pa.schema([pa.field(name, pa.string()) for name in table.column_names])
        self.path = out / f"{table.name}.{file_format}"
        self.rows = 0
        if file_format == "csv":
            options = pacsv.WriteOptions(include_header=True, quoting_style="needed")
            self._writer: pacsv.CSVWriter | pq.ParquetWriter = pacsv.CSVWriter(
                str(self.path), self.schema, write_options=options
            )
        else:
            self._writer = pq.ParquetWriter(str(self.path), self.schema, compression="zstd")

    def write(self, columns: dict[str, pa.Array]) -> None:
        if set(columns) != set(self.table.column_names):
            raise ValueError(
                f"{self.table.name}: generated columns {sorted(columns)} != contract {sorted(self.table.column_names)}"
            )
        batch = pa.table([columns[name] for name in self.table.column_names], schema=self.schema)
        self._writer.write_table(batch)
        self.rows += batch.num_rows

    def close(self) -> None:
        self._writer.close()


@dataclass
class Summary:
    out: Path
    leads: int
    seed: int
    rows: dict[str, int] = field(default_factory=dict)
    planted: dict = field(default_factory=dict)


def _reach(furthest: np.ndarray) -> dict[str, int]:
    return {stage: int((furthest >= k).sum()) for k, stage in enumerate(config.STAGES)}


def planted_rates_document(
    seed: int,
    leads: int,
    timeline: Timeline,
    export_date: dt.date,
    channel: np.ndarray,
    drawn: np.ndarray,
    furthest: np.ndarray,
) -> dict:
    """The planted conditional rates and the reach counts, drawn and realised, per channel and overall."""
    channels = {}
    expected_total = np.zeros(len(config.STAGES))
    for code, spec in enumerate(config.CHANNELS):
        members = channel == code
        count = int(members.sum())
        expected = count * np.concatenate([[1.0], np.cumprod(spec.rates)])
        expected_total += expected
        channels[spec.name] = {
            "leads": count,
            "planted": dict(zip(config.TRANSITIONS, spec.rates, strict=True)),
            "reached": _reach(furthest[members]),
            "drawn": _reach(drawn[members]),
        }
    overall_planted = {
        transition: (float(expected_total[k + 1] / expected_total[k]) if expected_total[k] else None)
        for k, transition in enumerate(config.TRANSITIONS)
    }
    return {
        "seed": seed,
        "leads": leads,
        "start": timeline.start.isoformat(),
        "months": timeline.months,
        "export_date": export_date.isoformat(),
        "stages": list(config.STAGES),
        "transitions": list(config.TRANSITIONS),
        "semantics": (
            "planted[a->b] = P(lead reaches b | lead reached a); reach = entered, skipped stages count; "
            "drawn = reach drawn from the planted rates; reached = reach recorded by the end of the export "
            "date (JST), what the marts count"
        ),
        "horizon_days": dict(config.STAGE_HORIZON_DAYS),
        "horizon_semantics": (
            "a lead enters every stage it reaches within horizon_days[stage] days of its creation, so leads "
            "created at least that long before the end of the export date have that stage's reach uncensored"
        ),
        "no_campaign_channel": config.NO_CAMPAIGN,
        "channels": channels,
        "overall": {
            "leads": leads,
            "planted": overall_planted,
            "reached": _reach(furthest),
            "drawn": _reach(drawn),
        },
    }


def contracts_document(contracts: dict[str, tuple]) -> dict:
    """The planted churn of first contracts per business unit (docs/retention.md)."""
    return {
        "semantics": (
            "first contracts (new deals) whose renewal is decided by the export date (contract_end + "
            "grace_days <= export_date): each churns (no renewal signed by then) with its planted probability, "
            "1 - its lead's channel won->renewed rate, or 1 - no_lead_deal_renewal for a deal without a lead; "
            "planted_churn_rate = their mean, expected_churned = their sum, variance = sum of p(1 - p)"
        ),
        "grace_days": config.RENEWAL_GRACE_DAYS,
        "no_lead_deal_renewal": config.NO_LEAD_DEAL_RENEWAL,
        "late_renewal_share": config.LATE_RENEWAL,
        "down_sell_share": config.DOWN_SELL,
        "units": {
            unit: {
                "multi_year_share": config.MULTI_YEAR[unit],
                "decided_first_contracts": int(decided),
                "expected_churned": expected,
                "variance": variance,
                "planted_churn_rate": expected / decided if decided else None,
            }
            for unit, (decided, expected, variance) in contracts.items()
        },
    }


def generate(
    leads: int,
    seed: int,
    out: Path,
    *,
    start: dt.date = DEFAULT_START,
    months: int = DEFAULT_MONTHS,
    export_date: dt.date | None = None,
    file_format: Format = "csv",
    planted_rates: Path | None = None,
    seeds_dir: Path = SEEDS_DIR,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Write the raw directory `out`. `progress(leads_done)` is called after each batch.

    `export_date` (default: the last day of the lead window) censors the data: nothing after the
    end of that day (JST) is written.
    """
    if leads < 1:
        raise ValueError("--leads must be at least 1")
    if months < 1:
        raise ValueError("--months must be at least 1")
    timeline = Timeline(start, months)
    last_day = timeline.end - dt.timedelta(days=1)
    export_date = last_day if export_date is None else export_date
    if export_date < last_day:
        raise ValueError(
            f"--export-date {export_date} is before the last day leads are created ({last_day}); "
            "shorten --months instead"
        )
    definitions = load_definitions(seeds_dir)
    fx = fx_rates(seeds_dir)
    currencies = ["JPY", *sorted(c for c in fx if c != "JPY")]

    rng = _rng(seed, 0)
    owners = make_owners(rng, leads)
    campaigns = make_campaigns(rng, timeline, currencies)
    sampler = CampaignSampler.build(campaigns, timeline)
    costs = make_costs(rng, campaigns, sampler, timeline, leads, fx)
    world = World.build(timeline, campaigns, sampler, owners, definitions, export_date)

    out.mkdir(parents=True, exist_ok=True)
    writers = {table.name: TableWriter(out, table, file_format) for table in contract()}
    try:
        writers["owners"].write(
            {
                "owner_id": pa.array(owners.owner_id, pa.string()),
                "name": pa.array(owners.name, pa.string()),
                "team": pa.array(owners.team, pa.string()),
                "business_unit": pa.array(owners.business_unit, pa.string()),
            }
        )
        writers["campaigns"].write(
            {
                "campaign_id": world.campaign_ids,
                "name": pa.array([c.name for c in campaigns], pa.string()),
                "channel": pa.array([c.channel for c in campaigns], pa.string()),
                "business_unit": pa.array(
                    [config.BUSINESS_UNITS[c.bu] if c.bu >= 0 else None for c in campaigns], pa.string()
                ),
                "started_on": fmt.dates(np.array([c.started_on for c in campaigns]) + timeline.day0),
                "ended_on": fmt.dates(np.array([c.ended_on for c in campaigns]) + timeline.day0),
            }
        )
        spent = costs.day + timeline.day0 <= world.export_day
        costs = CostRows(costs.campaign[spent], costs.day[spent], costs.hundredths[spent])
        cost_currency = np.array(
            [currencies.index(campaigns[i].currency) for i in costs.campaign], dtype=np.int64
        )
        jpy = cost_currency == 0
        empty = jpy & (rng.random(len(jpy)) < config.EMPTY_CURRENCY)
        writers["campaign_costs"].write(
            {
                "campaign_id": world.campaign_ids.take(pa.array(costs.campaign)),
                "cost_date": fmt.dates(costs.day + timeline.day0),
                "amount": fmt.decimals(costs.hundredths, ~jpy),
                "currency": fmt.take(pa.array(currencies, pa.string()), cost_currency, ~empty),
            }
        )
        counters = Counters()
        channels, drawn, furthest = [], [], []
        contracts = {unit: (0, 0.0, 0.0) for unit in config.BUSINESS_UNITS}
        for number, first in enumerate(range(0, leads, config.BATCH_SIZE)):
            size = min(config.BATCH_SIZE, leads - first)
            batch = generate_batch(world, _rng(seed, 1, number), size, counters, _rng(seed, 2, number))
            for name, columns in batch.tables.items():
                writers[name].write(columns)
            channels.append(batch.channel.astype(np.int8))
            drawn.append(batch.drawn.astype(np.int8))
            furthest.append(batch.furthest.astype(np.int8))
            contracts = {
                unit: tuple(a + b for a, b in zip(contracts[unit], batch.contracts[unit], strict=True))
                for unit in contracts
            }
            if progress is not None:
                progress(first + size)
    finally:
        for writer in writers.values():
            writer.close()

    document = planted_rates_document(
        seed,
        leads,
        timeline,
        export_date,
        np.concatenate(channels),
        np.concatenate(drawn),
        np.concatenate(furthest),
    )
    document["contracts"] = contracts_document(contracts)
    if planted_rates is not None:
        planted_rates.parent.mkdir(parents=True, exist_ok=True)
        planted_rates.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return Summary(
        out=out, leads=leads, seed=seed, rows={name: w.rows for name, w in writers.items()}, planted=document
    )
