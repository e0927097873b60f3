"""The batch runner's logic, free of I/O: the adaptive concurrency limit, back-off, off-peak schedule and totals."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

from ._models import model_info
from ._usage import Usage, _default_moment, cost_breakdown, is_peak, usage_of

__all__ = [
    "CURRENCIES",
    "AdaptiveLimit",
    "BatchProgress",
    "BatchSummary",
    "Budget",
    "Health",
    "Tally",
    "backoff",
    "ceiling",
    "json_or_text",
    "limit_in_message",
    "next_off_peak",
    "output_line",
    "price",
    "retry_after",
    "worst_cost",
]

_LIMIT = re.compile(r"concurrency limit of (\d+)")
_MILLION = Decimal(1_000_000)
_UNIT = 1_000_000  # tokens: the cost of a million of each kind is the price list's rate
_IMAGE_TOKENS = (
    2048  # an image is "≤ ~1,024 tokens after resize" (guides/vision, secondary [!]): twice that, to be safe
)
_LONGEST_PAUSE = 600.0  # a Retry-After longer than this is read as this (a misconfigured proxy must not stall a day)
_STEP = timedelta(minutes=1)
_HORIZON = timedelta(days=60)


CURRENCIES = ("USD", "CNY")


def price(body: Any, model: str) -> dict[str, Decimal]:
    """Return a reply's cost per currency at its ``created`` time; empty when it has no usage or an unknown model."""
    return _priced(body, model)[1]


def _priced(body: Any, model: str) -> tuple[Usage | None, dict[str, Decimal]]:
    # The usage read once and priced in both currencies at one moment (a batch prices every reply).
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


@dataclass
class Tally:
    """Finished requests: replies and failures, tokens, cost per currency and the costliest reply.

    The local runner keeps one for the run; a Ray worker keeps one per report to the job actor, which merges them.
    """

    ok: int = 0
    failed: int = 0
    usage: Usage = field(default_factory=Usage)
    spent: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(CURRENCIES, Decimal(0)))
    largest: Decimal | None = None
    """The costliest reply so far in the job's currency (``None`` before the first priced reply)."""

    def add(self, status: int | None, body: Any, error: Any, model: str, currency: str) -> Decimal | None:
        """Count one finished request: a 200 reply is priced at its ``created`` time and its tokens added.

        Returns:
            What it cost in ``currency``: 0 without a reply, ``None`` for a 200 reply that cannot be priced.
        """
        replied = status == 200 and isinstance(body, dict)
        counts, priced = _priced(body, model) if replied else (None, {})
        for name, amount in priced.items():
            self.spent[name] += amount
        if status != 200 or error is not None:
            self.failed += 1
            return priced.get(currency, None if replied else Decimal(0))
        self.ok += 1
        if not priced:
            return None
        amount = priced[currency]
        self.largest = amount if self.largest is None else max(self.largest, amount)
        if counts is not None:
            self.usage += counts
        return amount

    def merge(self, other: Tally) -> None:
        """Add another tally's counts into this one."""
        self.ok += other.ok
        self.failed += other.failed
        self.usage += other.usage
        for name, amount in other.spent.items():
            self.spent[name] = self.spent.get(name, Decimal(0)) + amount
        if other.largest is not None:
            self.largest = other.largest if self.largest is None else max(self.largest, other.largest)


def output_line(
    custom_id: str, status: int | None, request_id: str | None, body: Any, error: Any, *, offline: bool = False
) -> dict[str, Any]:
    """Return one line of OpenAI's Batch output format: ``id``, ``custom_id``, ``response``, ``error``.

    A line answered by the offline double has an ``id`` starting ``batch_req_offline_`` (never resumed online).
    """
    response = None if status is None else {"status_code": status, "request_id": request_id or "", "body": body}
    prefix = "batch_req_offline_" if offline else "batch_req_"
    return {"id": f"{prefix}{uuid.uuid4().hex}", "custom_id": custom_id, "response": response, "error": error}


