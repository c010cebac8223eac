"""Numbers as the dashboard shows them: money, counts, rates, days.

Every number on the page is formatted here, in Python, and shipped to the
page as text next to its raw value; the page's script never formats. Money is
in the build's reporting currency (marts.mart_build_settings), which the page
sets for the whole render (`reporting_currency`). The money rule (documented in
docs/dashboard.md):

Yen (JPY, the default), in Japanese (`ja`), the way Japanese business readers expect:
  - round to whole yen (half away from zero);
  - below 1万 (10,000): the yen with thousands separators, "5,000円";
  - from 1万 to below 1億 (100,000,000): in 万円; from 1億: in 億円;
  - in the chosen unit, 100 or more is shown as a whole number with separators
    ("500万円", "1,235万円", "12,346億円"), less than 100 to three significant
    digits without trailing zeros ("16万円", "11.7万円", "1.67億円");
  - a value that rounds up to the next unit moves to it (99,999,999 → "1億円").
Yen in English (`en`): "¥999", "¥116.7K", "¥5.0M", "¥1.7B" (one decimal from a thousand up).
Any other currency, in either language: the English rule with the ISO code for the sign, and
cents below a thousand: "USD 12.34", "USD 116.7K" (万 and 億 are units of yen reading, not of
dollars).
Negative values get a leading "-"; a missing value is "—".
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Lang = Literal["ja", "en"]
MISSING = "—"
YEN = "JPY"

_CURRENCY: ContextVar[str] = ContextVar("reporting_currency", default=YEN)


@contextmanager
def reporting_currency(code: str) -> Iterator[None]:
    """Inside: `money` formats amounts of currency `code` (ISO 4217, the build's var reporting_currency)."""
    token = _CURRENCY.set(code.strip().upper() or YEN)
    try:
        yield
    finally:
        _CURRENCY.reset(token)


def currency_title(lang: Lang) -> str:
    """An amount axis's title: 円 / JPY for yen, else the currency's code."""
    code = _CURRENCY.get()
    return ("円" if lang == "ja" else "JPY") if code == YEN else code


_JA_UNITS: tuple[tuple[int, str], ...] = ((10**8, "億円"), (10**4, "万円"))
_EN_UNITS: tuple[tuple[int, str], ...] = ((10**9, "B"), (10**6, "M"), (10**3, "K"))


def _decimal(value: float | int | Decimal) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _significant(value: Decimal) -> str:
    """A value in [1, 100) to three significant digits, trailing zeros dropped."""
    places = 2 if value < 10 else 1
    text = f"{_round(value, places):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _ja_yen(amount: Decimal) -> str:
    whole = _round(amount, 0)
    for index, (size, suffix) in enumerate(_JA_UNITS):
        if whole < size:
            continue
        scaled = amount / size
        if scaled >= 100:
            text = f"{int(_round(scaled, 0)):,}"
        else:
            text = _significant(scaled)
            if Decimal(text) >= 100:
                text = f"{int(Decimal(text)):,}"
        bigger = _JA_UNITS[index - 1] if index > 0 else None
        if bigger is not None and Decimal(text.replace(",", "")) * size >= bigger[0]:
            return f"1{bigger[1]}"
        return f"{text}{suffix}"
    return f"{int(whole):,}円"


def _en_amount(amount: Decimal, sign: str, places: int = 0) -> str:
    """The English rule, after the currency's `sign` ("¥", or "USD "); below a thousand to `places` decimals."""
    shown = _round(amount, places)
    for index, (size, suffix) in enumerate(_EN_UNITS):
        if shown < size:
            continue
        scaled = _round(amount / size, 1)
        bigger = _EN_UNITS[index - 1] if index > 0 else None
        if bigger is not None and scaled * size >= bigger[0]:
            return f"{sign}{_round(amount / bigger[0], 1):f}{bigger[1]}"
        return f"{sign}{scaled:,f}{suffix}"
    return f"{sign}{shown:,f}"


def money(value: float | int | Decimal | None, lang: Lang) -> str:
    """An amount in the reporting currency as a reader of `lang` expects it (see the module doc)."""
    if value is None:
        return MISSING
    amount = _decimal(value)
    code = _CURRENCY.get()
    places = 0 if code == YEN else 2
    sign = "-" if _round(amount, places) < 0 else ""
    if code != YEN:
        return sign + _en_amount(abs(amount), f"{code} ", places)
    return sign + (_ja_yen(abs(amount)) if lang == "ja" else _en_amount(abs(amount), "¥"))


def count(value: int | float | Decimal | None) -> str:
    """A count with thousands separators; a fractional one (a plan, a summed effect) to one decimal."""
    if value is None:
        return MISSING
    amount = _decimal(value)
    return f"{int(amount):,}" if amount == amount.to_integral_value() else number(value, 1)


def rate(value: float | None, places: int = 1) -> str:
    """A ratio as a percentage, "66.7%"."""
    if value is None:
        return MISSING
    return f"{_round(_decimal(value) * 100, places):f}%"


def signed(value: float | None, places: int = 1) -> str:
    """A signed number of things (won deals gained or lost), "+1.5" / "-3.0"."""
    if value is None:
        return MISSING
    rounded = _round(_decimal(value), places)
    return f"+{rounded:,f}" if rounded > 0 else f"{rounded:,f}"


def number(value: float | None, places: int = 1) -> str:
    """A plain number to `places` decimals."""
    return MISSING if value is None else f"{_round(_decimal(value), places):,f}"


def money_ticks(maximum: float, lang: Lang, count_hint: int = 5) -> tuple[list[float], list[str]]:
    """Round axis ticks from 0 to at least `maximum`, labelled with `money`."""
    if maximum <= 0:
        return [0.0], [money(0, lang)]
    raw_step = maximum / count_hint
    magnitude = Decimal(10) ** (len(str(int(raw_step))) - 1) if raw_step >= 1 else Decimal(1)
    step = next(
        float(magnitude * factor) for factor in (1, 2, 5, 10) if float(magnitude * factor) >= raw_step
    )
    ticks = [step * index for index in range(int(maximum // step) + 2)]
    return ticks, [money(tick, lang) for tick in ticks]


def money_log_ticks(low: float, high: float, lang: Lang) -> tuple[list[float], list[str]]:
    """Ticks at 1, 2 and 5 × a power of ten between `low` and `high` (> 0), labelled with `money`."""
    ticks: list[float] = []
    power = Decimal(10) ** (len(str(int(max(low, 1)))) - 1)
    while power <= Decimal(str(high)) * 10:
        ticks += [float(power * factor) for factor in (1, 2, 5) if low <= float(power * factor) <= high]
        power *= 10
    if len(ticks) > 7:  # keep it readable: powers of ten only
        ticks = [tick for tick in ticks if math.log10(tick).is_integer()]
    return ticks, [money(tick, lang) for tick in ticks]
