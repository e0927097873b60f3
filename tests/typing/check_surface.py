"""Type-checked (mypy --strict), not run: names outside ``__all__`` are still typed imports from the package."""

from __future__ import annotations

from datetime import datetime, tzinfo

from deepseek_openai import BEIJING, DEFAULT_BASE_URL, FILE_LIMITS, PRICES_EFFECTIVE, CurrencyBalance, PriceEra


def unlisted_names_keep_their_types(balance: CurrencyBalance, era: PriceEra) -> tuple[str, int, tzinfo, datetime]:
    currency: str = balance.currency
    return DEFAULT_BASE_URL + currency, FILE_LIMITS["image"], BEIJING, PRICES_EFFECTIVE