def json_or_text(response: Any) -> Any:
    """Return an error response's JSON body, or its text wrapped as DeepSeek's error shape."""
    try:
        return response.json()
    except ValueError:
        return {"error": {"message": response.text[:2000]}}


def ceiling(models: frozenset[str], concurrency: int | None) -> int:
    """Return the most requests to allow in flight: ``concurrency``, never above the smallest model cap."""
    caps = [model_info(m).concurrency_limit for m in models] or [model_info("deepseek-flash").concurrency_limit]
    cap = min(caps)  # DeepSeek's per-account cap (quick_start/rate_limit): never send more at once
    return cap if concurrency is None else max(1, min(cap, concurrency))


def limit_in_message(message: str) -> int | None:
    """Return the cap a DeepSeek 429 names ("concurrency limit of 39 based on your remaining balance", §18)."""
    found = _LIMIT.search(message)
    return int(found.group(1)) if found else None


def backoff(attempt: int, *, base: float, ceiling: float = 60.0, rng: random.Random | None = None) -> float:
    """Return the pause before retry ``attempt`` (0-based): exponential, capped, with "equal jitter" (half random).

    Args:
        attempt: how many retries came before this one.
        base: the first pause in seconds.
        ceiling: the longest pause.
        rng: the random source (seed one for repeatable tests).
    """
    step: float = min(ceiling, base * 2.0**attempt)
    jitter: float = (rng or random).uniform(0, step / 2)
    return step / 2 + jitter


def next_off_peak(at: datetime) -> datetime:
    """Return the first moment at or after ``at`` when :func:`~deepseek_openai.is_peak` is false.

    Steps forward a minute at a time with ``is_peak`` (the one source of truth for peak hours and holidays).

    Raises:
        ValueError: no off-peak minute within 60 days (``is_peak`` cannot be right then).
    """
    moment = at
    if not is_peak(moment):
        return moment
    moment = moment.replace(second=0, microsecond=0)
    end = at + _HORIZON
    while moment < end:
        moment += _STEP
        if not is_peak(moment):
            return moment
    raise ValueError(f"no off-peak time within 60 days of {at.isoformat()}")


