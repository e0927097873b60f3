"""Every price DeepSeek publishes, and the clock it follows: dated price lists, peak hours, Chinese public holidays.

Facts only, like ``_models.py`` (model names and limits): when DeepSeek changes a price or the holiday notice
for a new year appears, this file and the CHANGELOG change; ``_pricing.py`` reads these names at call time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from types import MappingProxyType

__all__ = [
    "BEIJING",
    "CN_HOLIDAYS",
    "CN_MAKEUP_WORKDAYS",
    "HOLIDAYS_KNOWN_THROUGH",
    "MAKEUP_WORKDAYS_ARE_PEAK",
    "PEAK_WINDOWS_UTC",
    "PRICES_EFFECTIVE",
    "PRICE_HISTORY",
    "TOOL_PRICES",
    "PriceEra",
    "PriceList",
    "Prices",
    "Rates",
    "ToolPrice",
]

PEAK_WINDOWS_UTC: tuple[tuple[time, time], ...] = ((time(1, 0), time(4, 0)), (time(6, 0), time(10, 0)))
"""Peak-price hours, Monday to Friday, in UTC (09:00-12:00 and 14:00-18:00 Beijing); all else is off-peak."""

BEIJING = timezone(timedelta(hours=8), "Beijing")
"""Beijing time (UTC+8, no daylight saving): the clock and calendar DeepSeek's peak hours and holidays follow."""

# Chinese public holidays are off-peak all day, Beijing date (quick_start/pricing, zh-cn; EN page silent).
# 2026 from the State Council notice of 2025-11-04. When the 2027 notice appears, extend these three names.
CN_HOLIDAYS: tuple[tuple[date, date], ...] = (
    (date(2026, 1, 1), date(2026, 1, 3)),
    (date(2026, 2, 15), date(2026, 2, 23)),
    (date(2026, 4, 4), date(2026, 4, 6)),
    (date(2026, 5, 1), date(2026, 5, 5)),
    (date(2026, 6, 19), date(2026, 6, 21)),
    (date(2026, 9, 25), date(2026, 9, 27)),
    (date(2026, 10, 1), date(2026, 10, 7)),
)
"""Chinese public holidays as (first day, last day) Beijing dates, inclusive; off-peak all day."""
CN_MAKEUP_WORKDAYS: tuple[date, ...] = tuple(
    date(2026, m, d) for m, d in ((1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10))
)
"""Weekend days the holiday notice makes working days (Beijing dates); see :data:`MAKEUP_WORKDAYS_ARE_PEAK`."""
HOLIDAYS_KNOWN_THROUGH = date(2026, 12, 31)
"""Last Beijing date :data:`CN_HOLIDAYS` covers; later dates are priced as if they had no public holiday."""
# Undocumented [!]: DeepSeek's pricing page calls weekends off-peak and says nothing of make-up working days
# (deepseek-api.md §18). We bill them as peak: cost() then never under-reports, and off-peak scheduling through
# is_peak() never lands on a day that may be billed at double. Flip this one constant if DeepSeek says otherwise.
MAKEUP_WORKDAYS_ARE_PEAK = True
"""Whether a weekend day made a working day by the holiday notice has peak hours (undocumented; see comment)."""


@dataclass(frozen=True)
class Rates:
    """Prices per one million tokens, in one currency, for one time band."""

    cache_hit: Decimal
    """Input tokens served from the context cache."""
    cache_miss: Decimal
    """Input tokens not in the cache."""
    output: Decimal
    """Output tokens, reasoning included."""


@dataclass(frozen=True)
class PriceList:
    """Peak and off-peak rates in one currency."""

    off_peak: Rates
    peak: Rates


@dataclass(frozen=True)
class Prices:
    """A model's prices. USD and CNY are separate lists, not an exchange rate; the account decides which applies."""

    usd: PriceList
    cny: PriceList

    def in_currency(self, currency: str) -> PriceList:
        """Return the list for ``"USD"`` or ``"CNY"`` (case-insensitive).

        Raises:
            ValueError: for any other currency.
        """
        key = currency.upper()
        if key == "USD":
            return self.usd
        if key == "CNY":
            return self.cny
        raise ValueError(f"currency must be 'USD' or 'CNY', got {currency!r}")


@dataclass(frozen=True)
class PriceEra:
    """One dated price list, in force from ``effective`` until the next entry of :data:`PRICE_HISTORY`."""

    effective: datetime
    """When the list took effect (UTC)."""
    usd: Mapping[str, PriceList]
    """USD prices by serving model id (``ModelInfo.served_by``); a model missing here had no known USD price."""
    cny: Mapping[str, PriceList]
    """CNY prices by serving model id; empty where only the USD list is known."""
    peak_hours: bool
    """Whether peak/off-peak pricing applied; without it ``peak`` and ``off_peak`` hold the same rates."""


