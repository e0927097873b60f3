"""Token usage and what it costs: ``usage_of``, ``cost``, ``cost_breakdown`` and ``is_peak``.

Prices, peak hours and holidays come from ``_prices.py`` (looked up by ``_pricing.py``); this module only reads
usage objects and does arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from ._errors import DeepSeekError
from ._pricing import peak_at, price_list_at

__all__ = ["Cost", "NoUsageError", "Usage", "cost", "cost_breakdown", "is_peak", "usage_of"]

_MILLION = Decimal(1_000_000)


class NoUsageError(DeepSeekError, ValueError):
    """The object given carries no token usage (also a ``ValueError``)."""


@dataclass(frozen=True)
class Usage:
    """Token counts of one request (or, added with ``+``, of several), in DeepSeek's terms."""

    prompt_tokens: int = 0
    """All input tokens: ``cache_hit_tokens + cache_miss_tokens``."""
    cache_hit_tokens: int = 0
    """Input tokens served from the context cache (the cheap input price)."""
    cache_miss_tokens: int = 0
    """Input tokens not in the cache."""
    completion_tokens: int = 0
    """Output tokens, reasoning tokens included."""
    reasoning_tokens: int = 0
    """The part of ``completion_tokens`` spent on thinking (billed as output)."""
    total_tokens: int = 0
    """``prompt_tokens + completion_tokens``."""

    def __add__(self, other: Usage) -> Usage:
        if not isinstance(other, Usage):
            return NotImplemented
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.cache_hit_tokens + other.cache_hit_tokens,
            self.cache_miss_tokens + other.cache_miss_tokens,
            self.completion_tokens + other.completion_tokens,
            self.reasoning_tokens + other.reasoning_tokens,
            self.total_tokens + other.total_tokens,
        )

    def __radd__(self, other: object) -> Usage:
        # sum(usages) starts from the int 0: 0 + usage is the usage.
        if type(other) is int and other == 0:
            return self
        return NotImplemented


@dataclass(frozen=True)
class Cost:
    """What one usage cost, split by price line, in one currency."""

    cache_hit: Decimal
    """Input tokens served from the cache."""
    cache_miss: Decimal
    """Input tokens not in the cache."""
    output: Decimal
    """Output tokens, reasoning included."""
    currency: str
    """``"USD"`` or ``"CNY"``."""
    peak: bool
    """Whether peak prices applied."""
    prices_from: datetime | None = None
    """When the price list used took effect (an entry of ``PRICE_HISTORY``)."""
    caveats: tuple[str, ...] = ()
    """Why the amount may be off, one sentence each: the time predates the first price list known for the model
    and currency, or falls after the holiday calendar's known-through date at a peak hour. Empty when exact."""

    @property
    def total(self) -> Decimal:
        """The sum of the three lines."""
        return self.cache_hit + self.cache_miss + self.output


