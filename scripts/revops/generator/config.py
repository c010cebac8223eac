"""The knobs of the demo company: business units, channels and the planted funnel.

Everything that shapes the generated data and that a reader may want to
tune lives here. The MQL scoring itself is NOT here: it is read from the
seeds (see revops.generator.scoring), so the generator always agrees with the
marts on what an MQL is.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

STAGES: tuple[str, ...] = ("lead", "mql", "sal", "opportunity", "won", "renewed")
TRANSITIONS: tuple[str, ...] = tuple(f"{a}->{b}" for a, b in pairwise(STAGES))

# Business units (事業部): code, Japanese label, share of leads from shared campaigns.
BUSINESS_UNITS: tuple[str, ...] = ("saas", "consulting", "hardware")
BU_LABELS: dict[str, str] = {
    "saas": "SaaS事業部",
    "consulting": "コンサルティング事業部",
    "hardware": "ハードウェア事業部",
}
BU_MIX: tuple[float, ...] = (0.55, 0.25, 0.20)

# Leads without a source campaign are planted under this key (the marts may label them differently).
NO_CAMPAIGN = "(none)"


@dataclass(frozen=True)
class Channel:
    name: str
    share: float  # share of all leads
    rates: tuple[float, float, float, float, float]  # P(reach next | reached this), per transition
    cost_per_lead: float  # JPY, drives campaign budgets
    skip_mql: float = 0.04  # of leads reaching SAL or beyond: no MQL ever recorded
    skip_sal: float = 0.03  # of leads reaching opportunity without an MQL: no accepted status either
    hand_raise: float = 0.25  # of recorded MQLs: by a hand-raise rather than by score
    no_cost: float = 0.04  # share of campaigns with leads but no cost rows


# The story the data tells (see ../shared/domain): trade shows are the biggest
# budget, make cheap leads (~5,000 JPY each) and convert to opportunities at
# about 3%; referral and outbound make few leads that convert very well.
CHANNELS: tuple[Channel, ...] = (
    Channel("exhibition", 0.30, (0.30, 0.40, 0.25, 0.20, 0.80), 5_000, hand_raise=0.15),
    Channel("webinar", 0.15, (0.45, 0.55, 0.35, 0.25, 0.85), 6_000),
    Channel("seminar", 0.06, (0.55, 0.60, 0.40, 0.28, 0.85), 10_000),
    Channel("paid_search", 0.12, (0.35, 0.50, 0.35, 0.22, 0.80), 8_000, hand_raise=0.40),
    Channel("paid_social", 0.10, (0.20, 0.40, 0.30, 0.18, 0.75), 7_000),
    Channel("content", 0.10, (0.30, 0.45, 0.30, 0.20, 0.80), 4_000),
    Channel("email", 0.05, (0.25, 0.50, 0.30, 0.20, 0.80), 1_500),
    Channel("referral", 0.02, (0.85, 0.85, 0.70, 0.40, 0.90), 20_000, 0.60, 0.60, 0.50, no_cost=0.70),
    Channel("outbound", 0.03, (0.70, 0.75, 0.60, 0.30, 0.85), 3_000, 0.70, 0.60, 0.30, no_cost=0.80),
    Channel("other", 0.02, (0.30, 0.50, 0.30, 0.20, 0.80), 5_000),
    Channel(NO_CAMPAIGN, 0.05, (0.35, 0.55, 0.35, 0.22, 0.80), 0.0, hand_raise=0.50),
)
CAMPAIGN_CHANNELS: tuple[str, ...] = tuple(c.name for c in CHANNELS if c.name != NO_CAMPAIGN)
CHANNEL_INDEX: dict[str, int] = {c.name: i for i, c in enumerate(CHANNELS)}

# Of leads that reach SAL with both an MQL and an accepted status: accepted before the score got there.
ACCEPTED_BEFORE_MQL = 0.06
# Of recorded MQLs by hand-raise: the lead was created by the hand-raise itself (e.g. a contact form).
HAND_RAISE_AT_CREATION = 0.30
# Of leads that reach an opportunity: a second opportunity.
SECOND_OPPORTUNITY = 0.08
# Of opportunities not won: still open (the rest are lost).
OPEN_OPPORTUNITY = 0.25
# Of won leads: an expansion (アップセル) deal later.
EXPANSION = 0.08
# Opportunities with no lead, per lead (existing customers, partners).
NO_LEAD_OPPORTUNITIES_PER_LEAD = 0.004
# Share of opportunities priced in USD (the rest JPY); of JPY rows, share with an empty currency.
USD_OPPORTUNITY = 0.05
EMPTY_CURRENCY = 0.05
# Share of timestamps written in UTC (`Z`) rather than +09:00.
UTC_TIMESTAMPS = 0.02
# CRM/MA tool's own MQL flag: agrees with the seeds' rule except for these drifts.
CRM_MQL_LATE = 0.015
CRM_MQL_MISSING = 0.01
CRM_MQL_SPURIOUS = 0.003
# Campaigns that spend but make no leads (brand, cancelled).
CAMPAIGNS_WITHOUT_LEADS = 0.03

# How long things take (days). Every delay on a lead's way through the funnel is capped, so a
# lead enters each stage it reaches within STAGE_HORIZON_DAYS of its creation. The export date
# censors the data (nothing after it is written); a cohort created at least a stage's horizon
# before the export date has that stage's reach complete, which the planted-rate test relies on.
PRE_MQL_SPAN_DAYS = 45  # a lead that goes on: first to last activity before its MQL trigger
MQL_TRIGGER_DAYS = 14  # last of those activities to the MQL (scoring activities or a hand-raise)
SAL_DELAY_DAYS = 10  # MQL (or last activity) to the accepted status
OPPORTUNITY_DELAY_DAYS = 40  # the lead is ready (last of MQL, SAL, activity) to its first opportunity
SECOND_OPPORTUNITY_DAYS = 90  # first to second opportunity
SALES_CYCLE_DAYS = 180  # opportunity created to signed, when won
OFFICE_HOURS_DAYS = 3  # status changes and opportunities move to the next weekday office hours
# New deal signed to renewal signed: before the 1-year contract, starting the next month, ends.
RENEWAL_DAYS = 31 + 366

_READY = PRE_MQL_SPAN_DAYS + MQL_TRIGGER_DAYS + SAL_DELAY_DAYS + OFFICE_HOURS_DAYS
_FIRST_OPPORTUNITY = _READY + OPPORTUNITY_DELAY_DAYS + OFFICE_HOURS_DAYS + 1  # + minimum gaps, rounding
_WON = _FIRST_OPPORTUNITY + SECOND_OPPORTUNITY_DAYS + 1 + OFFICE_HOURS_DAYS + SALES_CYCLE_DAYS + 1
# A skipped stage is entered at the next recorded one (a lead without MQL and accepted status
# enters both at its first opportunity), so MQL and SAL share the opportunity's horizon.
STAGE_HORIZON_DAYS: dict[str, int] = {
    "lead": 0,
    "mql": _FIRST_OPPORTUNITY,
    "sal": _FIRST_OPPORTUNITY,
    "opportunity": _FIRST_OPPORTUNITY,
    "won": _WON,
    "renewed": _WON + RENEWAL_DAYS,
}

# Contracts and renewals (docs/retention.md). A first contract churns (is not renewed by its end
# + the grace period) with a planted probability: 1 - its lead's channel won->renewed rate (the
# funnel draws `renewed` for the lead), or 1 - NO_LEAD_DEAL_RENEWAL for a deal without a lead. The
# generator reports the resulting churn rate per business unit. RENEWAL_GRACE_DAYS is the marts'
# dbt var renewal_grace_days.
RENEWAL_GRACE_DAYS = 30
NO_LEAD_DEAL_RENEWAL = 0.8
# Of renewals: signed after contract_end (late, within grace, as far as the renewal horizon
# allows); a down-sell (below the renewed contract); a multi-year term (2 or 3 years), per unit.
LATE_RENEWAL = 0.15
DOWN_SELL = 0.2
MULTI_YEAR: dict[str, float] = {"saas": 0.1, "consulting": 0.05, "hardware": 0.3}

# Opportunity amounts (JPY, lognormal median and sigma) per business unit.
DEAL_SIZE: dict[str, tuple[float, float]] = {
    "saas": (1_200_000, 0.6),
    "consulting": (3_000_000, 0.7),
    "hardware": (5_000_000, 0.8),
}

# Monthly seasonality of lead creation (Japanese fiscal half ends in March and September).
SEASON: dict[int, float] = {
    1: 0.85, 2: 1.10, 3: 1.50, 4: 0.95, 5: 0.90, 6: 1.05,
    7: 1.00, 8: 0.75, 9: 1.40, 10: 1.10, 11: 1.05, 12: 0.85,
}  # fmt: skip

# Leads are generated and written in batches of this many (memory stays bounded).
# Part of the output's definition: changing it changes the data for a seed.
BATCH_SIZE = 250_000