def _rates(hit: str, miss: str, out: str) -> Rates:
    return Rates(Decimal(hit), Decimal(miss), Decimal(out))


def _flat(hit: str, miss: str, out: str) -> PriceList:
    return PriceList(off_peak=_rates(hit, miss, out), peak=_rates(hit, miss, out))


def _banded(off: tuple[str, str, str], peak: tuple[str, str, str]) -> PriceList:
    return PriceList(off_peak=_rates(*off), peak=_rates(*peak))


def _at(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=timezone.utc)


def _era(start: datetime, usd: dict[str, PriceList], cny: dict[str, PriceList], peak_hours: bool) -> PriceEra:
    return PriceEra(start, MappingProxyType(usd), MappingProxyType(cny), peak_hours)


# Off-peak is exactly half of peak (quick_start/pricing, effective 2026-09-10).
_PRO_NOW_USD = _banded(("0.022", "0.66", "1.98"), ("0.044", "1.32", "3.96"))
_PRO_NOW_CNY = _banded(("0.15", "4.5", "13.5"), ("0.30", "9", "27"))
_F, _P = "deepseek-flash", "deepseek-v4-pro"  # serving ids (_models.DEEPSEEK_FLASH, DEEPSEEK_V4_PRO)
# Days with no documented hour start at 00:00 Beijing (16:00 UTC the day before) [!]; CNY lists before 2026-09-10
# are not known (only USD was recorded), and deepseek-flash before 2026-04-24 means deepseek-chat/-reasoner (V3.2).
_V4_FLASH, _PRO_PROMO, _PRO_LIST = (
    _flat("0.0028", "0.14", "0.28"),
    _flat("0.03625", "0.435", "0.87"),
    _flat("0.145", "1.74", "3.48"),
)
PRICE_HISTORY: tuple[PriceEra, ...] = (
    _era(_at(2025, 11, 30, 16), {_F: _flat("0.028", "0.28", "0.42")}, {}, False),
    # V4 Preview: Flash hit cut to a tenth on 04-26; V4-Pro at 75 % off its list until 05-31 (news, 2026-04-24).
    _era(_at(2026, 4, 23, 16), {_F: _flat("0.028", "0.14", "0.28"), _P: _PRO_PROMO}, {}, False),
    _era(_at(2026, 4, 25, 16), {_F: _V4_FLASH, _P: _PRO_PROMO}, {}, False),
    _era(_at(2026, 5, 31, 16), {_F: _V4_FLASH, _P: _PRO_LIST}, {}, False),
    # Peak/off-peak pricing went live 2026-08-16 16:00 UTC (announced 08-13); V4-Pro's list has not changed since.
    _era(
        _at(2026, 8, 16, 16),
        {_F: _banded(("0.007", "0.22", "0.66"), ("0.014", "0.44", "1.32")), _P: _PRO_NOW_USD},
        {_P: _PRO_NOW_CNY},
        True,
    ),
    _era(
        _at(2026, 9, 10, 4),
        {_F: _banded(("0.003", "0.15", "0.60"), ("0.006", "0.30", "1.20")), _P: _PRO_NOW_USD},
        {_F: _banded(("0.02", "1", "4"), ("0.04", "2", "8")), _P: _PRO_NOW_CNY},
        True,
    ),
)
"""Every price list known, oldest first; a new DeepSeek price list is one more entry here."""

PRICES_EFFECTIVE = PRICE_HISTORY[-1].effective
"""When today's price list took effect (quick_start/pricing, unchanged in the 2026-11-15 snapshot)."""


@dataclass(frozen=True)
class ToolPrice:
    """The price of a standalone tool API (Search, Fetch), per ``per_calls`` successful calls; failures are free."""

    usd: Decimal
    cny: Decimal
    per_calls: int = 1000

    def per_call(self, currency: str) -> Decimal:
        """Return the price of one successful call in ``"USD"`` or ``"CNY"``.

        Raises:
            ValueError: for any other currency.
        """
        key = currency.upper()
        if key not in ("USD", "CNY"):
            raise ValueError(f"currency must be 'USD' or 'CNY', got {currency!r}")
        return (self.usd if key == "USD" else self.cny) / self.per_calls


# $0.75 / 5 CNY per 1,000 successful calls; empty results and errors are free (quick_start/pricing, 2026-10).
TOOL_PRICES: Mapping[str, ToolPrice] = MappingProxyType(
    {"search": ToolPrice(Decimal("0.75"), Decimal("5")), "fetch": ToolPrice(Decimal("0.75"), Decimal("5"))}
)
"""Per-call prices of ``/v1/tools/search`` and ``/v1/tools/fetch``, by tool name; read-only."""
