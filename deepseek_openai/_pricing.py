"""Which price list and which band apply at a moment: dated lists, peak hours, Chinese public holidays.

The facts (lists, hours, holidays) are data in ``_prices.py``, read at call time (``_prices.X``), so changing a
table there is the whole change; this module only looks them up. ``is_peak`` and ``cost`` are built on it.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from . import _prices
from ._models import model_info
from ._prices import BEIJING, PEAK_WINDOWS_UTC, PriceEra, PriceList

__all__ = ["beijing_date", "is_holiday", "peak_at", "price_list_at"]


def beijing_date(moment: datetime) -> date:
    """Return the Beijing calendar date of an aware moment (the date peak hours and holidays follow)."""
    return moment.astimezone(BEIJING).date()


def is_holiday(day: date | datetime) -> bool:
    """Return whether a day is a Chinese public holiday (off-peak all day), as far as the calendar is known.

    Args:
        day: a Beijing date, or an aware datetime (converted to its Beijing date).

    Returns:
        ``True`` for a day in ``CN_HOLIDAYS``; ``False`` otherwise, including every day after
        ``HOLIDAYS_KNOWN_THROUGH`` (not known yet).
    """
    if isinstance(day, datetime):
        day = beijing_date(day)
    return any(first <= day <= last for first, last in _prices.CN_HOLIDAYS)


def _era_at(moment: datetime) -> PriceEra | None:
    return next((era for era in reversed(_prices.PRICE_HISTORY) if era.effective <= moment), None)


def peak_at(moment: datetime) -> bool:
    """Whether peak prices apply at an aware UTC moment (see ``is_peak`` for the rules)."""
    era = _era_at(moment)
    if era is None or not era.peak_hours:
        return False
    day = beijing_date(moment)
    if is_holiday(day):
        return False
    if day.weekday() >= 5 and not (_prices.MAKEUP_WORKDAYS_ARE_PEAK and day in _prices.CN_MAKEUP_WORKDAYS):
        return False
    now = moment.astimezone(timezone.utc).time()
    return any(start <= now < end for start, end in PEAK_WINDOWS_UTC)


def _table(era: PriceEra, currency: str) -> dict[str, PriceList]:
    return dict(era.usd if currency == "USD" else era.cny)


def price_list_at(model: str, currency: str, moment: datetime) -> tuple[PriceList, PriceEra, tuple[str, ...]]:
    """Return the list in force for a model at a moment, that list's era, and caveats when it is a guess.

    Raises:
        UnknownModelError: the model id is unknown.
        ValueError: the currency is neither USD nor CNY.
    """
    served = model_info(model).served_by
    key = currency.upper()
    if key not in ("USD", "CNY"):
        raise ValueError(f"currency must be 'USD' or 'CNY', got {currency!r}")
    era = _era_at(moment)
    caveats: list[str] = []
    if era is None or served not in _table(era, key):
        # Before the first list known for this model and currency: the earliest one stands in, and we say so.
        era = next(e for e in _prices.PRICE_HISTORY if served in _table(e, key))
        caveats.append(
            f"{moment:%Y-%m-%d %H:%M} UTC is before the first {key} price list known for {served} "
            f"({era.effective:%Y-%m-%d %H:%M} UTC); priced with that list."
        )
    day = beijing_date(moment)
    known = _prices.HOLIDAYS_KNOWN_THROUGH
    if day > known and peak_at(moment):
        caveats.append(
            f"Chinese public holidays are known through {known}; if {day} (Beijing) is one, "
            "it is off-peak all day and this peak price is too high."
        )
    return _table(era, key)[served], era, tuple(caveats)
