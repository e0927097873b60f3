"""How many requests a batch keeps in flight: the account's cap and the adaptive limit (AIMD) under it."""

from __future__ import annotations

import asyncio
import re

from .._models import model_info

__all__ = ["AdaptiveLimit", "ceiling", "limit_in_message"]

_LIMIT = re.compile(r"concurrency limit of (\d+)")


def ceiling(models: frozenset[str], concurrency: int | None) -> int:
    """Return the most requests to allow in flight: ``concurrency``, never above the smallest model cap."""
    caps = [model_info(m).concurrency_limit for m in models] or [model_info("deepseek-flash").concurrency_limit]
    cap = min(caps)  # DeepSeek's per-account cap (quick_start/rate_limit): never send more at once
    return cap if concurrency is None else max(1, min(cap, concurrency))


def limit_in_message(message: str) -> int | None:
    """Return the cap a DeepSeek 429 names ("concurrency limit of 39 based on your remaining balance", §18)."""
    found = _LIMIT.search(message)
    return int(found.group(1)) if found else None


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
