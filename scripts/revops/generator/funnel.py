"""One batch of leads and everything that happens to them, vectorised.

How the planted rates survive the marts' stage rules:

1. Each lead's furthest stage f (0 = lead ... 5 = renewed) is drawn from its
   channel's planted conditional rates P(reach k+1 | reached k).
2. Events are emitted so the marts' rules find exactly f as the furthest
   *recorded* stage, and nothing beyond it:
   - mql: an activity at which the cumulative score (seed rules) reaches the
     threshold, or a hand-raise. Leads without a recorded MQL get activities
     that are "guarded": hand-raises and everything from the first activity
     that would reach the threshold are replaced by a zero-point type.
   - sal: a status change to `accepted` (other statuses never count).
   - opportunity: an opportunity with the lead's id; won: a `new` deal on one
     of them; renewed: a `renewal` deal renewing that new deal.
   Stage skips (no MQL, or no accepted status) leave a stage unrecorded below
   f; the marts' backward `entered` rule still counts the lead as reaching it.
3. The export date censors: every event after the end of that day (JST) is
   dropped, so a lead has reached by then only the stages whose events came
   before it (its realised furthest stage, counted from what is written, is
   what the marts find); an opportunity that would close later is open, a
   deal, renewal or expansion signed later does not exist. Every delay is
   capped (config), so each stage is entered within config.STAGE_HORIZON_DAYS
   of the lead's creation: cohorts older than that are complete for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import jaconv
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from revops.generator import config, fmt, history, vocab
from revops.generator.scoring import Definition
from revops.generator.world import EPOCH, SECONDS_PER_DAY, Campaign, CampaignSampler, Owners, Timeline

DAY = SECONDS_PER_DAY
JST = fmt.JST_OFFSET_SECONDS
LEAD, MQL, SAL, OPP, WON, RENEWED = range(6)

# Activity mixes (type -> relative weight). Types the seed rules do not list score 0.
FIRST_TOUCH: dict[str, dict[str, float]] = {
    "exhibition": {"booth_visit": 1.0},
    "webinar": {"form_submit": 0.85, "webinar_attend": 0.15},
    "seminar": {"form_submit": 1.0},
    "paid_search": {"form_submit": 0.7, "content_download": 0.3},
    "paid_social": {"content_download": 0.6, "form_submit": 0.4},
    "content": {"content_download": 1.0},
    "email": {"email_click": 1.0},
    "referral": {"referral_intro": 1.0},
    "outbound": {"call": 1.0},
    "other": {"form_submit": 0.6, "page_view": 0.4},
    config.NO_CAMPAIGN: {"form_submit": 0.6, "page_view": 0.3, "chat_start": 0.1},
}
COLD_MIX = {"page_view": 0.33, "email_open": 0.33, "email_click": 0.2, "content_download": 0.04,
            "webinar_attend": 0.03, "form_submit": 0.03, "sns_follow": 0.02, "call": 0.02}  # fmt: skip
WARM_MIX = {"page_view": 0.26, "email_open": 0.18, "email_click": 0.18, "content_download": 0.10,
            "webinar_attend": 0.08, "form_submit": 0.06, "booth_visit": 0.03, "chat_start": 0.02,
            "sns_follow": 0.02, "call": 0.05, "ウェビナー視聴": 0.02}  # fmt: skip
POST_MIX = {"meeting": 0.22, "call": 0.28, "email_sent": 0.15, "email_open": 0.10, "page_view": 0.10,
            "email_click": 0.06, "demo_request": 0.03, "contact_request": 0.02, "content_download": 0.04}  # fmt: skip
TOPUP_PREFERENCE = {
    "webinar_attend": 0.35,
    "form_submit": 0.30,
    "content_download": 0.25,
    "booth_visit": 0.10,
}
HAND_RAISE_PREFERENCE = {"demo_request": 0.6, "contact_request": 0.4}
ZERO_TYPES = ("email_open", "call", "meeting", "other_activity")
# Campaign touches: activity type -> (probability it carries a campaign, channels it may belong to).
TOUCHES: dict[str, tuple[float, tuple[str, ...]]] = {
    "booth_visit": (0.95, ("exhibition",)),
    "webinar_attend": (0.95, ("webinar",)),
    "email_click": (0.9, ("email",)),
    "email_open": (0.9, ("email",)),
    "content_download": (0.8, ("content",)),
    "form_submit": (0.5, ("seminar", "paid_search", "paid_social")),
    "page_view": (0.15, ("paid_search", "paid_social")),
}
OPEN_STAGES = ("初回商談", "ヒアリング", "提案", "見積提示", "交渉")
STAGE_WON, STAGE_LOST = "受注", "失注"


def _mix(names: list[str], weights: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    codes = np.array([names.index(t) for t in weights], dtype=np.int64)
    p = np.array(list(weights.values()), dtype=np.float64)
    return codes, p / p.sum()


def _draw(rng: np.random.Generator, mix: tuple[np.ndarray, np.ndarray], n: int) -> np.ndarray:
    codes, p = mix
    return codes[np.searchsorted(np.cumsum(p), rng.random(n) * (1 - 1e-12), side="right")]


def _segments(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(owner of each row, first row of each segment, position of each row in its segment)."""
    counts = counts.astype(np.int64)
    starts = np.cumsum(counts) - counts
    owner = np.repeat(np.arange(len(counts)), counts)
    position = np.arange(int(counts.sum()), dtype=np.int64) - starts[owner]
    return owner, starts, position