def _field(obj: Any, name: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _count(obj: Any, name: str) -> int | None:
    value = _field(obj, name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise NoUsageError(
            f"usage field {name!r} is {value!r}, not a token count.",
            fix="pass a usage object, a response, a collected stream result or a dict of non-negative integers.",
        )
    return value


def _looks_like_usage(obj: Any) -> bool:
    names = (
        "prompt_tokens",
        "completion_tokens",
        "prompt_cache_hit_tokens",
        "prompt_cache_miss_tokens",
        "input_tokens",
    )
    return any(_field(obj, n) is not None for n in names)


def _from_responses_usage(u: Any) -> Usage:
    # Responses API usage: input_tokens (cached_tokens inside), output_tokens (reasoning inside) (api/create-response).
    prompt, completion = _count(u, "input_tokens") or 0, _count(u, "output_tokens") or 0
    hit = _count(_field(u, "input_tokens_details"), "cached_tokens") or 0
    reasoning = _count(_field(u, "output_tokens_details"), "reasoning_tokens") or 0
    total = _count(u, "total_tokens")
    return Usage(
        prompt, hit, max(prompt - hit, 0), completion, reasoning, prompt + completion if total is None else total
    )


def _from_usage(u: Any) -> Usage:
    if _field(u, "input_tokens") is not None and _field(u, "prompt_tokens") is None:
        return _from_responses_usage(u)
    # DeepSeek sends prompt_cache_hit/miss_tokens plus an OpenAI-style cached_tokens (api/create-chat-completion).
    hit = _count(u, "prompt_cache_hit_tokens")
    miss = _count(u, "prompt_cache_miss_tokens")
    prompt = _count(u, "prompt_tokens")
    details = _field(u, "prompt_tokens_details")
    if hit is None:
        hit = (_count(details, "cached_tokens") if details is not None else None) or 0
    if prompt is None:
        prompt = hit + (miss or 0)
    if miss is None:
        miss = max(prompt - hit, 0)
    completion = _count(u, "completion_tokens") or 0
    out_details = _field(u, "completion_tokens_details")
    reasoning = (_count(out_details, "reasoning_tokens") if out_details is not None else None) or 0
    total = _count(u, "total_tokens")
    return Usage(prompt, hit, miss, completion, reasoning, prompt + completion if total is None else total)


def usage_of(x: Any) -> Usage:
    """Return the token usage of a response, a collected stream, a usage object or a dict.

    Both layouts are read: DeepSeek's ``prompt_cache_hit_tokens`` / ``prompt_cache_miss_tokens`` and OpenAI's
    ``prompt_tokens_details.cached_tokens``. A missing miss count is ``prompt_tokens - hit``.

    Args:
        x: a ``ChatCompletion`` or ``Completion``, anything with a ``.usage`` attribute (such as a collected stream
            result), a ``CompletionUsage``, a :class:`Usage`, or a dict in either shape (a whole response dict with a
            ``"usage"`` key works too).

    Returns:
        A frozen :class:`Usage`.

    Raises:
        NoUsageError: ``x`` has no usage (``usage`` is ``None``, as in a stream sent without
            ``stream_options={"include_usage": True}`` to a server that only reports usage on request), or a count
            is not a non-negative integer.
        TypeError: ``x`` is nothing usage can be read from.
    """
    if isinstance(x, Usage):
        return x
    if _looks_like_usage(x):
        return _from_usage(x)
    has_usage = ("usage" in x) if isinstance(x, Mapping) else hasattr(x, "usage")
    if has_usage:
        inner = _field(x, "usage")
        if inner is None:
            raise NoUsageError(
                f"{type(x).__name__} carries no token usage (usage is None).",
                fix="for a stream, pass stream_options={'include_usage': True} and read usage from the collected "
                "result; for a response, check the request completed.",
            )
        return usage_of(inner)
    if isinstance(x, Mapping):
        raise NoUsageError(
            f"the dict has no usage fields (keys: {', '.join(map(str, x)) or 'none'}).",
            fix="pass the response's 'usage' dict, with prompt_tokens and completion_tokens.",
        )
    raise TypeError(f"usage_of() takes a response, a stream result, a usage object or a dict, not {type(x).__name__}")


def _utc(at: datetime | float | None) -> datetime:
    if at is None:
        return datetime.now(timezone.utc)
    if isinstance(at, datetime):
        return at.astimezone(timezone.utc)  # a naive datetime is taken as local time, as astimezone() does
    return datetime.fromtimestamp(at, timezone.utc)


def is_peak(at: datetime | float | None = None) -> bool:
    """Return whether DeepSeek's peak prices apply at a moment.

    Peak is Monday to Friday, 01:00-04:00 and 06:00-10:00 UTC (09:00-12:00 and 14:00-18:00 Beijing time), from
    2026-08-16 16:00 UTC when peak pricing began. All else is off-peak at half price: weekends and Chinese public
    holidays (whole Beijing days, from :data:`CN_HOLIDAYS`) included. Weekend make-up working days count as
    working days (:data:`MAKEUP_WORKDAYS_ARE_PEAK`). After :data:`HOLIDAYS_KNOWN_THROUGH` holidays are not known,
    so a holiday there reads as a working day (``cost_breakdown`` says so in ``caveats``).

    Args:
        at: the moment; ``None`` means now. An aware datetime is converted to UTC; a naive one is taken as local
            time (``datetime.astimezone()`` semantics); a number is a Unix timestamp (like a response's ``created``).

    Returns:
        ``True`` inside a peak window.
    """
    return peak_at(_utc(at))


def _default_moment(x: Any, at: datetime | float | None) -> datetime | float | None:
    # A response's server timestamp says when it was billed; fall back to now.
    if at is not None:
        return at
    created = (_field(x, "created") or _field(x, "created_at")) if not isinstance(x, Usage) else None
    return created if isinstance(created, (int, float)) and not isinstance(created, bool) and created > 0 else None


def cost_breakdown(usage: Any, model: str, *, at: datetime | float | None = None, currency: str = "USD") -> Cost:
    """Return what a usage cost, line by line, at the DeepSeek price list in force when the request ran.

    The list is the entry of :data:`PRICE_HISTORY` in force at that moment; a moment before the first list known
    for the model and currency is priced with that first list, and ``caveats`` says so.

    Args:
        usage: anything :func:`usage_of` accepts.
        model: the model id the request named; legacy ids are priced as the model serving them.
        at: when the request ran (see :func:`is_peak`); ``None`` takes a response's ``created`` time when ``usage``
            is a response, else now.
        currency: ``"USD"`` or ``"CNY"`` — separate price lists; your account's currency decides which applies.

    Returns:
        A frozen :class:`Cost` with exact ``Decimal`` amounts (not rounded).

    Raises:
        UnknownModelError: the model id is unknown.
        ValueError: the currency is neither USD nor CNY.
        NoUsageError: no usage could be read.
    """
    counts = usage_of(usage)
    moment = _utc(_default_moment(usage, at))
    prices, era, caveats = price_list_at(model, currency, moment)
    peak = peak_at(moment)
    rates = prices.peak if peak else prices.off_peak
    return Cost(
        cache_hit=counts.cache_hit_tokens * rates.cache_hit / _MILLION,
        cache_miss=counts.cache_miss_tokens * rates.cache_miss / _MILLION,
        # Reasoning tokens are already inside completion_tokens and billed as output (quick_start/pricing).
        output=counts.completion_tokens * rates.output / _MILLION,
        currency=currency.upper(),
        peak=peak,
        prices_from=era.effective,
        caveats=caveats,
    )


def cost(usage: Any, model: str | None = None, *, at: datetime | float | None = None, currency: str = "USD") -> Decimal:
    """Return what a usage cost at DeepSeek's list prices (prices are per one million tokens).

    Args:
        usage: anything :func:`usage_of` accepts (a response, a stream result, a usage object, a dict), or the
            result of :func:`web_search` / :func:`fetch_url` (priced per call, see :func:`tool_cost`; no model).
        model: the model id the request named; legacy ids are priced as the model serving them.
        at: when the request ran; ``None`` takes a response's ``created`` time when there is one, else now.
        currency: ``"USD"`` or ``"CNY"``.

    Returns:
        The exact amount as a ``Decimal`` (round it yourself for display).

    Raises:
        UnknownModelError: the model id is unknown.
        ValueError: the currency is neither USD nor CNY.
        NoUsageError: no usage could be read.
        TypeError: no model for a token usage.
    """
    if hasattr(usage, "billed_calls"):  # Search/Fetch results: billed per successful call, not per token
        from ._webtools import tool_cost

        return tool_cost(usage, currency=currency)
    if model is None:
        raise TypeError("cost() needs the model id to price tokens. Fix: pass it, e.g. cost(reply, 'deepseek-flash').")
    return cost_breakdown(usage, model, at=at, currency=currency).total
