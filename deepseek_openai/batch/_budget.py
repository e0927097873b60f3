"""What a batch may spend: a reply's price, a request's worst-case cost, and the ``max_cost`` budget."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .._models import model_info
from .._usage import Usage, _default_moment, cost_breakdown, usage_of

__all__ = ["CURRENCIES", "Budget", "price", "priced", "worst_cost"]

_MILLION = Decimal(1_000_000)
_UNIT = 1_000_000  # tokens: the cost of a million of each kind is the price list's rate
_IMAGE_TOKENS = (
    2048  # an image is "≤ ~1,024 tokens after resize" (guides/vision, secondary [!]): twice that, to be safe
)


CURRENCIES = ("USD", "CNY")


def price(body: Any, model: str) -> dict[str, Decimal]:
    """Return a reply's cost per currency at its ``created`` time; empty when it has no usage or an unknown model."""
    return priced(body, model)[1]


def priced(body: Any, model: str) -> tuple[Usage | None, dict[str, Decimal]]:
    """Return a reply's usage (read once) and its cost per currency at one moment (a batch prices every reply)."""
    try:
        counts = usage_of(body)
        name = str(body.get("model") or model)
        at = _default_moment(body, None)
        if at is None:  # no ``created``: priced now, so nothing to reuse
            return counts, {c: cost_breakdown(counts, name, currency=c).total for c in CURRENCIES}
        amounts = {}
        for currency in CURRENCIES:
            hit, miss, out = _rates(name, at, currency)
            amounts[currency] = (
                counts.cache_hit_tokens * hit / _MILLION
                + counts.cache_miss_tokens * miss / _MILLION
                + counts.completion_tokens * out / _MILLION
            )
        return counts, amounts
    except (ValueError, KeyError, TypeError):
        return None, {}


@functools.lru_cache(maxsize=256)
def _rates(model: str, at: float, currency: str) -> tuple[Decimal, Decimal, Decimal]:
    # Prices per million tokens (hit, miss, output) at a reply's ``created`` second, as cost_breakdown picks them:
    # replies of a batch share a handful of seconds, and choosing the price list is most of pricing one.
    each = Usage(cache_hit_tokens=_UNIT, cache_miss_tokens=_UNIT, completion_tokens=_UNIT)
    unit = cost_breakdown(each, model, at=at, currency=currency)
    return unit.cache_hit, unit.cache_miss, unit.output


def worst_cost(body: Mapping[str, Any], size: int, currency: str) -> Decimal:
    """Return the most a request can cost at today's peak price: every input byte a token, all output allowed.

    Input: the request's length in bytes bounds its tokens (a token is at least one byte), plus an allowance per
    image. Output: ``max_tokens`` when given, else DeepSeek's default for the request's thinking mode (8K thinking
    off, 64K on, 128K at effort ``max``: api/create-chat-completion).

    Args:
        body: the chat request body (its ``model`` must be known).
        size: the request's length in bytes.
        currency: ``"USD"`` or ``"CNY"``.
    """
    info = model_info(str(body.get("model")))
    rates = info.prices.in_currency(currency).peak
    asked = body.get("max_tokens", body.get("max_completion_tokens"))
    if isinstance(asked, int) and not isinstance(asked, bool) and asked > 0:
        out = min(asked, info.max_output_tokens)
    else:
        out = _default_output(body, info)
    images = sum(
        1
        for message in body.get("messages") or ()
        if isinstance(message, Mapping) and isinstance(message.get("content"), list)
        for part in message["content"]
        if isinstance(part, Mapping) and part.get("type") == "image_url"
    )
    tokens_in = size + images * _IMAGE_TOKENS
    return (tokens_in * rates.cache_miss + out * rates.output) / _MILLION


def _default_output(body: Mapping[str, Any], info: Any) -> int:
    thinking = body.get("thinking")
    effort = body.get("reasoning_effort")
    off = (isinstance(thinking, Mapping) and thinking.get("type") == "disabled") or effort == "none"
    if info.legacy_thinking is False and not isinstance(thinking, Mapping):
        off = True  # deepseek-chat: thinking off unless the request asks for it
    if off:
        return int(info.default_output_tokens)
    return int(info.default_output_tokens_max_effort if effort == "max" else info.default_output_tokens_thinking)


class Budget:
    """``max_cost``: each request's worst case is reserved before it is sent and settled on its reply.

    Requests in flight and waiting to retry hold their reservation, so the job's cost (earlier runs included)
    never passes the budget.

    Args:
        limit: the budget (``None``: no budget; every request fits).
        prior: what earlier runs of the job cost.
    """

    def __init__(self, limit: Decimal | None, prior: Decimal) -> None:
        self.limit = limit
        self.prior = prior
        self.reserved = Decimal(0)
        self.spent = Decimal(0)
        self.holders = 0
        self._changed = asyncio.Event()

    def fits(self, worst: Decimal) -> bool:
        """Whether a request that may cost ``worst`` can be sent without the job possibly passing the budget."""
        return self.limit is None or self.prior + self.spent + self.reserved + worst <= self.limit

    async def reserve(self, worst: Decimal) -> bool:
        """Reserve ``worst``, waiting for requests in flight to settle; ``False`` when it can never fit."""
        while not self.fits(worst):
            if not self.holders:
                return False
            self._changed.clear()
            await self._changed.wait()
        self.reserved += worst
        self.holders += 1
        return True

    def settle(self, worst: Decimal, actual: Decimal) -> None:
        """Replace a reservation by what the reply cost (0 for a request that got no reply)."""
        self.reserved -= worst
        self.holders -= 1
        self.spent += actual
        self._changed.set()
