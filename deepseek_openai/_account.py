"""``get_balance`` / ``aget_balance``: the account balance from ``GET /user/balance``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import openai

from ._errors import DeepSeekError

__all__ = ["Balance", "CurrencyBalance", "aget_balance", "get_balance"]

_PATH = "/user/balance"


@dataclass(frozen=True)
class CurrencyBalance:
    """The balance in one currency; amounts as DeepSeek reports them (two decimals)."""

    currency: str
    """``"USD"`` or ``"CNY"``."""
    total: Decimal
    """``granted + topped_up``."""
    granted: Decimal
    """Granted (bonus) balance; DeepSeek spends it before the topped-up part."""
    topped_up: Decimal
    """Balance you paid for."""


@dataclass(frozen=True)
class Balance:
    """The account's balance: whether requests can be paid for, and the amount per currency."""

    is_available: bool
    """``False`` when the balance cannot pay for requests (DeepSeek then answers 402)."""
    balances: tuple[CurrencyBalance, ...]
    """One entry per currency DeepSeek reported."""

    def total(self, currency: str | None = None) -> Decimal:
        """Return the total balance in a currency.

        Args:
            currency: ``"USD"`` or ``"CNY"`` (case-insensitive); ``None`` means the account's only currency.

        Returns:
            The total, or ``Decimal("0")`` when DeepSeek lists nothing in that currency.

        Raises:
            ValueError: ``currency`` is ``None`` and the account lists more than one currency.
        """
        if currency is None:
            if len(self.balances) > 1:
                listed = ", ".join(b.currency for b in self.balances)
                raise ValueError(f"the account has balances in {listed}; pass currency=")
            return self.balances[0].total if self.balances else Decimal("0")
        wanted = currency.upper()
        return sum((b.total for b in self.balances if b.currency.upper() == wanted), Decimal("0"))


def _path(client: openai.OpenAI | openai.AsyncOpenAI) -> str:
    # /user/balance lives on the main base, not under /beta (api/get-user-balance).
    base = str(client.base_url).rstrip("/")
    if base.endswith("/beta"):
        return base[: -len("/beta")] + _PATH
    return _PATH  # relative: the SDK joins it to the client's base URL


def _bad(data: object) -> DeepSeekError:
    return DeepSeekError(
        f"GET /user/balance answered something that is not a DeepSeek balance: {str(data)[:200]!r}.",
        fix="check that the base URL points at DeepSeek (https://api.deepseek.com).",
    )


def _amount(entry: Mapping[str, Any], name: str) -> Decimal:
    value = entry.get(name, "0")
    try:
        return Decimal(str(value))  # amounts arrive as strings such as "110.00"
    except InvalidOperation:
        raise _bad(entry) from None


def parse_balance(data: object) -> Balance:
    """Return a :class:`Balance` from the JSON of ``GET /user/balance``; raise ``DeepSeekError`` on another shape."""
    if not isinstance(data, Mapping) or not isinstance(data.get("is_available"), bool):
        raise _bad(data)
    infos = data.get("balance_infos") or []
    if not isinstance(infos, list) or not all(isinstance(i, Mapping) for i in infos):
        raise _bad(data)
    balances = tuple(
        CurrencyBalance(
            currency=str(i.get("currency", "")),
            total=_amount(i, "total_balance"),
            granted=_amount(i, "granted_balance"),
            topped_up=_amount(i, "topped_up_balance"),
        )
        for i in infos
    )
    return Balance(is_available=data["is_available"], balances=balances)


def get_balance(client: openai.OpenAI) -> Balance:
    """Return the account balance (``GET /user/balance``).

    A beta client (``create_client(beta=True)``) works too: the request goes to the main base, where the endpoint
    lives.

    Args:
        client: a client from :func:`create_client`.

    Returns:
        A frozen :class:`Balance`.

    Raises:
        openai.APIStatusError: DeepSeek refused (401 bad key, ...); see :func:`explain`.
        DeepSeekError: the answer was not a balance (the base URL points elsewhere).
    """
    return parse_balance(client.get(_path(client), cast_to=object))


async def aget_balance(client: openai.AsyncOpenAI) -> Balance:
    """Return the account balance; the async twin of :func:`get_balance` (same arguments and errors)."""
    return parse_balance(await client.get(_path(client), cast_to=object))
