"""The batch runner's logic, free of I/O: the adaptive concurrency limit, back-off, off-peak schedule and totals."""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ._models import model_info
from ._usage import Usage, cost, is_peak, usage_of

__all__ = [
    "CURRENCIES",
    "AdaptiveLimit",
    "BatchProgress",
    "BatchSummary",
    "Tally",
    "backoff",
    "ceiling",
    "json_or_text",
    "limit_in_message",
    "next_off_peak",
    "output_line",
    "price",
]

_LIMIT = re.compile(r"concurrency limit of (\d+)")
_STEP = timedelta(minutes=1)
_HORIZON = timedelta(days=60)


CURRENCIES = ("USD", "CNY")


def price(body: Any, model: str) -> dict[str, Decimal]:
    """Return a reply's cost per currency at its ``created`` time; empty when it has no usage or an unknown model."""
    try:
        return {c: cost(body, str(body.get("model") or model), currency=c) for c in CURRENCIES}
    except (ValueError, KeyError, TypeError):
        return {}


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

    def add(self, status: int | None, body: Any, error: Any, model: str, currency: str) -> None:
        """Count one finished request: a 200 reply is priced at its ``created`` time and its tokens added."""
        if status != 200 or error is not None:
            self.failed += 1
            return
        self.ok += 1
        priced = price(body, model)
        for name, amount in priced.items():
            self.spent[name] += amount
        amount = priced.get(currency, Decimal(0))
        self.largest = amount if self.largest is None else max(self.largest, amount)
        with contextlib.suppress(ValueError, TypeError):
            self.usage += usage_of(body)

    def merge(self, other: Tally) -> None:
        """Add another tally's counts into this one."""
        self.ok += other.ok
        self.failed += other.failed
        self.usage += other.usage
        for name, amount in other.spent.items():
            self.spent[name] = self.spent.get(name, Decimal(0)) + amount
        if other.largest is not None:
            self.largest = other.largest if self.largest is None else max(self.largest, other.largest)


def output_line(custom_id: str, status: int | None, request_id: str | None, body: Any, error: Any) -> dict[str, Any]:
    """Return one line of OpenAI's Batch output format: ``id``, ``custom_id``, ``response``, ``error``."""
    response = None if status is None else {"status_code": status, "request_id": request_id or "", "body": body}
    return {"id": f"batch_req_{uuid.uuid4().hex}", "custom_id": custom_id, "response": response, "error": error}


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
    """How many requests may be in flight: additive increase on success, halved on a 429 (AIMD).

    One halving per round: a 429 for a request sent before the last decrease does not decrease again (a burst of
    429s from one round is one signal, as in TCP congestion control).

    Args:
        start: the first limit.
        ceiling: the limit never goes above this (the account cap, or the user's ``concurrency``).
    """

    def __init__(self, start: int, ceiling: int) -> None:
        self.ceiling = max(1, ceiling)
        self.limit = float(min(max(1, start), self.ceiling))
        self.in_flight = 0
        self.epoch = 0
        self._changed = asyncio.Event()

    @property
    def allowed(self) -> int:
        """The whole number of requests allowed in flight now."""
        return int(self.limit)

    async def acquire(self, *, alone: bool = False) -> int:
        """Wait for a free slot (``alone``: until nothing else is in flight) and take it; return the epoch."""
        while self.in_flight >= (1 if alone else self.allowed):
            self._changed.clear()
            await self._changed.wait()
        self.in_flight += 1
        return self.epoch

    def release(self) -> None:
        """Give a slot back."""
        self.in_flight -= 1
        self._changed.set()

    def wake(self) -> None:
        """Wake a waiting :meth:`acquire` so it rechecks (used when a request crashed)."""
        self._changed.set()

    def on_success(self) -> None:
        """Grow by about one per round of replies."""
        self.limit = min(float(self.ceiling), self.limit + 1 / self.limit)

    def on_rate_limit(self, epoch: int, message: str = "") -> None:
        """Halve after a 429 (once per round); a cap named in the message becomes the ceiling."""
        named = limit_in_message(message)
        if named is not None:
            self.ceiling = max(1, min(self.ceiling, named))
            self.limit = min(self.limit, float(self.ceiling))
        if epoch >= self.epoch:
            self.epoch += 1
            self.limit = max(1.0, self.limit / 2)
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

    ``stopped`` is ``None`` when every request has a line, ``"max_cost"`` when the budget stopped it and
    ``"interrupted"`` after ``stop`` was set (Ctrl-C in the CLI); run it again to send the rest.
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
