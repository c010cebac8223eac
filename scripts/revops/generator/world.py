"""The fixed part of the demo company: calendar, owners, campaigns and their costs.

These tables are small (hundreds to tens of thousands of rows) and are built
once per run; the lead batches (revops.generator.funnel) sample from them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import holidays
import numpy as np

from revops.generator import config, vocab

EPOCH = dt.date(1970, 1, 1)
JST = 9 * 3600
SECONDS_PER_DAY = 86400

# Channels whose campaigns run continuously over a span (as opposed to dated events).
ALWAYS_ON = {"paid_search", "paid_social", "referral", "outbound"}


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass
class Timeline:
    """The window in which leads are created: [start, end), in JST days."""

    start: dt.date
    months: int
    end: dt.date = field(init=False)
    day0: int = field(init=False)  # days since 1970-01-01 of `start`
    n_days: int = field(init=False)
    weight: np.ndarray = field(init=False)  # relative lead volume per day
    month_index: np.ndarray = field(init=False)  # year*12 + month-1 per day
    weekday: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        if self.start.day != 1:
            raise ValueError("--start must be the first day of a month")
        self.end = add_months(self.start, self.months)
        self.day0 = (self.start - EPOCH).days
        self.n_days = (self.end - self.start).days
        days = [self.start + dt.timedelta(days=i) for i in range(self.n_days)]
        japan = holidays.country_holidays("JP", years=range(self.start.year, self.end.year + 1))
        self.month_index = np.array([d.year * 12 + d.month - 1 for d in days], dtype=np.int64)
        self.weekday = np.array([d.weekday() for d in days], dtype=np.int64)
        weight = np.array([config.SEASON[d.month] for d in days], dtype=np.float64)
        weight *= np.where(self.weekday == 5, 0.25, np.where(self.weekday == 6, 0.15, 1.0))
        off = np.array(
            [d in japan or (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3) for d in days]
        )
        weight[off & (self.weekday < 5)] *= 0.2
        self.weight = weight

    def date(self, rel_day: int) -> dt.date:
        return self.start + dt.timedelta(days=int(rel_day))

    def rel(self, day: dt.date) -> int:
        return (day - self.start).days

    def midnight(self, rel_days: np.ndarray) -> np.ndarray:
        """Unix seconds of JST midnight of relative days."""
        return (np.asarray(rel_days, dtype=np.int64) + self.day0) * SECONDS_PER_DAY - JST


def fiscal_year(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


@dataclass
class Owners:
    owner_id: list[str]
    name: list[str]
    team: list[str]
    business_unit: list[str | None]

    def ids_for(self, team: str) -> dict[int, np.ndarray]:
        """BU code -> indices of owners of `team` in that BU."""
        result = {}
        for code, unit in enumerate(config.BUSINESS_UNITS):
            result[code] = np.array(
                [
                    i
                    for i, (t, b) in enumerate(zip(self.team, self.business_unit, strict=True))
                    if t == team and b == unit
                ],
                dtype=np.int64,
            )
        return result


def make_owners(rng: np.random.Generator, leads: int) -> Owners:
    scale = max(1.0, leads / 200_000) ** 0.5
    per_bu = {
        "marketing": 3,
        "inside_sales": round(5 * scale),
        "field_sales": round(8 * scale),
        "customer_success": round(4 * scale),
    }
    used: set[str] = set()
    owners = Owners([], [], [], [])

    def person() -> str:
        while True:
            family = vocab.FAMILY_NAMES[rng.integers(len(vocab.FAMILY_NAMES))][0]
            given = vocab.GIVEN_NAMES[rng.integers(len(vocab.GIVEN_NAMES))][0]
            candidate = f"{family} {given}"
            if candidate not in used:
                used.add(candidate)
                return candidate

    slots = [("marketing", None), ("marketing", None)]  # shared marketing (全社マーケティング)
    for unit in config.BUSINESS_UNITS:
        for team, count in per_bu.items():
            slots += [(team, unit)] * count
    for number, (team, unit) in enumerate(slots, start=1):
        owners.owner_id.append(f"USR-{number:04d}")
        owners.name.append(person())
        owners.team.append(team)
        owners.business_unit.append(unit)
    return owners


@dataclass
class Campaign:
    name: str
    channel: str
    bu: int  # index into BUSINESS_UNITS, -1 = shared
    started_on: int  # relative day
    ended_on: int
    currency: str = "JPY"
    size: float = 1.0
    lead_days: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    lead_weights: np.ndarray = field(default_factory=lambda: np.zeros(0))
    gets_leads: bool = True
    has_cost: bool = True
    campaign_id: str = ""


def _pick_bu(rng: np.random.Generator, weights: tuple[float, float, float, float]) -> int:
    """A BU code, or -1 (shared) with the last weight."""
    choice = int(rng.choice(4, p=np.array(weights) / sum(weights)))
    return -1 if choice == 3 else choice


def _weekday_in(
    rng: np.random.Generator, tl: Timeline, first: int, last: int, days: tuple[int, ...]
) -> int | None:
    candidates = [d for d in range(max(first, 0), min(last, tl.n_days - 1) + 1) if tl.weekday[d] in days]
    return int(rng.choice(candidates)) if candidates else None


def _bu_label(bu: int) -> str:
    return "全社" if bu < 0 else config.BU_LABELS[config.BUSINESS_UNITS[bu]]


def make_campaigns(rng: np.random.Generator, tl: Timeline, currencies: list[str]) -> list[Campaign]:
    """The campaign calendar: dated events every month, always-on programmes per quarter."""
    campaigns: list[Campaign] = []
    topics = vocab.WEBINAR_TOPICS
    for m in range(tl.months):
        first_of_month = add_months(tl.start, m)
        month_first = tl.rel(first_of_month)
        month_last = tl.rel(add_months(tl.start, m + 1)) - 1
        season = config.SEASON[first_of_month.month]
        year = first_of_month.year
        # Trade shows (展示会): 2-3 days, midweek, more in busy months.
        for _ in range(1 + rng.poisson(season)):
            day = _weekday_in(rng, tl, month_first, month_last - 2, (1, 2, 3))
            if day is None:
                continue
            template = vocab.EXPOS[rng.integers(len(vocab.EXPOS))]
            name = template.format(
                city=vocab.CITIES[rng.integers(len(vocab.CITIES))],
                year=year,
                season=vocab.SEASONS_JA.get(first_of_month.month, "冬"),
            )
            campaigns.append(
                Campaign(name, "exhibition", _pick_bu(rng, (0.4, 0.15, 0.35, 0.1)), day,
                         day + int(rng.integers(1, 3)), size=float(rng.lognormal(0, 0.5)))
            )  # fmt: skip
        # Webinars and seminars: promotion then the event day.
        for channel, rate, promotion in (("webinar", 3.5, 21), ("seminar", 1.3, 30)):
            for _ in range(rng.poisson(rate)):
                event = _weekday_in(rng, tl, max(month_first, promotion), month_last, (1, 2, 3, 4))
                if event is None:
                    continue
                topic = topics[rng.integers(len(topics))]
                if channel == "webinar":
                    name = f"ウェビナー: {topic}"
                elif rng.random() < 0.3:
                    name = f"共催セミナー: {topic}"
                else:
                    name = f"{vocab.CITIES[rng.integers(len(vocab.CITIES))]}開催セミナー: {topic}"
                campaigns.append(
                    Campaign(f"{name} ({tl.date(event):%Y/%m/%d})", channel,
                             _pick_bu(rng, (0.5, 0.3, 0.2, 0.0)), event - promotion, event,
                             size=float(rng.lognormal(0, 0.4)))
                )  # fmt: skip
        # Content: white papers, case studies.
        for _ in range(rng.poisson(1.5)):
            day = _weekday_in(rng, tl, month_first, month_last, (0, 1, 2, 3, 4))
            if day is None:
                continue
            kind = vocab.CONTENT_KINDS[rng.integers(len(vocab.CONTENT_KINDS))]
            subject = (
                f"{vocab.INDUSTRIES[rng.integers(len(vocab.INDUSTRIES))]}編"
                if kind == "導入事例集"
                else topics[rng.integers(len(topics))]
            )
            campaigns.append(
                Campaign(f"{kind}: {subject}", "content", _pick_bu(rng, (0.5, 0.3, 0.2, 0.1)), day,
                         min(day + 89, tl.n_days - 1), size=float(rng.lognormal(0, 0.5)))
            )  # fmt: skip
        # The monthly newsletter (shared).
        day = _weekday_in(rng, tl, month_first, month_first + 9, (1, 2, 3))
        if day is not None:
            campaigns.append(
                Campaign(f"メルマガ {first_of_month.year}年{first_of_month.month}月号", "email", -1, day,
                         min(day + 9, tl.n_days - 1), size=float(rng.lognormal(0, 0.3)))
            )  # fmt: skip
        # Overseas trade shows, priced in foreign currency: one per currency a year.
        for position, currency in enumerate(c for c in currencies if c != "JPY"):
            show_month = {"USD": 1, "EUR": 4}.get(currency, 6 + position)
            if first_of_month.month != show_month:
                continue
            template = vocab.OVERSEAS_EXPOS.get(currency, f"海外展示会 ({currency}) {{year}}")
            day = _weekday_in(rng, tl, month_first + 5, month_last - 3, (1, 2))
            if day is not None:
                campaigns.append(
                    Campaign(template.format(year=year), "exhibition", 2, day, day + 3, currency=currency,
                             size=float(rng.lognormal(-1.0, 0.3)))
                )  # fmt: skip
    # Always-on programmes per fiscal quarter / half and BU.
    quarter_start = dt.date(tl.start.year, ((tl.start.month - 1) // 3) * 3 + 1, 1)
    while quarter_start < tl.end:
        quarter_end = add_months(quarter_start, 3)
        first, last = max(0, tl.rel(quarter_start)), min(tl.n_days, tl.rel(quarter_end)) - 1
        fy = fiscal_year(quarter_start)
        quarter = ((quarter_start.month - 4) % 12) // 3 + 1
        label = f"{fy}年度 Q{quarter}"
        for bu in range(len(config.BUSINESS_UNITS)):
            unit = _bu_label(bu)
            campaigns.append(Campaign(f"Google 検索広告 [{unit}] {label}", "paid_search", bu, first, last,
                                      size=float(rng.lognormal(0, 0.2))))  # fmt: skip
            campaigns.append(Campaign(f"Facebook・Instagram 広告 [{unit}] {label}", "paid_social", bu, first,
                                      last, size=float(rng.lognormal(-0.3, 0.2))))  # fmt: skip
            segment = vocab.OUTBOUND_SEGMENTS[rng.integers(len(vocab.OUTBOUND_SEGMENTS))]
            campaigns.append(Campaign(f"アウトバウンド: {segment} [{unit}] {label}", "outbound", bu, first, last,
                                      size=float(rng.lognormal(0, 0.3))))  # fmt: skip
            topic = topics[rng.integers(len(topics))]
            campaigns.append(Campaign(f"ナーチャリングメール: {topic} [{unit}] {label}", "email", bu, first,
                                      last, size=float(rng.lognormal(-0.5, 0.3))))  # fmt: skip
            if quarter in (1, 3):
                half = "上期" if quarter == 1 else "下期"
                half_last = min(tl.n_days, tl.rel(add_months(quarter_start, 6))) - 1
                campaigns.append(Campaign(f"パートナー紹介プログラム [{unit}] {fy}年度 {half}", "referral", bu,
                                          first, half_last, size=float(rng.lognormal(0, 0.2))))  # fmt: skip
                campaigns.append(Campaign(f"Yahoo!検索広告 [{unit}] {fy}年度 {half}", "paid_search", bu, first,
                                          half_last, size=float(rng.lognormal(-0.7, 0.2))))  # fmt: skip
                if "USD" in currencies:
                    campaigns.append(Campaign(f"LinkedIn 広告 [{unit}] {fy}年度 {half}", "paid_social", bu,
                                              first, half_last, currency="USD",
                                              size=float(rng.lognormal(-1.2, 0.2))))  # fmt: skip
        other = vocab.OTHER_CAMPAIGNS[rng.integers(len(vocab.OTHER_CAMPAIGNS))]
        campaigns.append(
            Campaign(f"{other} {label}", "other", -1, first, last, size=float(rng.lognormal(0, 0.4)))
        )
        quarter_start = quarter_end
    if not campaigns:
        raise ValueError("the window is too short to hold any campaign")

    for campaign in campaigns:
        _lead_shape(campaign, tl)
    order = sorted(range(len(campaigns)), key=lambda i: (campaigns[i].started_on, campaigns[i].name))
    campaigns = [campaigns[i] for i in order]
    for number, campaign in enumerate(campaigns, start=1):
        campaign.campaign_id = f"CMP-{number:05d}"
    # Campaigns that spend without making leads (brand, cancelled, or tracking broken).
    eligible = [i for i, c in enumerate(campaigns) if c.channel not in ("referral", "outbound")]
    silent = rng.choice(
        eligible, size=max(1, round(config.CAMPAIGNS_WITHOUT_LEADS * len(campaigns))), replace=False
    )
    for i in silent:
        campaigns[int(i)].gets_leads = False
    by_name = {c.name: c for c in config.CHANNELS}
    for campaign in campaigns:
        campaign.has_cost = bool(rng.random() >= by_name[campaign.channel].no_cost)
    # Every channel keeps at least one campaign with leads.
    for channel in config.CAMPAIGN_CHANNELS:
        members = [c for c in campaigns if c.channel == channel]
        if members and not any(c.gets_leads for c in members):
            members[0].gets_leads = True
    return campaigns


def _lead_shape(campaign: Campaign, tl: Timeline) -> None:
    """Which days a campaign creates leads on, and how many relative to each other."""
    days = np.arange(campaign.started_on, campaign.ended_on + 1, dtype=np.int64)
    k = np.arange(len(days), dtype=np.float64)
    base = tl.weight[days]
    channel = campaign.channel
    if channel == "exhibition":
        weights = np.ones(len(days))  # badge scans on the show days
    elif channel in ("webinar", "seminar"):
        weights = base * (1.0 + 3.0 * k / max(1, len(days) - 1))
        weights[-1] = weights.max() * 1.5  # registrations on the day
    elif channel == "content":
        weights = base * np.exp(-k / 30)
    elif channel == "email":
        weights = base * np.exp(-k / 3) if len(days) <= 14 else base
    elif channel == "other":
        weights = base * np.exp(-k / 20)
    else:
        weights = base.copy()
    campaign.lead_days = days
    if channel in ALWAYS_ON or (channel == "email" and len(days) > 14):
        # A programme's volume grows with its length and the season it spans.
        campaign.lead_weights = weights * campaign.size
    else:
        month = tl.date(campaign.ended_on).month
        campaign.lead_weights = weights / weights.sum() * campaign.size * config.SEASON[month] * 30


@dataclass
class CampaignSampler:
    """Samples (campaign, day) for new leads. Campaign -1 = no source campaign."""

    probability: np.ndarray  # per campaign, P(a lead comes from it)
    keys: np.ndarray  # campaign index + within-campaign day CDF, ascending
    key_days: np.ndarray  # relative day of each key
    none_cdf: np.ndarray  # day CDF for leads without a campaign
    channel: np.ndarray  # channel index per campaign
    bu: np.ndarray  # BU code per campaign (-1 shared)

    @classmethod
    def build(cls, campaigns: list[Campaign], tl: Timeline) -> CampaignSampler:
        channel = np.array([config.CHANNEL_INDEX[c.channel] for c in campaigns], dtype=np.int64)
        mass = np.array([c.lead_weights.sum() if c.gets_leads else 0.0 for c in campaigns])
        probability = np.zeros(len(campaigns))
        shares = {c.name: c.share for c in config.CHANNELS}
        total_share = sum(shares.values())
        for name in config.CAMPAIGN_CHANNELS:
            members = channel == config.CHANNEL_INDEX[name]
            if members.any() and mass[members].sum() > 0:
                probability[members] = shares[name] / total_share * mass[members] / mass[members].sum()
        keys, key_days = [], []
        for index, campaign in enumerate(campaigns):
            weights = (
                campaign.lead_weights if campaign.lead_weights.sum() > 0 else np.ones(len(campaign.lead_days))
            )
            cdf = np.cumsum(weights) / weights.sum()
            cdf[-1] = 1.0
            keys.append(index + cdf)
            key_days.append(campaign.lead_days)
        none_cdf = np.cumsum(tl.weight) / tl.weight.sum()
        none_cdf[-1] = 1.0
        return cls(
            probability=probability,
            keys=np.concatenate(keys),
            key_days=np.concatenate(key_days),
            none_cdf=none_cdf,
            channel=channel,
            bu=np.array([c.bu for c in campaigns], dtype=np.int64),
        )

    def sample(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(campaign index or -1, relative creation day) for n new leads."""
        cdf = np.cumsum(self.probability)
        total = cdf[-1]  # = 1 - share of leads without a campaign (when every channel has campaigns)
        u = rng.random(n)
        campaign = np.where(
            u >= total, -1, np.minimum(np.searchsorted(cdf, u, side="right"), len(self.probability) - 1)
        )
        within = rng.random(n)
        day = np.empty(n, dtype=np.int64)
        has = campaign >= 0
        position = np.searchsorted(self.keys, campaign[has] + within[has], side="right")
        day[has] = self.key_days[np.minimum(position, len(self.key_days) - 1)]
        day[~has] = np.minimum(
            np.searchsorted(self.none_cdf, within[~has], side="right"), len(self.none_cdf) - 1
        )
        return campaign, day


