"""Opportunity history for the generated world (contract table `opportunity_history`).

Each opportunity gets the rows a CRM's field history would hold (docs/pipeline.md):

- created in the first open stage, then one row per stage it advances through, at fixed shares of
  its life (created to closed, or to the export time while open); a few regress one stage;
- a close date pushed out (プッシュ) one or two quarters at mid-life for a share of them: the first
  expected close date is that much earlier than the final one;
- an amount change at a stage step for a share of them (the first amount 80% or 125% of the final);
- a share of the closed ones were lost once and reopened before their final close;
- the forecast category (ヨミ) of each stage, and, for a closed one, its close at closed_at.

The draws come from a child stream of the caller's generator, so the funnel's planted rates and
every other table are unchanged by the history.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from revops.generator import fmt

DAY = 86_400
JST = fmt.JST_OFFSET_SECONDS
QUARTER_DAYS = 91

# The generated world's open stages in order, with the forecast category of each (seed pipeline_stages).
STAGE_FORECAST: tuple[str, ...] = ("pipeline", "pipeline", "best_case", "commit", "commit")
REGRESSION = 0.10
PUSH_ONE_QUARTER = 0.20
PUSH_TWO_QUARTERS = 0.08
AMOUNT_CHANGE = 0.25
REOPENED = 0.06


@dataclass(frozen=True)
class Opportunities:
    """What the history needs of a batch of opportunities (times in epoch seconds, days since 1970)."""

    ids: pa.Array
    created: np.ndarray
    closed_at: np.ndarray  # meaningful where closed
    closed: np.ndarray
    won: np.ndarray
    open_stage: np.ndarray  # current open stage index (0-4) of the open ones
    close_day: np.ndarray  # the final expected close date (JST day), the close day when closed
    amount: np.ndarray  # hundredths
    usd: np.ndarray
    currency: pa.Array
    export_at: int


def _round_amount(hundredths: np.ndarray, usd: np.ndarray) -> np.ndarray:
    unit = np.where(usd, 100 * 100, 10_000 * 100)
    return np.maximum(np.round(hundredths / unit), 1).astype(np.int64) * unit


def history(
    rng: np.random.Generator, opps: Opportunities, stage_names: pa.Array, won_stage: int
) -> dict[str, pa.Array]:
    """The opportunity_history columns of these opportunities (contract column names)."""
    m = len(opps.created)
    end = np.where(opps.closed, opps.closed_at, opps.export_at)
    span = np.maximum(end - opps.created, 0)
    final_stage = np.where(opps.closed, len(STAGE_FORECAST) - 1, opps.open_stage)

    push = np.where(rng.random(m) < PUSH_ONE_QUARTER, 1, 0) + np.where(
        rng.random(m) < PUSH_TWO_QUARTERS, 1, 0
    )
    first_close = np.maximum(opps.close_day - push * QUARTER_DAYS, (opps.created + JST) // DAY + 7)
    factor = np.where(rng.random(m) < 0.5, 0.8, 1.25)
    changed = rng.random(m) < AMOUNT_CHANGE
    first_amount = np.where(changed, _round_amount(opps.amount * factor, opps.usd), opps.amount)
    regress = (rng.random(m) < REGRESSION) & (final_stage >= 2)
    reopened = opps.closed & (rng.random(m) < REOPENED)
    # A life shorter than a day has one row, in its final open state (and its close): no two rows
    # at one instant.
    lived = span >= DAY

    # (share of life, stage, amount, close day, include) per template row; open stages are capped at
    # the opportunity's own final one.
    rows = [
        (
            0.00,
            np.where(lived, 0, final_stage),
            np.where(lived, first_amount, opps.amount),
            np.where(lived, first_close, opps.close_day),
            np.ones(m, bool),
        ),
        (0.20, np.minimum(1, final_stage), first_amount, first_close, lived & (final_stage >= 1)),
        (0.30, np.zeros(m, np.int64), first_amount, first_close, lived & regress),
        (0.40, np.minimum(2, final_stage), opps.amount, first_close, lived & (final_stage >= 2)),
        (0.55, np.minimum(2, final_stage), opps.amount, opps.close_day, lived & (push > 0)),
        (0.75, np.minimum(3, final_stage), opps.amount, opps.close_day, lived & reopened),
        (0.85, final_stage, opps.amount, opps.close_day, lived),
    ]
    parts: dict[str, list[pa.Array]] = {name: [] for name in HISTORY_COLUMNS}
    forecast = pa.array(list(STAGE_FORECAST), pa.string())
    for share, stage, amount, close_day, include in rows:
        _append(
            parts,
            opps,
            include,
            opps.created + (span * share).astype(np.int64),
            stage,
            amount,
            close_day,
            forecast,
        )
    # The reopened were lost once in between (Closed Lost, omitted) and reopened at 0.75.
    lost_at = opps.created + (span * 0.65).astype(np.int64)
    _append_closed(
        parts, opps, reopened, lost_at, stage_names, won_stage + 1, "omitted", (lost_at + JST) // DAY
    )
    # The final close, as the CRM records it at closed_at.
    closing_stage = np.where(opps.won, won_stage, won_stage + 1)
    _append_closing(parts, opps, opps.closed, stage_names, closing_stage)
    return {name: pa.concat_arrays(chunks) for name, chunks in parts.items()}


HISTORY_COLUMNS = (
    "opportunity_id",
    "changed_at",
    "stage",
    "amount",
    "currency",
    "close_date",
    "forecast_category",
)


def _append(parts, opps, include, at, stage, amount, close_day, forecast) -> None:
    rows = np.flatnonzero(include)
    parts["opportunity_id"].append(opps.ids.take(pa.array(rows)))
    parts["changed_at"].append(fmt.timestamps(at[rows]))
    parts["stage"].append(fmt.take(STAGE_LABELS, stage[rows]))
    parts["amount"].append(fmt.decimals(amount[rows], False))
    parts["currency"].append(opps.currency.take(pa.array(rows)))
    parts["close_date"].append(fmt.dates(close_day[rows]))
    parts["forecast_category"].append(fmt.take(forecast, stage[rows]))


def _append_closed(parts, opps, include, at, stage_names, stage_code, category, close_day) -> None:
    rows = np.flatnonzero(include)
    parts["opportunity_id"].append(opps.ids.take(pa.array(rows)))
    parts["changed_at"].append(fmt.timestamps(at[rows]))
    parts["stage"].append(fmt.take(stage_names, np.full(len(rows), stage_code, np.int64)))
    parts["amount"].append(fmt.decimals(opps.amount[rows], False))
    parts["currency"].append(opps.currency.take(pa.array(rows)))
    parts["close_date"].append(fmt.dates(close_day[rows]))
    parts["forecast_category"].append(pa.array([category] * len(rows), pa.string()))


def _append_closing(parts, opps, include, stage_names, closing_stage) -> None:
    rows = np.flatnonzero(include)
    parts["opportunity_id"].append(opps.ids.take(pa.array(rows)))
    parts["changed_at"].append(fmt.timestamps(opps.closed_at[rows]))
    parts["stage"].append(fmt.take(stage_names, closing_stage[rows]))
    parts["amount"].append(fmt.decimals(opps.amount[rows], False))
    parts["currency"].append(opps.currency.take(pa.array(rows)))
    parts["close_date"].append(fmt.dates((opps.closed_at[rows] + JST) // DAY))
    parts["forecast_category"].append(
        fmt.take(pa.array(["omitted", "closed"], pa.string()), opps.won[rows].astype(np.int64))
    )


STAGE_LABELS = pa.array(["初回商談", "ヒアリング", "提案", "見積提示", "交渉"], pa.string())