class AdaptiveLimit:
    """How many requests may be in flight: additive increase on success, decreased on a 429 (AIMD).

    A 429 says the account had its cap in flight when the request arrived: when we know how many of ours were in
    flight as it was sent (``sent_with``), the limit drops below that (never by less than one, never below half);
    without it, it halves. One decrease per round: a 429 for a request sent before the last decrease does not
    decrease again (a burst of 429s from one round is one signal, as in TCP congestion control).

    Args:
        start: the first limit.
        ceiling: the limit never goes above this (the account cap, or the user's ``concurrency``).
    """

    def __init__(self, start: int, ceiling: int) -> None:
        self.ceiling = max(1, ceiling)
        self.limit = float(min(max(1, start), self.ceiling))
        self.in_flight = 0
        self.admitted = 0
        self.epoch = 0
        self.flowing = 0
        """Replies since the last decrease: room for new lines while earlier ones wait to retry."""
        self._changed = asyncio.Event()

    @property
    def allowed(self) -> int:
        """The whole number of requests allowed in flight now."""
        return int(self.limit)

    async def acquire(self) -> int:
        """Wait for a free slot on the wire and take it; return the epoch (a retry of a line admitted already)."""
        while self.in_flight >= self.allowed:
            self._changed.clear()
            await self._changed.wait()
        self.in_flight += 1
        return self.epoch

    async def admit(self) -> int:
        """Admit a new line: wait for a free slot and room among the unfinished lines, take the slot; return the epoch.

        A line stays admitted through its retries (until :meth:`retire`). While replies come (the limit is
        searching for the cap), lines waiting to retry take up to a limit's worth of room beyond the limit, so new
        lines keep the wire busy while earlier ones sit out a back-off; while the account answers nothing but 429
        (a storm) only the limit's lines are admitted and no new line starts (admission control, not just pacing).
        """
        while self.admitted >= self.allowed + min(self.allowed, self.flowing) or self.in_flight >= self.allowed:
            self._changed.clear()
            await self._changed.wait()
        self.admitted += 1
        self.in_flight += 1
        return self.epoch

    def release(self) -> None:
        """Give a slot on the wire back (after each attempt)."""
        self.in_flight -= 1
        self._changed.set()

    def retire(self) -> None:
        """Make room for a new line: one admitted by :meth:`admit` has its answer (or was given up)."""
        self.admitted -= 1
        self._changed.set()

    def wake(self) -> None:
        """Wake a waiting :meth:`acquire` so it rechecks (used when a request crashed)."""
        self._changed.set()

    def on_success(self) -> None:
        """Grow by about one per round of replies."""
        self.flowing += 1
        self.limit = min(float(self.ceiling), self.limit + 1 / self.limit)

    def on_rate_limit(self, epoch: int, message: str = "", *, sent_with: int | None = None) -> None:
        """Decrease after a 429 (once per round); a cap named in the message becomes the ceiling.

        Args:
            epoch: the epoch the request was sent in.
            message: the 429's error text.
            sent_with: how many of our requests were in flight when it was sent, itself included (``None``: not
                known; the limit halves).
        """
        named = limit_in_message(message)
        if named is not None:
            self.ceiling = max(1, min(self.ceiling, named))
            self.limit = min(self.limit, float(self.ceiling))
        if epoch >= self.epoch:
            self.epoch += 1
            self.flowing = 0
            half = self.limit / 2
            if sent_with is None:
                self.limit = max(1.0, half)
            else:
                # The cap was reached with sent_with of ours in flight: fewer than that fit (others may share it).
                self.limit = max(1.0, half, min(self.limit - 1, float(sent_with - 1)))
        self._changed.set()


@dataclass(frozen=True)
class BatchProgress:
    """A snapshot of a running batch, given to the ``progress`` callback."""

    total: int
    """Requests in the input file."""
    done: int
    """Lines in the output file (earlier runs included)."""
    ok: int
    """Replies with status 200 in this run."""
    failed: int
    """Error lines written in this run."""
    in_flight: int
    """Requests sent and not yet answered."""
    limit: int
    """Requests allowed in flight now (adaptive)."""
    rate_limited: int
    """429 answers so far (each was retried)."""
    usage: Usage
    """Tokens of this run's replies."""
    cost: Decimal
    """Cost of the job so far in ``currency`` (earlier runs included)."""
    currency: str
    """``"USD"`` or ``"CNY"``."""
    elapsed: float
    """Seconds since this run started."""
    paused_until: datetime | None = None
    """Set while ``off_peak`` waits for the next off-peak window."""


