"""A Ray batch worker's share of the job's limit: slots leased in blocks from the job actor (``_ray_job``).

:class:`Lease` talks to the actor through a plain coroutine function (``actor.sync.remote`` on Ray), so the lease
logic runs, and is tested, without Ray.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal
from typing import TypeVar

from .._usage import is_peak
from ._health import Health
from ._offpeak import next_off_peak
from ._ray_job import Answer, Report
from ._send import Counters, Result

__all__ = ["Lease", "Stopped"]

T = TypeVar("T")
Call = Callable[[Report], Awaitable[Answer]]


class Stopped(Exception):
    """The job stopped granting first attempts (``max_cost``, or an account-wide failure such as 402)."""


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Lease:
    """One worker's :class:`~deepseek_openai.batch._send.Limit`: slots leased in blocks from the job actor.

    A request takes a slot the worker holds; when it holds none free it asks the actor for as many as it has requests
    waiting. It reports replies and 429s in batches: at once after a 429, every ``tick`` while a block runs, and at
    the end of each block (:meth:`run`). Between blocks it is parked: it sends nothing until the actor says how
    much of its lease is left (others may have taken it meanwhile).

    Args:
        call: sends a :class:`Report` to the job actor and returns its :class:`Answer`.
        worker: this worker's id.
        budget: ``max_cost`` is set: a request's first attempt also needs its worst case reserved by the actor.
        off_peak: first attempts wait while ``is_peak(clock())``.
        clock: returns the current time (UTC).
        tick: seconds between calls while holding slots.
        health: the worker's view of the service (``send_one`` shares it); its stop is the job's stop.
    """

    def __init__(
        self,
        call: Call,
        worker: str,
        *,
        budget: bool = False,
        off_peak: bool = False,
        clock: Callable[[], datetime] | None = None,
        tick: float = 0.05,
        health: Health | None = None,
    ) -> None:
        self.call, self.budget, self.off_peak, self.tick = call, budget, off_peak, tick
        self.clock = clock or _utc_now
        self.health = health or Health(grace=300.0, deadline=None)
        self.held = self.in_flight = self.active = 0
        self.reserved = Decimal(0)
        self._told: str | None = None
        self.target: int | None = None
        self.parked = False
        self.epoch = 0
        self.stopped: str | None = None
        self.paused_until: datetime | None = None
        self.pending = Report(worker)
        self.counters = Counters()
        self._slots: deque[asyncio.Future[None]] = deque()
        self._credits: deque[tuple[asyncio.Future[bool], Decimal]] = deque()
        self._calls: asyncio.Task[None] | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._window: asyncio.Task[None] | None = None

    # -- the Limit protocol (send_one takes a slot per attempt) ------------------------------------------------

    async def acquire(self) -> int:
        """Take a slot (waiting for the actor when none is free); return the limit's epoch."""
        while self.in_flight >= self._cap():
            await self._queue(self._slots)
        self.in_flight += 1
        return self.epoch

    def release(self) -> None:
        """Give a slot back: to a waiting request, or to the actor when holding more than the share."""
        self.in_flight -= 1
        if self.target is not None and self.held > self.target:
            self.held -= 1
        else:
            self._wake(self._slots, 1)

    def on_success(self) -> None:
        """Count a reply (reported at the next call)."""
        self.pending.successes += 1

    def on_rate_limit(self, epoch: int, message: str = "") -> None:
        """Count a 429 and tell the actor at once: the limit halves for the whole job."""
        self.pending.rate_limits.append((epoch, message))
        self._kick()

    # -- first attempts and blocks -----------------------------------------------------------------------------

    async def first(self, worst: Decimal = Decimal(0)) -> int:
        """Wait for off-peak (if asked) and, with ``max_cost``, for the actor to reserve ``worst``; take a slot.

        Raises:
            Stopped: the job is stopped (budget spent, or an account-wide failure); the request must not be sent.
        """
        if self.off_peak and is_peak(self.clock()):
            if self._window is None or self._window.done():
                self._window = asyncio.ensure_future(self._pause())
            await asyncio.shield(self._window)
        if self.stopped is not None or self.health.stopped is not None:
            raise Stopped(self.stopped or self.health.stopped)
        if self.budget:
            granted: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            self._credits.append((granted, worst))
            self._kick()
            if not await granted:
                raise Stopped(self.stopped)
        return await self.acquire()

    def count(self, name: str, number: int = 1) -> None:
        """Count rows ``skipped`` or ``not_sent`` (reported at the next call)."""
        self.pending.counts[name] = self.pending.counts.get(name, 0) + number

    def finished(self, result: Result | None, model: str, currency: str, worst: Decimal = Decimal(0)) -> None:
        """Count a request that has its answer (``None``: given up when the job stopped); its reservation ends."""
        if self.budget:
            self.reserved -= worst
        if result is not None:
            self.pending.tally.add(result[0], result[2], result[3], model, currency)

    async def run(self, work: Awaitable[T]) -> T:
        """Await one block's work; then report, parked if no other block runs."""
        self.active += 1
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.ensure_future(self._tick())
        try:
            return await work
        finally:
            self.active -= 1
            if not self.active:
                self.parked, self.target = True, None
            await self.flush()

    async def flush(self) -> None:
        """Make one call now (after any under way), so the actor has every count."""
        while self._calls is not None and not self._calls.done():
            await asyncio.shield(self._calls)
        self._calls = asyncio.ensure_future(self._loop())
        await asyncio.shield(self._calls)

    # -- talking to the actor ----------------------------------------------------------------------------------

    def _cap(self) -> int:
        if self.parked:
            return 0
        return self.held if self.target is None else min(self.held, self.target)

    async def _queue(self, queue: deque[asyncio.Future[None]]) -> None:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue.append(waiter)
        self._kick()
        await waiter

    @staticmethod
    def _wake(queue: deque[asyncio.Future[None]], count: int) -> None:
        while count > 0 and queue:
            waiter = queue.popleft()
            if not waiter.done():
                waiter.set_result(None)
                count -= 1

    def _kick(self) -> None:
        if self._calls is None or self._calls.done():
            self._calls = asyncio.ensure_future(self._loop())

    def _want(self) -> int:
        # Requests waiting for a slot, but never more than the share allows (a worker at its share waits for ticks).
        waiting = sum(not w.done() for w in self._slots)
        return waiting if self.target is None else min(waiting, max(0, self.target - self.held))

    async def _loop(self) -> None:
        # One call at a time: the actor's view of what this worker holds is never below the truth.
        while True:
            report, self.pending, counters = self.pending, Report(self.pending.worker), self.counters
            report = replace(
                report,
                held=self.held,
                want=self._want(),
                credits=self.reserved,
                want_credits=[worst for w, worst in self._credits if not w.done()],
                stop=self._stop_to_tell(),
                in_flight=self.in_flight,
                counts={**report.counts, "rate_limited": counters.rate_limited, "retries": counters.retries},
                paused_until=self.paused_until,
                parked=not self.active,
            )
            counters.rate_limited = counters.retries = 0
            self._apply(await self.call(report), report.parked)
            # The actor granted all it could (after waiting up to ``poll``): ask again at the next tick, unless this
            # call ended a block's lease and a new block waits, or 429s came meanwhile.
            if not ((self.parked and self.active) or self.pending.rate_limits):
                return

    def _apply(self, answer: Answer, parked: bool) -> None:
        self.epoch = answer.epoch
        self.held = self.held + answer.grant if answer.held is None else answer.held
        self.parked = parked or (self.parked and not self.active)  # a block may have ended during the call
        if self.active:
            self.target = answer.share
        if self.target is not None and self.held > max(self.target, self.in_flight):
            self.held = max(self.target, self.in_flight)  # idle slots above the share go back at the next call
        self._grant_answer(answer)
        self._wake(self._slots, self._cap() - self.in_flight)

    def _stop_to_tell(self) -> tuple[str, str, str] | None:
        health = self.health
        if health.stopped is None or health.stopped == self._told or health.stopped == self.stopped:
            return None
        self._told = health.stopped
        return health.stopped, health.reason, health.fix

    def _grant_answer(self, answer: Answer) -> None:
        granted = answer.credits
        while self._credits and granted:
            waiter, worst = self._credits.popleft()
            if not waiter.done():
                self.reserved += worst
                waiter.set_result(True)
                granted -= 1
        if answer.stopped is not None:
            self.stopped = answer.stopped
            if answer.stopped != "max_cost":  # account-wide: requests waiting to retry give up too
                self.health.stop(answer.stopped, answer.reason, answer.fix)
            while self._credits:
                waiter, _ = self._credits.popleft()
                if not waiter.done():
                    waiter.set_result(False)

    async def _tick(self) -> None:
        while self.active or self.in_flight:
            await asyncio.sleep(self.tick if self.paused_until is None else 1.0)
            self._kick()

    async def _pause(self) -> None:
        # One task per worker polls the clock (once a second) while the others wait on it.
        while is_peak(now := self.clock()):
            until = next_off_peak(now)
            if until != self.paused_until:
                self.paused_until = until
                self._kick()
            await asyncio.sleep(min(max((until - now).total_seconds(), 0.05), 1.0))
        self.paused_until = None
        self._kick()