@dataclass
class CostRows:
    campaign: np.ndarray  # campaign index
    day: np.ndarray  # relative day
    hundredths: np.ndarray  # amount x 100 in the campaign currency


def make_costs(
    rng: np.random.Generator,
    campaigns: list[Campaign],
    sampler: CampaignSampler,
    tl: Timeline,
    leads: int,
    fx: dict[str, dict[int, float]],
) -> CostRows:
    """Daily spend rows. Budgets follow the channel's cost per lead, so cost per lead stays realistic at any N."""
    cpl = {c.name: c.cost_per_lead for c in config.CHANNELS}
    rows_campaign, rows_day, rows_amount = [], [], []
    for index, campaign in enumerate(campaigns):
        if not campaign.has_cost:
            continue
        expected = leads * sampler.probability[index]
        if not campaign.gets_leads:
            peers = sampler.probability[
                (sampler.channel == sampler.channel[index]) & (sampler.probability > 0)
            ]
            expected = leads * (peers.mean() if len(peers) else 1e-4)
        budget = max(expected, 1.0) * cpl[campaign.channel] * rng.lognormal(0, 0.25)
        days = campaign.lead_days
        n = len(days)
        channel = campaign.channel
        if channel in ("paid_search", "paid_social"):
            share = tl.weight[days] * rng.gamma(8.0, 1 / 8.0, n)
            share[rng.random(n) < 0.03] = 0.0  # paused days
        elif channel == "exhibition":
            share = np.full(n, 0.25 / max(1, n - 1)) if n > 1 else np.ones(1)
            share[0] = 0.75 if n > 1 else 1.0  # booth fee on the first day
        elif channel == "webinar":
            share = np.full(n, 0.7 / n)
            share[0] += 0.3
        elif channel == "seminar":
            share = np.full(n, 0.5 / n)
            share[-1] += 0.5  # venue on the day
        elif channel == "content":
            share = np.zeros(n)
            share[: min(n, 30)] = 0.4 / min(n, 30)
            share[0] += 0.6  # production fee
        elif channel == "referral":
            share = np.where(np.array([tl.date(d).day for d in days]) == 25, 1.0, 0.0)  # monthly partner fees
            if share.sum() == 0:
                share[-1] = 1.0
        else:
            share = np.zeros(n)
            share[0] = 1.0  # one-off: list purchase, newsletter send, ad placement
        share = share / share.sum()
        jpy = budget * share
        keep = share > 0 if channel not in ("paid_search", "paid_social") else np.ones(n, dtype=bool)
        if campaign.currency == "JPY":
            hundredths = np.round(jpy).astype(np.int64) * 100
        else:
            rates = np.array([_rate(fx, campaign.currency, int(tl.month_index[d])) for d in days])
            hundredths = np.round(jpy / rates * 100).astype(np.int64)
        rows_campaign.append(np.full(int(keep.sum()), index, dtype=np.int64))
        rows_day.append(days[keep])
        rows_amount.append(hundredths[keep])
    return CostRows(np.concatenate(rows_campaign), np.concatenate(rows_day), np.concatenate(rows_amount))


def _rate(fx: dict[str, dict[int, float]], currency: str, month: int) -> float:
    table = fx[currency]
    if month in table:
        return table[month]
    nearest = min(table, key=lambda m: abs(m - month))
    return table[nearest]