@dataclass(frozen=True)
class BatchSummary:
    """What a batch run did.

    ``stopped`` is ``None`` when every request has a line; else why the run ended early: ``"max_cost"`` (the
    budget), ``"interrupted"`` (``stop`` was set: Ctrl-C in the CLI), ``"deadline"``, ``"auth"`` (401),
    ``"balance"`` (402), ``"forbidden"`` (403), ``"endpoint"`` (404/405: the base URL), ``"unreachable"``
    (connection failures longer than ``grace``); ``reason`` and ``fix`` say it in words. The requests it did not
    answer have no line: run it again to send them.
    """

    total: int
    """Requests in the input file."""
    skipped: int
    """Requests already answered in the output file, not sent again."""
    ok: int
    """Replies with status 200 written by this run."""
    failed: int
    """Error lines written by this run (refused requests, or retries exhausted)."""
    not_sent: int
    """Requests left without a line (budget or interruption): a rerun sends them."""
    rate_limited: int
    """429 answers met (retried)."""
    retries: int
    """Retries made (429, 5xx, timeouts, connection errors)."""
    usage: Usage
    """Tokens of this run's replies (cache hit/miss, output, reasoning)."""
    cost: dict[str, Decimal] = field(default_factory=dict)
    """This run's cost per currency (``"USD"``, ``"CNY"``), each reply priced at its ``created`` time."""
    stopped: str | None = None
    """Why the run stopped early, if it did."""
    concurrency: int = 0
    """The most requests the run allowed in flight (never above the model's cap)."""
    elapsed: float = 0.0
    """Seconds the run took."""
    reason: str = ""
    """What stopped the run early, in a sentence (empty when it ran to the end)."""
    fix: str = ""
    """What to do about it (empty when it ran to the end)."""


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Return the pause a ``retry-after-ms`` or ``Retry-After`` header asks for, in seconds (``None``: none).

    DeepSeek sends no such header (quick_start/rate_limit); proxies and gateways in front of it may.
    """
    try:
        value = headers.get("retry-after-ms")
        if value is not None:
            return min(_LONGEST_PAUSE, max(0.0, float(value) / 1000))
        value = headers.get("retry-after")
        if value is None:
            return None
        with contextlib.suppress(ValueError):
            return min(_LONGEST_PAUSE, max(0.0, float(value)))
        when = parsedate_to_datetime(value)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
        return min(_LONGEST_PAUSE, max(0.0, seconds))
    except (TypeError, ValueError, IndexError):
        return None


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


class Health:
    """The job's view of the service, shared by every request.

    It keeps the successes, a run of connection failures, a pause asked for by ``Retry-After``, the deadline, and
    a stop (the first account-wide failure wins).

    Args:
        grace: seconds of connection failures with no answer at all before the job stops (``unreachable``).
        deadline: ``time.monotonic()`` value after which no attempt starts (``None``: none).
    """

    def __init__(self, *, grace: float, deadline: float | None) -> None:
        self.grace = grace
        self.deadline = deadline
        self.successes = 0
        self.failing_since: float | None = None
        self.last_failure = 0.0
        self.paused_until = 0.0
        self.stopped: str | None = None
        self.reason = ""
        self.fix = ""
        self._halt = asyncio.Event()

    def success(self) -> None:
        """Count a reply."""
        self.successes += 1
        self.failing_since = None

    def answered(self) -> None:
        """Note an HTTP answer (any status): the service is reachable."""
        self.failing_since = None

    def unreachable(self) -> bool:
        """Count a connection failure; return whether connection failures have lasted longer than ``grace``.

        A run of failures has no answer in between and no gap longer than ``grace`` (long generations may keep
        every request silent for minutes: two lone timeouts far apart are not an outage).
        """
        now = time.monotonic()
        if self.failing_since is None or now - self.last_failure > self.grace:
            self.failing_since = now
        self.last_failure = now
        return now - self.failing_since > self.grace

    def pause(self, seconds: float) -> None:
        """Send nothing (first attempts and retries) for ``seconds`` (a ``Retry-After``)."""
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)

    def stop(self, code: str, reason: str, fix: str) -> None:
        """Stop the job: nothing more is sent, requests waiting to retry give up without a line."""
        if self.stopped is None:
            self.stopped, self.reason, self.fix = code, reason, fix
        self._halt.set()

    async def halted(self) -> None:
        """Return once the job is stopped."""
        await self._halt.wait()

    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return self.deadline is not None and time.monotonic() >= self.deadline

    async def sleep(self, seconds: float) -> None:
        """Sleep up to ``seconds``, ending early on a stop or at the deadline."""
        if self.deadline is not None:
            seconds = min(seconds, self.deadline - time.monotonic())
        if seconds > 0 and not self._halt.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._halt.wait(), seconds)

    async def ready(self) -> None:
        """Wait out a ``Retry-After`` pause (ending early on a stop or at the deadline)."""
        while (left := self.paused_until - time.monotonic()) > 0 and not self._halt.is_set() and not self.expired():
            await self.sleep(left)