def _segment_cumsum(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    cs = np.cumsum(values)
    prefix = np.concatenate([np.zeros(1, dtype=cs.dtype), cs])
    starts = np.cumsum(counts) - counts
    return cs - np.repeat(prefix[starts], counts)


@dataclass
class Activities:
    """The activity type vocabulary, scored by the seed definitions in force on each day.

    Rules the generator relies on (all read from the seeds, whatever they say):
    - guard(): a lead kept below the lowest threshold of any version, with no
      type that is a hand-raise in any version, is not an MQL under any version;
    - top-up types score > 0 and hand-raise types raise hands in every version,
      so the row at which a lead is meant to qualify qualifies.
    """

    names: list[str]
    points: np.ndarray  # versions x types
    hand_raise: np.ndarray  # versions x types
    thresholds: np.ndarray  # per version
    definitions: tuple[Definition, ...]
    zero: int  # a type worth 0 and never a hand-raise
    first_touch: dict[int, tuple[np.ndarray, np.ndarray]]
    cold: tuple[np.ndarray, np.ndarray]
    warm: tuple[np.ndarray, np.ndarray]
    post: tuple[np.ndarray, np.ndarray]
    topup: tuple[np.ndarray, np.ndarray] | None
    raise_mix: tuple[np.ndarray, np.ndarray] | None

    @classmethod
    def build(cls, definitions: tuple[Definition, ...]) -> Activities:
        names: list[str] = []
        for definition in definitions:
            # Types the seed lists at 0 points (and not as a hand-raise) come with the zero types below.
            names += [
                t
                for t in definition.points
                if t not in names and (definition.points[t] or t in definition.hand_raise)
            ]
        for mix in (*FIRST_TOUCH.values(), COLD_MIX, WARM_MIX, POST_MIX):
            names += [t for t in mix if t not in names]
        names += [t for t in ZERO_TYPES if t not in names]
        points = np.array([[d.points.get(t, 0.0) for t in names] for d in definitions], dtype=np.float64)
        hand_raise = np.array([[t in d.hand_raise for t in names] for d in definitions], dtype=bool)
        never_raise = ~hand_raise.any(axis=0)
        zero = next(
            names.index(t)
            for t in ZERO_TYPES
            if never_raise[names.index(t)] and not points[:, names.index(t)].any()
        )
        always_positive = (points > 0).all(axis=0) & never_raise
        top = points.min(axis=0)[always_positive].max() if always_positive.any() else 0.0
        topup_types = [t for i, t in enumerate(names) if always_positive[i] and points[:, i].min() >= top / 4]
        raise_types = [t for i, t in enumerate(names) if hand_raise[:, i].all()]
        return cls(
            names=names,
            points=points,
            hand_raise=hand_raise,
            thresholds=np.array([d.threshold for d in definitions], dtype=np.float64),
            definitions=definitions,
            zero=zero,
            first_touch={config.CHANNEL_INDEX[ch]: _mix(names, mix) for ch, mix in FIRST_TOUCH.items()},
            cold=_mix(names, COLD_MIX),
            warm=_mix(names, WARM_MIX),
            post=_mix(names, POST_MIX),
            topup=_mix(names, {t: TOPUP_PREFERENCE.get(t, 0.05) for t in topup_types})
            if topup_types
            else None,
            raise_mix=_mix(names, {t: HAND_RAISE_PREFERENCE.get(t, 0.2) for t in raise_types})
            if raise_types
            else None,
        )

    def version(self, days: np.ndarray) -> np.ndarray:
        """Index of the definition in force on each day (JST), -1 where none is (then nothing scores)."""
        result = np.full(len(days), -1, dtype=np.int64)
        for index, definition in enumerate(self.definitions):  # later versions win overlaps
            in_force = days >= definition.effective_from
            if definition.effective_to is not None:
                in_force &= days <= definition.effective_to
            result[in_force] = index
        return result

    def score(self, types: np.ndarray, days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(points, is hand-raise, threshold) of each activity under the definition in force on its day."""
        version = self.version(days)
        scored = version >= 0
        safe = np.maximum(version, 0)
        points = np.where(scored, self.points[safe, types], 0.0)
        hand = scored & self.hand_raise[safe, types]
        threshold = np.where(scored, self.thresholds[safe], np.inf)
        return points, hand, threshold

    def guard(
        self, types: np.ndarray, days: np.ndarray, counts: np.ndarray, initial: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Keep each segment from qualifying: no hand-raise, nothing from the first row that would reach
        the lowest threshold on. Returns (types, cumulative score per segment including `initial`).
        """
        types = np.where(self.hand_raise[:, types].any(axis=0), self.zero, types)
        points, _, _ = self.score(types, days)
        cumulative = _segment_cumsum(points, counts) + np.repeat(initial, counts)
        reached = _segment_cumsum((cumulative >= self.thresholds.min()).astype(np.int64), counts) > 0
        types = np.where(reached, self.zero, types)
        owner = np.repeat(np.arange(len(counts)), counts)
        total = initial + np.bincount(owner, weights=np.where(reached, 0.0, points), minlength=len(counts))
        return types, total


@dataclass
class World:
    """Everything the batches share."""

    timeline: Timeline
    campaigns: list[Campaign]
    sampler: CampaignSampler
    owners: Owners
    activities: Activities
    campaign_ids: pa.Array
    owner_ids: pa.Array
    touch_starts: dict[int, tuple[np.ndarray, np.ndarray]]  # channel -> (sorted start days, campaign idx)
    inside_sales: dict[int, np.ndarray]
    field_sales: dict[int, np.ndarray]
    export_day: int  # days since 1970-01-01 of the export date (JST)
    export_at: int  # Unix seconds of its last second (23:59:59 JST): nothing later is written

    @classmethod
    def build(
        cls,
        timeline: Timeline,
        campaigns: list[Campaign],
        sampler: CampaignSampler,
        owners: Owners,
        definitions: tuple[Definition, ...],
        export_date: dt.date,
    ) -> World:
        export_day = (export_date - EPOCH).days
        touch_starts = {}
        for name in config.CAMPAIGN_CHANNELS:
            code = config.CHANNEL_INDEX[name]
            members = np.flatnonzero(sampler.channel == code)
            order = np.argsort(np.array([campaigns[i].started_on for i in members]), kind="stable")
            touch_starts[code] = (np.array([campaigns[i].started_on for i in members])[order], members[order])
        return cls(
            timeline=timeline,
            campaigns=campaigns,
            sampler=sampler,
            owners=owners,
            activities=Activities.build(definitions),
            campaign_ids=pa.array([c.campaign_id for c in campaigns], type=pa.string()),
            owner_ids=pa.array(owners.owner_id, type=pa.string()),
            touch_starts=touch_starts,
            inside_sales=owners.ids_for("inside_sales"),
            field_sales=owners.ids_for("field_sales"),
            export_day=export_day,
            export_at=(export_day + 1) * DAY - JST - 1,
        )


@dataclass
class Counters:
    """Running id numbers across batches."""

    lead: int = 0
    activity: int = 0
    opportunity: int = 0
    deal: int = 0


@dataclass
class Batch:
    tables: dict[str, dict[str, pa.Array]]
    channel: np.ndarray  # per lead
    drawn: np.ndarray  # per lead: the furthest stage drawn from the planted rates
    furthest: np.ndarray  # per lead: the furthest stage recorded by the export date (drawn, censored)
    # per business unit: (first contracts decided by the export date, planted churn probabilities summed,
    # summed p(1 - p)); decided = not renewed by contract_end + grace is known by the export date
    contracts: dict[str, tuple[int, float, float]]


def _exp_seconds(
    rng: np.random.Generator, mean_days: float, n: int, minimum: int = 60, cap_days: float | None = None
) -> np.ndarray:
    """Exponential delays in seconds (+ minimum); with cap_days, truncated to at most cap_days (+ minimum)."""
    if cap_days is None:
        return (rng.exponential(mean_days * DAY, n)).astype(np.int64) + minimum
    kept_mass = -np.expm1(-cap_days / mean_days)  # inverse CDF of the exponential truncated at the cap
    delay = -mean_days * DAY * np.log1p(-rng.random(n) * kept_mass)
    return np.minimum(delay, cap_days * DAY).astype(np.int64) + minimum


def _squeeze(offsets: np.ndarray, span: np.ndarray, limit: float) -> np.ndarray:
    """Scale increasing offsets so that a row whose last offset (`span`) exceeds `limit` ends at it."""
    scale = np.minimum(1.0, limit / np.maximum(span, 1))
    return np.where(scale < 1.0, np.maximum(1, (offsets * scale).astype(np.int64)), offsets)


def _pick_owner(rng: np.random.Generator, pools: dict[int, np.ndarray], bu: np.ndarray) -> np.ndarray:
    result = np.empty(len(bu), dtype=np.int64)
    for code, pool in pools.items():
        rows = bu == code
        result[rows] = pool[rng.integers(len(pool), size=int(rows.sum()))]
    return result


def _last_per_lead(owner: np.ndarray, at: np.ndarray, default: np.ndarray) -> np.ndarray:
    """Latest `at` per lead of rows grouped by lead (`owner` non-decreasing); `default` for leads without rows."""
    counts = np.bincount(owner, minlength=len(default))
    result = default.copy()
    if len(at):
        rows = counts > 0
        result[rows] = np.maximum.reduceat(at, (np.cumsum(counts) - counts)[rows])
    return result


def _jst_day(seconds: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of the JST date."""
    return (seconds + JST) // DAY


def _first_of_next_month(days: np.ndarray) -> np.ndarray:
    return (days.astype("datetime64[D]").astype("datetime64[M]") + 1).astype("datetime64[D]").astype(np.int64)


def _plus_year_minus_day(first_days: np.ndarray) -> np.ndarray:
    return (first_days.astype("datetime64[D]").astype("datetime64[M]") + 12).astype("datetime64[D]").astype(
        np.int64
    ) - 1


def _office_hours(rng: np.random.Generator, seconds: np.ndarray) -> np.ndarray:
    """Move times outside weekday 09:00-19:00 JST forward into the next office hours."""
    local = seconds + JST
    second_of_day = local % DAY
    day = local // DAY
    late = second_of_day >= 19 * 3600
    early = second_of_day < 9 * 3600
    day = day + late
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    day = day + np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0))
    moved = late | early | (weekday >= 5)
    jitter = rng.integers(0, 3 * 3600, len(seconds))
    return np.where(moved, day * DAY + 9 * 3600 + jitter - JST, seconds)


def _utc(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.random(n) < config.UTC_TIMESTAMPS


def _time_of_day(rng: np.random.Generator, n: int, show: np.ndarray) -> np.ndarray:
    """Seconds after JST midnight: office hours mostly, some evenings; badge scans 10:00-17:00."""
    office = np.clip(rng.normal(14 * 3600, 2.5 * 3600, n), 8 * 3600, 21 * 3600)
    anytime = rng.uniform(0, DAY, n)
    seconds = np.where(rng.random(n) < 0.85, office, anytime)
    seconds = np.where(show, rng.uniform(10 * 3600, 17 * 3600, n), seconds)
    return seconds.astype(np.int64)


def generate_batch(
    world: World, rng: np.random.Generator, n: int, counters: Counters, contract_rng: np.random.Generator
) -> Batch:
    """One batch of leads. `contract_rng` draws what only the contracts use (renewal timing, terms,
    down-sells), so the funnel's own draws, and every other table, do not depend on it."""
    tl = world.timeline
    acts = world.activities
    channels = config.CHANNELS
    exhibition = config.CHANNEL_INDEX["exhibition"]
    none_code = config.CHANNEL_INDEX[config.NO_CAMPAIGN]

    # --- leads: source campaign, channel, BU, creation time -------------------------------
    campaign, day = world.sampler.sample(rng, n)
    has_campaign = campaign >= 0
    channel = np.where(has_campaign, world.sampler.channel[np.maximum(campaign, 0)], none_code)
    bu = np.where(has_campaign, world.sampler.bu[np.maximum(campaign, 0)], -1)
    shared = bu < 0
    bu[shared] = rng.choice(len(config.BUSINESS_UNITS), size=int(shared.sum()), p=np.array(config.BU_MIX))
    created = tl.midnight(day) + _time_of_day(rng, n, channel == exhibition)

    # --- furthest stage from the planted conditional rates --------------------------------
    rates = np.array([c.rates for c in channels])[channel]  # n x 5
    reach = np.cumprod(rng.random((n, 5)) < rates, axis=1)
    furthest = reach.sum(axis=1)

    skip_mql_p = np.array([c.skip_mql for c in channels])[channel]
    skip_sal_p = np.array([c.skip_sal for c in channels])[channel]
    hand_raise_p = np.array([c.hand_raise for c in channels])[channel]
    skip_mql = (furthest >= SAL) & (rng.random(n) < skip_mql_p)
    skip_sal = (furthest >= OPP) & skip_mql & (rng.random(n) < skip_sal_p)
    skip_sal |= (furthest >= OPP) & ~skip_mql & (rng.random(n) < 0.03)
    mql_rec = (furthest >= MQL) & ~skip_mql
    sal_rec = (furthest >= SAL) & ~skip_sal
    by_raise = mql_rec & (rng.random(n) < hand_raise_p)
    if acts.raise_mix is None:
        by_raise[:] = False
    elif acts.topup is None:
        by_raise = mql_rec.copy()
    raise_at_creation = by_raise & (rng.random(n) < config.HAND_RAISE_AT_CREATION)
    accepted_early = sal_rec & mql_rec & (rng.random(n) < config.ACCEPTED_BEFORE_MQL)

    # --- activities: pre-MQL (guarded), the MQL trigger, afterwards -----------------------
    # Times first (they never depend on types), so each activity is scored under the
    # definition in force on its JST date, as the marts do.
    n_pre = np.where(
        furthest == LEAD,
        1 + rng.poisson(7.0, n),
        np.where(mql_rec, np.where(raise_at_creation, 0, 1 + rng.poisson(3.0, n)), 1 + rng.poisson(2.0, n)),
    )
    pre_owner, pre_starts, pre_pos = _segments(n_pre)
    first = pre_pos == 0
    pre_gap = np.where(
        first, 1 + rng.integers(0, 300, len(pre_owner)), _exp_seconds(rng, 5.0, len(pre_owner))
    )
    pre_offset = _segment_cumsum(pre_gap, n_pre)
    has_pre = n_pre > 0
    pre_span = np.zeros(n, dtype=np.int64)
    pre_span[has_pre] = pre_offset[(pre_starts + n_pre - 1)[has_pre]]
    # A lead that goes on has its pre-MQL activities within PRE_MQL_SPAN_DAYS (see config).
    pre_limit = np.where(furthest >= MQL, config.PRE_MQL_SPAN_DAYS * DAY, np.inf)
    pre_at = created[pre_owner] + _squeeze(pre_offset, pre_span[pre_owner], pre_limit[pre_owner])
    pre_types = np.empty(len(pre_owner), dtype=np.int64)
    warm = mql_rec[pre_owner]
    pre_types[warm] = _draw(rng, acts.warm, int(warm.sum()))
    pre_types[~warm] = _draw(rng, acts.cold, int((~warm).sum()))
    for code, mix in acts.first_touch.items():
        rows = first & (channel[pre_owner] == code)
        pre_types[rows] = _draw(rng, mix, int(rows.sum()))
    pre_types, pre_score = acts.guard(pre_types, _jst_day(pre_at), n_pre, np.zeros(n))
    last_pre_at = created.copy()
    last_pre_at[has_pre] = pre_at[(pre_starts + n_pre - 1)[has_pre]]

    # The MQL trigger: one hand-raise, or scoring activities until the threshold in force is reached.
    n_trig = np.zeros(n, dtype=np.int64)
    n_trig[by_raise] = 1
    trig_owner_parts, trig_at_parts, trig_type_parts = [], [], []
    raise_leads = np.flatnonzero(by_raise)
    if len(raise_leads):
        assert acts.raise_mix is not None
        gap = np.where(
            raise_at_creation[raise_leads],
            1 + rng.integers(0, 300, len(raise_leads)),
            _exp_seconds(rng, 2.0, len(raise_leads), cap_days=config.MQL_TRIGGER_DAYS),
        )
        trig_owner_parts.append(raise_leads)
        trig_at_parts.append(last_pre_at[raise_leads] + gap)
        trig_type_parts.append(_draw(rng, acts.raise_mix, len(raise_leads)))
    score_leads = np.flatnonzero(mql_rec & ~by_raise)
    if len(score_leads):
        assert acts.topup is not None
        k = len(score_leads)
        min_points = acts.points[:, acts.topup[0]].min()
        slots = int(np.ceil((acts.thresholds.max() - pre_score[score_leads].min()) / min_points)) + 1
        gaps = _exp_seconds(rng, 0.4, k * slots).reshape(k, slots)
        gaps[:, 0] = _exp_seconds(rng, 2.0, k)
        offsets = np.cumsum(gaps, axis=1)
        offsets = _squeeze(offsets, offsets[:, -1:], config.MQL_TRIGGER_DAYS * DAY)
        slot_at = last_pre_at[score_leads][:, None] + offsets
        candidates = _draw(rng, acts.topup, k * slots).reshape(k, slots)
        points, _, threshold = acts.score(candidates.reshape(-1), _jst_day(slot_at).reshape(-1))
        cumulative = pre_score[score_leads][:, None] + np.cumsum(points.reshape(k, slots), axis=1)
        qualifies = cumulative >= threshold.reshape(k, slots)
        if not qualifies.any(axis=1).all():
            raise ValueError("no MQL definition in the seeds is in force on some generated activity dates")
        needed = np.argmax(qualifies, axis=1) + 1
        n_trig[score_leads] = needed
        keep = np.arange(slots)[None, :] < needed[:, None]
        trig_owner_parts.append(np.repeat(score_leads, needed))
        trig_at_parts.append(slot_at[keep])
        trig_type_parts.append(candidates[keep])
    trig_owner = np.concatenate([*trig_owner_parts, np.zeros(0, np.int64)])
    order = np.argsort(trig_owner, kind="stable")  # lead-major, slots in order
    trig_owner = trig_owner[order]
    trig_at = np.concatenate([*trig_at_parts, np.zeros(0, np.int64)])[order]
    trig_types = np.concatenate([*trig_type_parts, np.zeros(0, np.int64)])[order]
    _, trig_starts, trig_pos = _segments(n_trig)
    _, raised, _ = acts.score(trig_types, _jst_day(trig_at))
    if not raised[by_raise[trig_owner]].all():
        raise ValueError("no MQL definition in the seeds is in force on some generated hand-raise dates")
    mql_at = np.zeros(n, dtype=np.int64)
    mql_at[mql_rec] = trig_at[(trig_starts + n_trig - 1)[mql_rec]]

    # Afterwards: sales activity, more marketing touches. Leads without a recorded MQL stay guarded.
    post_mean = np.array([0.0, 1.5, 2.5, 4.0, 5.0, 5.0])[furthest]
    n_post = rng.poisson(post_mean)
    post_owner, _, post_pos = _segments(n_post)
    post_gap = np.where(
        post_pos == 0, _exp_seconds(rng, 2.0, len(post_owner)), _exp_seconds(rng, 6.0, len(post_owner))
    )
    post_at = np.where(mql_rec, mql_at, last_pre_at)[post_owner] + _segment_cumsum(post_gap, n_post)
    post_types = _draw(rng, acts.post, len(post_owner))
    guarded = ~mql_rec
    guarded_rows = guarded[post_owner]
    if guarded_rows.any():
        post_types[guarded_rows], _ = acts.guard(
            post_types[guarded_rows], _jst_day(post_at[guarded_rows]), n_post[guarded], pre_score[guarded]
        )

    counts = n_pre + n_trig + n_post
    owner, starts, _ = _segments(counts)
    total = len(owner)
    types = np.empty(total, dtype=np.int64)
    activity_at = np.empty(total, dtype=np.int64)
    for rows_owner, rows_pos, rows_types, rows_at, offset in (
        (pre_owner, pre_pos, pre_types, pre_at, np.zeros(n, dtype=np.int64)),
        (trig_owner, trig_pos, trig_types, trig_at, n_pre),
        (post_owner, post_pos, post_types, post_at, n_pre + n_trig),
    ):
        destination = starts[rows_owner] + offset[rows_owner] + rows_pos
        types[destination] = rows_types
        activity_at[destination] = rows_at
    lead_first = np.arange(total, dtype=np.int64) == starts[owner]

    # Campaign touches.
    campaign_row = np.full(total, -1, dtype=np.int64)
    activity_day = _jst_day(activity_at) - tl.day0
    type_names = acts.names
    for type_name, (probability, touch_channels) in TOUCHES.items():
        if type_name not in type_names:
            continue
        rows = np.flatnonzero((types == type_names.index(type_name)) & ~lead_first)
        rows = rows[rng.random(len(rows)) < probability]
        which = rng.integers(len(touch_channels), size=len(rows))
        for k, channel_name in enumerate(touch_channels):
            chosen = rows[which == k]
            starts_days, members = world.touch_starts[config.CHANNEL_INDEX[channel_name]]
            if not len(members):
                continue
            index = np.searchsorted(starts_days, activity_day[chosen], side="right") - 1
            ok = index >= 0
            campaign_row[chosen[ok]] = members[index[ok]]
    campaign_row[lead_first] = campaign[owner[lead_first]]
    # The export date censors: nothing after it is written (a lead created just before it may
    # have no activity yet).
    export_at = world.export_at
    kept = activity_at <= export_at
    owner, activity_at, types, campaign_row = owner[kept], activity_at[kept], types[kept], campaign_row[kept]
    total = len(owner)
    last_activity_at = _last_per_lead(owner, activity_at, created)

    # --- inside sales: status changes ------------------------------------------------------
    sal_at = np.zeros(n, dtype=np.int64)
    anchor = np.where(mql_rec, mql_at, last_pre_at)
    normal = sal_rec & ~accepted_early
    sal_at[normal] = anchor[normal] + _exp_seconds(
        rng, 2.0, int(normal.sum()), 600, cap_days=config.SAL_DELAY_DAYS
    )
    early_span = np.maximum(mql_at[accepted_early] - created[accepted_early], 2)
    sal_at[accepted_early] = created[accepted_early] + np.maximum(
        1, (early_span * rng.uniform(0.2, 0.9, int(accepted_early.sum()))).astype(np.int64)
    )
    status_lead, status_at, status_code = [], [], []
    statuses = ("accepted", "rejected", "disqualified", "nurture")

    def add_status(mask: np.ndarray, at: np.ndarray, choices: tuple[str, ...], p: tuple[float, ...]) -> None:
        leads = np.flatnonzero(mask)
        status_lead.append(leads)
        status_at.append(at[leads] if len(at) == n else at)
        codes = np.array([statuses.index(c) for c in choices])
        status_code.append(codes[rng.choice(len(choices), size=len(leads), p=np.array(p))])

    dropped = (furthest == LEAD) & (rng.random(n) < 0.25)
    add_status(dropped, last_pre_at + _exp_seconds(rng, 3.0, n, 600), ("nurture", "rejected", "disqualified"),
               (0.45, 0.30, 0.25))  # fmt: skip
    not_accepted = (furthest == MQL) & (rng.random(n) < 0.7)
    add_status(not_accepted, mql_at + _exp_seconds(rng, 2.0, n, 600), ("nurture", "rejected", "disqualified"),
               (0.5, 0.35, 0.15))  # fmt: skip
    nurtured_first = sal_rec & (rng.random(n) < 0.1)
    add_status(nurtured_first, created + np.maximum(1, (sal_at - created) // 2), ("nurture",), (1.0,))
    add_status(sal_rec, sal_at, ("accepted",), (1.0,))
    qualified_out = sal_rec & (furthest == SAL) & (rng.random(n) < 0.5)
    add_status(
        qualified_out, sal_at + _exp_seconds(rng, 14.0, n, 3600), ("disqualified", "nurture"), (0.5, 0.5)
    )
    s_lead = np.concatenate(status_lead)
    s_at = _office_hours(rng, np.concatenate(status_at))
    s_code = np.concatenate(status_code)
    order = np.lexsort((s_at, s_lead))
    order = order[s_at[order] <= export_at]
    s_lead, s_at, s_code = s_lead[order], s_at[order], s_code[order]
    s_owner = _pick_owner(rng, world.inside_sales, bu[s_lead])
    s_owner_valid = rng.random(len(s_lead)) >= 0.03
    last_status_at = np.zeros(n, dtype=np.int64)
    if len(s_lead):
        np.maximum.at(last_status_at, s_lead, s_at)

    # --- field sales: opportunities and deals ---------------------------------------------
    reached_opp = furthest >= OPP
    opp_base = np.maximum(np.where(sal_rec, sal_at, 0), np.maximum(np.where(mql_rec, mql_at, 0), last_pre_at))
    first_opp_at = opp_base + _exp_seconds(rng, 10.0, n, 3600, cap_days=config.OPPORTUNITY_DELAY_DAYS)
    n_opp = np.where(reached_opp, 1 + (rng.random(n) < config.SECOND_OPPORTUNITY), 0)
    o_lead, _, o_ord = _segments(n_opp)
    o_created = first_opp_at[o_lead] + np.where(
        o_ord == 1, _exp_seconds(rng, 45.0, len(o_lead), DAY, cap_days=config.SECOND_OPPORTUNITY_DAYS), 0
    )
    o_created = _office_hours(rng, o_created)
    won_ord = np.where(n_opp == 2, rng.integers(0, 2, n), 0)
    o_won = (furthest[o_lead] >= WON) & (o_ord == won_ord[o_lead])
    by_export = o_created <= export_at
    o_lead, o_created, o_won = o_lead[by_export], o_created[by_export], o_won[by_export]
    opportunities = _opportunities(rng, world, o_created, bu[o_lead], o_won, counters.opportunity)
    o_ids = opportunities.pop("_ids")
    counters.opportunity += len(o_lead)
    # Opportunities that did not come from a lead (existing customers, partners).
    n_free = int(rng.binomial(n, config.NO_LEAD_OPPORTUNITIES_PER_LEAD))
    free_bu = rng.choice(len(config.BUSINESS_UNITS), size=n_free, p=np.array(config.BU_MIX))
    free_day = np.minimum(
        np.searchsorted(world.sampler.none_cdf, rng.random(n_free), side="right"), tl.n_days - 1
    )
    free_created = tl.midnight(free_day) + _time_of_day(rng, n_free, np.zeros(n_free, dtype=bool))
    free_won = rng.random(n_free) < 0.45
    by_export = free_created <= export_at
    free_created, free_bu, free_won = free_created[by_export], free_bu[by_export], free_won[by_export]
    n_free = len(free_created)
    free = _opportunities(rng, world, free_created, free_bu, free_won, counters.opportunity)
    free_ids = free.pop("_ids")
    counters.opportunity += n_free

    # Won = closed as won by the export date (the others are still open).
    won_rows = np.flatnonzero(opportunities["_won"])
    won_lead = o_lead[won_rows]
    free_won = free["_won"]
    free_deal_bu = free_bu[free_won]
    renews = np.concatenate(
        [furthest[won_lead] == RENEWED, rng.random(len(free_deal_bu)) < config.NO_LEAD_DEAL_RENEWAL]
    )
    deal_bu = np.concatenate([bu[won_lead], free_deal_bu])
    churn_p = np.concatenate(
        [
            1 - np.array([c.rates[4] for c in channels])[channel[won_lead]],
            np.full(len(free_deal_bu), 1 - config.NO_LEAD_DEAL_RENEWAL),
        ]
    )
    deals, renewal_day, contract_end = _deals(
        rng,
        signed_day=np.concatenate([opportunities["_signed_day"][won_rows], free["_signed_day"][free_won]]),
        opportunity_ids=pa.concat_arrays(
            [o_ids.take(pa.array(won_rows)), free_ids.filter(pa.array(free_won))]
        ),
        hundredths=np.concatenate([opportunities["_amount"][won_rows], free["_amount"][free_won]]),
        currency=np.concatenate([opportunities["_currency"][won_rows], free["_currency"][free_won]]),
        renews=renews,
        counters=counters,
        export_day=world.export_day,
        contract_rng=contract_rng,
        unit=deal_bu,
    )
    decided = contract_end + config.RENEWAL_GRACE_DAYS <= world.export_day
    contracts = {
        unit: (
            int((decided & (deal_bu == code)).sum()),
            float(churn_p[decided & (deal_bu == code)].sum()),
            float((churn_p * (1 - churn_p))[decided & (deal_bu == code)].sum()),
        )
        for code, unit in enumerate(config.BUSINESS_UNITS)
    }
    o_signed_day = opportunities["_signed_day"]
    opportunity_history = {
        name: pa.concat_arrays([values, free["_history"][name]])
        for name, values in opportunities["_history"].items()
    }
    for extra in ("_signed_day", "_amount", "_currency", "_won", "_history"):
        opportunities.pop(extra)
        free.pop(extra)
    opportunity_table = {
        name: pa.concat_arrays([values, free[name]]) for name, values in opportunities.items()
    }
    lead_ids = fmt.ids("LD-", np.arange(counters.lead + 1, counters.lead + n + 1), 9)
    opportunity_table["lead_id"] = pa.concat_arrays(
        [lead_ids.take(pa.array(o_lead)), pa.nulls(n_free, type=pa.string())]
    )

    # --- the furthest stage recorded by the export date, as the marts' rules find it -------
    never = np.iinfo(np.int64).max
    recorded = np.full((n, 6), never, dtype=np.int64)  # recorded time of each stage (never = none)
    recorded[:, LEAD] = created
    recorded[:, MQL] = np.where(mql_rec & (mql_at <= export_at), mql_at, never)
    accepted = s_code == statuses.index("accepted")
    np.minimum.at(recorded[:, SAL], s_lead[accepted], s_at[accepted])
    np.minimum.at(recorded[:, OPP], o_lead, o_created)
    recorded[won_lead, WON] = o_signed_day[won_rows] * DAY - JST  # signed on a date: its JST midnight
    lead_renewal_day = renewal_day[: len(won_rows)]
    renewed_rows = lead_renewal_day >= 0
    recorded[won_lead[renewed_rows], RENEWED] = lead_renewal_day[renewed_rows] * DAY - JST
    has = recorded < never
    realised = np.max(np.where(has, np.arange(6), 0), axis=1)
    if (realised > furthest).any():
        raise RuntimeError("internal: a lead recorded a stage beyond the one drawn for it")
    # Every stage is entered (recorded or implied by a later one) within its horizon (config).
    entered = np.minimum.accumulate(recorded[:, ::-1], axis=1)[:, ::-1]
    horizon = np.array(list(config.STAGE_HORIZON_DAYS.values()), dtype=np.int64) * DAY
    lag = np.where(entered < never, entered - created[:, None], 0)
    if (lag > horizon).any():
        raise RuntimeError("internal: a stage entered after config.STAGE_HORIZON_DAYS")

    # --- the lead rows -------------------------------------------------------------------
    crm_mql = np.where(mql_rec, mql_at, 0)
    late = mql_rec & (rng.random(n) < config.CRM_MQL_LATE)
    crm_mql[late] += _exp_seconds(rng, 2.0, int(late.sum()), 3600)
    missing = mql_rec & (rng.random(n) < config.CRM_MQL_MISSING)
    spurious = (furthest == LEAD) & (rng.random(n) < config.CRM_MQL_SPURIOUS)
    crm_mql[spurious] = last_pre_at[spurious]
    crm_mql_valid = ((mql_rec & ~missing) | spurious) & (crm_mql <= export_at)
    last_event = np.maximum(np.maximum(created, last_activity_at), last_status_at)
    updated = last_event + rng.integers(60, 2 * DAY, n)
    # Updated by the export at the latest: somewhere between the last event and the export.
    updated = np.where(
        updated <= export_at,
        updated,
        last_event + ((export_at - last_event) * rng.random(n)).astype(np.int64),
    )
    company = _companies(rng, n)

    leads = {
        "lead_id": lead_ids,
        "created_at": fmt.timestamps(created, _utc(rng, n)),
        "business_unit": fmt.take(pa.array(config.BUSINESS_UNITS), bu),
        "source_campaign_id": fmt.take(world.campaign_ids, np.maximum(campaign, 0), has_campaign),
        **company,
        "crm_mql_at": fmt.with_nulls(fmt.timestamps(crm_mql, _utc(rng, n)), crm_mql_valid),
        "updated_at": fmt.timestamps(updated, _utc(rng, n)),
    }
    activities = {
        "activity_id": fmt.ids("AC-", np.arange(counters.activity + 1, counters.activity + total + 1), 10),
        "lead_id": lead_ids.take(pa.array(owner)),
        "activity_at": fmt.timestamps(activity_at, _utc(rng, total)),
        "activity_type": fmt.take(pa.array(type_names, type=pa.string()), types),
        "campaign_id": fmt.take(world.campaign_ids, np.maximum(campaign_row, 0), campaign_row >= 0),
    }
    status_changes = {
        "lead_id": lead_ids.take(pa.array(s_lead)),
        "changed_at": fmt.timestamps(s_at, _utc(rng, len(s_lead))),
        "status": fmt.take(pa.array(statuses), s_code),
        "owner_id": fmt.take(world.owner_ids, s_owner, s_owner_valid),
    }
    counters.lead += n
    counters.activity += total
    return Batch(
        tables={
            "leads": leads,
            "lead_activities": activities,
            "lead_status_changes": status_changes,
            "opportunities": opportunity_table,
            "deals": deals,
            "opportunity_history": opportunity_history,
        },
        channel=channel,
        drawn=furthest,
        furthest=realised,
        contracts=contracts,
    )


def _opportunities(
    rng: np.random.Generator,
    world: World,
    created: np.ndarray,
    bu: np.ndarray,
    won: np.ndarray,
    first_number: int,
) -> dict[str, object]:
    """Opportunity columns (plus private _signed_day/_amount/_currency/_won for the deals).

    `won` is the drawn outcome; one that would close after the export date is still open in the
    export (no closed_at, no is_won, an open stage), and `_won` is only those won by then.
    """
    m = len(created)
    ids = fmt.ids("OP-", np.arange(first_number + 1, first_number + m + 1), 8)
    created_day = _jst_day(created)
    cycle = np.minimum(rng.exponential(25.0, m), config.SALES_CYCLE_DAYS - 3).astype(np.int64)
    signed_day = created_day + 3 + cycle
    lost = ~won & (rng.random(m) >= config.OPEN_OPPORTUNITY)
    closed_at = np.where(
        won,
        signed_day * DAY - JST + rng.integers(10 * 3600, 19 * 3600, m),
        _office_hours(rng, created + _exp_seconds(rng, 40.0, m, 7 * DAY)),
    )
    by_export = closed_at <= world.export_at  # for a won one: signed_day <= export day
    won = won & by_export
    lost = lost & by_export
    closed = won | lost
    stage_names = pa.array([*OPEN_STAGES, STAGE_WON, STAGE_LOST])
    stage = np.where(won, len(OPEN_STAGES), np.where(lost, len(OPEN_STAGES) + 1, rng.integers(0, 5, m)))
    usd = rng.random(m) < config.USD_OPPORTUNITY
    median = np.array([config.DEAL_SIZE[u][0] for u in config.BUSINESS_UNITS])[bu]
    sigma = np.array([config.DEAL_SIZE[u][1] for u in config.BUSINESS_UNITS])[bu]
    jpy = median * np.exp(rng.normal(0, 1, m) * sigma)
    amount = np.where(usd, np.round(jpy / 150 / 100) * 100, np.round(jpy / 10_000) * 10_000)
    amount = np.maximum(amount, np.where(usd, 100, 10_000)).astype(np.int64) * 100
    currency = np.where(usd, 1, np.where(rng.random(m) < config.EMPTY_CURRENCY, -1, 0))
    currency_text = fmt.take(pa.array(["JPY", "USD"]), np.maximum(currency, 0), currency >= 0)
    # Expected close date: the signing day it was drawn with; the day it closed once closed.
    close_day = np.where(closed, _jst_day(closed_at), signed_day)
    opportunity_history = history.history(
        rng.spawn(1)[0],
        history.Opportunities(
            ids=ids,
            created=created,
            closed_at=closed_at,
            closed=closed,
            won=won,
            open_stage=stage,
            close_day=close_day,
            amount=amount,
            usd=usd,
            currency=currency_text,
            export_at=int(world.export_at),
        ),
        stage_names,
        len(OPEN_STAGES),
    )
    return {
        "_ids": ids,
        "opportunity_id": ids,
        "business_unit": fmt.take(pa.array(config.BUSINESS_UNITS), bu),
        "owner_id": fmt.take(world.owner_ids, _pick_owner(rng, world.field_sales, bu), rng.random(m) >= 0.02),
        "created_at": fmt.timestamps(created, _utc(rng, m)),
        "stage": fmt.take(stage_names, stage),
        "amount": fmt.decimals(amount, False),
        "currency": currency_text,
        "closed_at": fmt.with_nulls(fmt.timestamps(closed_at, _utc(rng, m)), closed),
        "is_won": fmt.take(pa.array(["false", "true"]), won.astype(np.int64), closed),
        "close_date": fmt.dates(close_day),
        "_history": opportunity_history,
        "_signed_day": signed_day,
        "_amount": amount,
        "_currency": currency,
        "_won": won,
    }


def _deals(
    rng: np.random.Generator,
    signed_day: np.ndarray,
    opportunity_ids: pa.Array,
    hundredths: np.ndarray,
    currency: np.ndarray,
    renews: np.ndarray,
    counters: Counters,
    export_day: int,
    contract_rng: np.random.Generator,
    unit: np.ndarray,
) -> tuple[dict[str, pa.Array], np.ndarray, np.ndarray]:
    """New deals on won opportunities (one-year contracts), their renewals and a few expansions.

    A renewal is signed up to 45 days before the contract ends, or (config.LATE_RENEWAL) after it
    within the grace period, as late as the renewed stage's horizon allows (config.RENEWAL_DAYS
    after the new deal); it may down-sell (config.DOWN_SELL) and run two or three years
    (config.MULTI_YEAR). An expansion runs to the end of the contract it expands and is renewed
    with it, by its own renewal deal. A deal not renewed churns. Renewals and expansions signed
    after the export date are not written. Returns the deal columns, per new deal the day its
    renewal was signed (-1: none by the export date), and per new deal its contract_end day.
    """
    w = len(signed_day)
    if (signed_day > export_day).any():
        raise RuntimeError("internal: a new deal signed after the export date")
    new_numbers = np.arange(counters.deal + 1, counters.deal + w + 1)
    usd = currency == 1
    new_amount = _round_amount(hundredths * rng.uniform(0.85, 1.0, w), usd)
    start = _first_of_next_month(signed_day)
    end = _plus_year_minus_day(start)

    renewing = np.flatnonzero(renews)
    r_signed = end[renewing] - rng.integers(0, 46, len(renewing))
    r_factor = rng.uniform(0.95, 1.2, len(renewing))
    # Contract-only draws (contract_rng): late signing, down-sells, multi-year terms.
    room = signed_day[renewing] + config.RENEWAL_DAYS - end[renewing]  # days past the end the horizon allows
    late = (contract_rng.random(len(renewing)) < config.LATE_RENEWAL) & (room > 0)
    lateness = 1 + (contract_rng.random(len(renewing)) * np.minimum(room, config.RENEWAL_GRACE_DAYS)).astype(
        np.int64
    )
    # Signing later only ever drops a renewal past the export date, never adds one.
    kept_before = r_signed <= export_day
    r_signed = np.where(late, end[renewing] + np.minimum(lateness, np.maximum(room, 1)), r_signed)
    down = contract_rng.random(len(renewing)) < config.DOWN_SELL
    r_factor = np.where(down, contract_rng.uniform(0.6, 0.95, len(renewing)), r_factor)
    multi_p = np.array([config.MULTI_YEAR[u] for u in config.BUSINESS_UNITS])[unit[renewing]]
    years = np.where(
        contract_rng.random(len(renewing)) < multi_p, contract_rng.integers(2, 4, len(renewing)), 1
    )
    by_export = r_signed <= export_day
    kept = by_export[kept_before]  # of the renewals the batch stream drew for below
    renewing, r_signed, r_factor, years = (
        renewing[by_export],
        r_signed[by_export],
        r_factor[by_export],
        years[by_export],
    )
    r = len(renewing)
    renewal_numbers = np.arange(counters.deal + w + 1, counters.deal + w + r + 1)
    r_start = end[renewing] + 1
    r_end = _plus_months_minus_day(r_start, 12 * years)
    r_amount = _round_amount(new_amount[renewing] * r_factor * years, usd[renewing])
    renewal_day = np.full(w, -1, dtype=np.int64)
    renewal_day[renewing] = r_signed

    expanding = np.flatnonzero(rng.random(w) < config.EXPANSION)
    e_signed = start[expanding] + rng.integers(60, 300, len(expanding))
    e_factor = rng.uniform(0.2, 0.5, len(expanding))
    by_export = e_signed <= export_day
    expanding, e_signed, e_factor = expanding[by_export], e_signed[by_export], e_factor[by_export]
    e = len(expanding)
    expansion_numbers = np.arange(counters.deal + w + r + 1, counters.deal + w + r + e + 1)
    e_start = _first_of_next_month(e_signed)
    e_amount = _round_amount(new_amount[expanding] * e_factor, usd[expanding])

    # An expansion is renewed with the contract it expands: same day, term and factor.
    renewal_of = np.full(w, -1, dtype=np.int64)
    renewal_of[renewing] = np.arange(r)
    with_base = renewal_of[expanding] >= 0
    er_source = np.flatnonzero(with_base)  # positions among the expansions
    er_base = renewal_of[expanding[er_source]]  # positions among the renewals
    er = len(er_source)
    expansion_renewal_numbers = np.arange(counters.deal + w + r + e + 1, counters.deal + w + r + e + er + 1)
    er_amount = _round_amount(
        e_amount[er_source] * r_factor[er_base] * years[er_base], usd[expanding[er_source]]
    )
    counters.deal += w + r + e + er

    numbers = np.concatenate([new_numbers, renewal_numbers, expansion_numbers, expansion_renewal_numbers])
    deal_ids = fmt.ids("DL-", numbers, 8)
    kind = np.concatenate(
        [np.zeros(w, np.int64), np.ones(r, np.int64), np.full(e, 2, np.int64), np.ones(er, np.int64)]
    )
    source = np.concatenate([np.arange(w), renewing, expanding, expanding[er_source]])
    cur = currency[source]
    renewed_from = np.concatenate([np.zeros(w, np.int64), renewing, np.zeros(e, np.int64), w + r + er_source])
    renewal_opportunity = rng.random(len(kept))[kept] < 0.2
    opp_valid = np.concatenate([np.ones(w, bool), renewal_opportunity, np.ones(e, bool), np.zeros(er, bool)])
    columns = {
        "deal_id": deal_ids,
        "opportunity_id": fmt.with_nulls(opportunity_ids.take(pa.array(source)), opp_valid),
        "signed_at": fmt.dates(np.concatenate([signed_day, r_signed, e_signed, r_signed[er_base]])),
        "deal_type": fmt.take(pa.array(["new", "renewal", "expansion"]), kind),
        "amount": fmt.decimals(np.concatenate([new_amount, r_amount, e_amount, er_amount]), False),
        "currency": fmt.take(pa.array(["JPY", "USD"]), np.maximum(cur, 0), cur >= 0),
        "contract_start": fmt.dates(np.concatenate([start, r_start, e_start, r_start[er_base]])),
        "contract_end": fmt.dates(np.concatenate([end, r_end, end[expanding], r_end[er_base]])),
        "renewed_from_deal_id": fmt.take(deal_ids, renewed_from, kind == 1),
    }
    return columns, renewal_day, end


def _plus_months_minus_day(first_days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """The day before `months` months after each first-of-month day."""
    return (first_days.astype("datetime64[D]").astype("datetime64[M]") + months).astype(
        "datetime64[D]"
    ).astype(np.int64) - 1


def _round_amount(hundredths: np.ndarray, usd: np.ndarray) -> np.ndarray:
    """Round to 1,000 JPY or 10 USD, in hundredths."""
    unit = np.where(usd, 10 * 100, 1000 * 100)
    return np.maximum(np.round(hundredths / unit), 1).astype(np.int64) * unit


def _companies(rng: np.random.Generator, n: int) -> dict[str, pa.Array]:
    """company_name, company_domain and email for n leads."""

    cores = vocab.COMPANY_CORES
    core_weight = 1.0 / (np.arange(len(cores)) + 5.0)
    core = rng.choice(len(cores), size=n, p=core_weight / core_weight.sum())
    suffix = rng.integers(len(vocab.COMPANY_SUFFIXES), size=n)
    region = rng.integers(len(vocab.COMPANY_REGIONS), size=n)
    forms = vocab.LEGAL_FORMS
    form_p = np.array([f[2] for f in forms])
    form = rng.choice(len(forms), size=n, p=form_p / form_p.sum())
    half_width = np.array([any("\uff61" <= ch <= "\uff9f" for ch in f[0] + f[1]) for f in forms])[form]

    def text(values: list[str], codes: np.ndarray) -> pa.Array:
        return pa.array(values, type=pa.string()).take(pa.array(codes))

    def both(values: list[str], codes: np.ndarray) -> pa.Array:
        half = [jaconv.z2h(v, kana=True, ascii=False, digit=False) for v in values]
        return pc.if_else(pa.array(half_width), text(half, codes), text(values, codes))

    name = pc.binary_join_element_wise(
        text([f[0] for f in forms], form),
        both([r[0] for r in vocab.COMPANY_REGIONS], region),
        both([c[0] for c in cores], core),
        both([s[0] for s in vocab.COMPANY_SUFFIXES], suffix),
        text([f[1] for f in forms], form),
        "",
    )
    tld = (core * 7 + suffix * 13 + region * 3) % len(vocab.TLDS)
    region_roman = [f"{r[1]}-" if r[1] else "" for r in vocab.COMPANY_REGIONS]
    domain = pc.binary_join_element_wise(
        text(region_roman, region),
        text([c[1] for c in cores], core),
        text([f"-{s[1]}." for s in vocab.COMPANY_SUFFIXES], suffix),
        text(list(vocab.TLDS), tld),
        "",
    )
    family = rng.integers(len(vocab.FAMILY_NAMES), size=n)
    given = rng.integers(len(vocab.GIVEN_NAMES), size=n)
    family_r = text([f[1] for f in vocab.FAMILY_NAMES], family)
    given_r = text([g[1] for g in vocab.GIVEN_NAMES], given)
    pattern = rng.integers(0, 4, n)
    initial = pc.utf8_slice_codeunits(given_r, 0, 1)
    local = pc.case_when(
        pc.make_struct(pa.array(pattern == 0), pa.array(pattern == 1), pa.array(pattern == 2)),
        pc.binary_join_element_wise(given_r, family_r, "."),
        pc.binary_join_element_wise(family_r, given_r, "."),
        pc.binary_join_element_wise(initial, family_r, "-"),
        pc.binary_join_element_wise(family_r, given_r, "_"),
    )
    free_mail = rng.random(n) < 0.08
    mail_domain = pc.if_else(
        pa.array(free_mail), text(list(vocab.FREE_MAIL), rng.integers(len(vocab.FREE_MAIL), size=n)), domain
    )
    email = pc.binary_join_element_wise(local, mail_domain, "@")
    return {
        "company_name": fmt.with_nulls(name, rng.random(n) >= 0.01),
        "company_domain": fmt.with_nulls(domain, rng.random(n) >= 0.04),
        "email": fmt.with_nulls(email, rng.random(n) >= 0.02),
    }
