"""A batch's totals: the running tally of finished requests, the progress snapshot and the closing summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from .._usage import Usage
from ._budget import CURRENCIES, priced

__all__ = ["BatchProgress", "BatchSummary", "Tally"]


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
        counts, amounts = priced(body, model) if replied else (None, {})
        for name, amount in amounts.items():
            self.spent[name] += amount
        if status != 200 or error is not None:
            self.failed += 1
            return amounts.get(currency, None if replied else Decimal(0))
        self.ok += 1
        if not amounts:
            return None
        amount = amounts[currency]
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
