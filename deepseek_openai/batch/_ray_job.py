"""The job actor of a batch on Ray: it leases concurrency slots and budget to the workers in blocks, and keeps totals.

DeepSeek's concurrency cap is per account (quick_start/rate_limit), so one job shares ONE adaptive limit. A worker
leases slots in blocks and sends under what it holds; it calls the actor when it needs more, at once after a 429,
every tick while a block runs and at the end of each block, so round trips are per block and tick, not per request.
The actor never leases more than the limit, so the job never has more requests in flight. After a decrease (a 429
halves the limit) or when another worker waits, each worker is told its share and gives back what it holds above
it as its requests finish. Between blocks a worker is "parked": it keeps its lease but sends nothing until the
actor confirms what is left of it, and the actor may hand a parked lease to others (a worker Ray Data has ended
stays parked forever). Ray is not imported here: ``_ray_run`` wraps :class:`BatchJob` as an actor. Progress and the
summary are INFO records of the ``deepseek_openai.ray`` logger (:data:`LOG`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ._limit import AdaptiveLimit
from ._text import format_progress, format_summary
from ._totals import BatchProgress, BatchSummary, Tally

__all__ = ["LOG", "ActorJob", "Answer", "BatchJob", "Report"]

LOG = logging.getLogger("deepseek_openai.ray")
"""The job actor's progress and summary lines, as INFO records (the public module's name: users filter on it)."""

_STALE = 60.0  # a worker silent this long while holding slots is gone (it calls every tick): take its slots back


@dataclass
class Report:
    """What a worker tells the job actor in one call: what it holds and wants now, and what finished since.

    ``held``: slots it holds now (it gives slots back only by reporting fewer); ``want``: more slots it would use at
    once; ``credits``: the budget it holds reserved for requests not finished yet (``max_cost`` only; each request
    reserves its worst case); ``want_credits``: the worst case of each request about to be sent a first time, in
    order; ``stop``: ``(code, reason, fix)`` when the worker met an account-wide failure (401, 402, unreachable...),
    which stops the whole job; ``successes``: replies since the last call
    (the adaptive limit grows by about one per round of replies); ``rate_limits``: ``(epoch, message)`` of each
    429 since the last call; ``counts``: ``skipped``, ``not_sent``, ``rate_limited`` and ``retries`` since the last
    call; ``paused_until``: set while the worker waits for the next off-peak window; ``parked``: no block is running,
    the actor may give this lease to others and the worker sends nothing until answered.
    """

    worker: str
    held: int = 0
    want: int = 0
    parked: bool = False
    credits: Decimal = Decimal(0)
    want_credits: list[Decimal] = field(default_factory=list)
    stop: tuple[str, str, str] | None = None
    paused_until: datetime | None = None
    in_flight: int = 0
    successes: int = 0
    rate_limits: list[tuple[int, str]] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """The actor's answer: slots and budget reservations granted, the worker's share, the epoch, a stop.

    ``credits`` is how many of the report's ``want_credits`` (the first ones) the actor reserved.
    """

    grant: int
    held: int | None
    """After a parked call: the slots the worker holds now, grant included (what the actor left of its lease)."""
    share: int | None
    """Most slots the worker may hold now; ``None`` while no one waits and the limit is not passed."""
    epoch: int
    credits: int
    stopped: str | None
    reason: str = ""
    fix: str = ""


class BatchJob:
    """The actor body: the job-wide adaptive limit, the leases, the budget and the totals (one event loop).

    Args:
        ceiling: the most requests in flight for the whole job (``concurrency``, never above the model's cap).
        options: ``total`` (rows, 0 if unknown), ``currency``, ``max_cost`` (``Decimal`` or ``None``), ``prior``
            (cost of the runs being resumed), ``progress_interval`` (seconds between log lines, ``None``: none),
            ``poll`` (seconds a call waits for slots before answering empty).
    """

    def __init__(self, ceiling: int, options: dict[str, Any]) -> None:
        self.limit = AdaptiveLimit(ceiling, ceiling)
        self.o = options
        self.leased: dict[str, int] = {}
        self.waiting: dict[str, int] = {}
        self.in_flight: dict[str, int] = {}
        self.seen: dict[str, float] = {}
        self.paused: dict[str, datetime] = {}
        self.parked: set[str] = set()
        self.tally = Tally()
        self.counts = {"skipped": 0, "not_sent": 0, "rate_limited": 0, "retries": 0}
        self.stopped: str | None = None
        self.reason = self.fix = ""
        self.open: dict[str, Decimal] = {}
        self.peak = 0
        self.started: float | None = None
        self.last = 0.0
        self.version = 0
        self.ended = False
        self._changed: asyncio.Event | None = None
        self._reporter: asyncio.Task[None] | None = None

    # -- the one call workers make ------------------------------------------------------------------------------

    async def sync(self, report: Report) -> Answer:
        """Take a worker's report, then grant what it wants and the limit allows (waiting up to ``poll`` for it)."""
        now = time.monotonic()
        if self.started is None:
            self.started = now
            if self.o.get("progress_interval"):
                self._reporter = asyncio.ensure_future(self._report_every(self.o["progress_interval"]))
        was_parked = report.worker in self.parked
        self._merge(report, now)
        w, deadline = report.worker, now + self.o.get("poll", 0.05)
        self.waiting[w] = report.want
        while True:
            grant, credits = self._grant(w, report.want), self._credit(w, report.want_credits)
            self.waiting[w] -= grant
            share = self._shares().get(w)
            at_share = share is not None and self.leased[w] >= share  # nothing to wait for: it must give back
            starved = (report.want > 0 and grant == 0 and not at_share) or (bool(report.want_credits) and credits == 0)
            left = deadline - time.monotonic()
            if grant or credits or not starved or self.stopped is not None or left <= 0:
                break
            await self._wait(left)
        held = self.leased[w] if was_parked else None
        return Answer(
            grant, held, self._shares().get(w), self.limit.epoch, credits, self.stopped, self.reason, self.fix
        )

    def _merge(self, r: Report, now: float) -> None:
        w = r.worker
        # A parked lease may have been handed to others meanwhile: the actor's count is the truth for it.
        held = min(r.held, self.leased.get(w, 0)) if w in self.parked else r.held
        gave_back = held < self.leased.get(w, 0) or r.credits < self.open.get(w, Decimal(0))
        if w in self.parked and not r.parked:  # back at work: keep only what fits beside the others' leases
            others = sum(n for x, n in self.leased.items() if x != w)
            held = min(held, max(0, self.limit.allowed - others))
        self.leased[w], self.open[w], self.in_flight[w], self.seen[w] = held, r.credits, r.in_flight, now
        (self.parked.add if r.parked else self.parked.discard)(w)
        for _ in range(r.successes):
            self.limit.on_success()
        for epoch, message in r.rate_limits:
            self.limit.on_rate_limit(epoch, message)
        self.tally.merge(r.tally)
        if r.stop is not None:
            self.stop(*r.stop)
        for name, count in r.counts.items():
            self.counts[name] += count
        if r.tally.ok or r.tally.failed or r.counts.get("skipped") or r.counts.get("not_sent"):
            self.last, self.version = now, self.version + 1
            total = self.o.get("total") or 0
            if total and not self.ended and self.progress().done >= total:
                self.ended = True  # every row is out: the closing lines, as the CLI prints them
                self._log(self.progress(), summary=True)
        if r.paused_until is None:
            self.paused.pop(w, None)
        elif r.paused_until not in self.paused.values():
            self.paused[w] = r.paused_until
            self._log(self.progress())  # a new pause: say at once when the next off-peak window opens
        else:
            self.paused[w] = r.paused_until
        for gone in [x for x, t in self.seen.items() if now - t > _STALE and x != w and x not in self.parked]:
            for table in (self.leased, self.open, self.in_flight, self.waiting, self.seen):
                table.pop(gone, None)
        if gave_back or r.successes or r.rate_limits:
            self._notify()

    # -- leases -------------------------------------------------------------------------------------------------

    def _shares(self) -> dict[str, int]:
        # Only while someone waits or the limit was passed (after a decrease): split it among the active workers,
        # the remainder to the first ones, so the shares add up to the limit exactly.
        working = {x: n for x, n in self.leased.items() if x not in self.parked}
        allowed, used = self.limit.allowed, sum(working.values())
        if used <= allowed and not any(self.waiting.values()):
            return {}
        active = sorted(x for x in working if working[x] > 0 or self.waiting.get(x, 0) > 0)
        base, extra = divmod(allowed, max(1, len(active)))
        return {x: base + (1 if i < extra else 0) for i, x in enumerate(active)}

    def _grant(self, w: str, want: int) -> int:
        if want <= 0:
            return 0
        free = self.limit.allowed - sum(self.leased.values())
        for x in sorted(self.parked - {w}):  # parked leases go to workers that need slots
            if free >= want:
                break
            take = min(self.leased[x], want - free)
            self.leased[x] -= take
            free += take
        if free <= 0:
            return 0
        share = self._shares().get(w)
        grant = min(want, free, free if share is None else max(0, share - self.leased[w]))
        self.leased[w] += grant
        self.peak = max(self.peak, sum(self.leased.values()))
        return grant

    def stop(self, code: str, reason: str, fix: str) -> None:
        """Stop the job (the first reason wins): no more first attempts anywhere; workers are told at their call."""
        if self.stopped is None:
            self.stopped, self.reason, self.fix = code, reason, fix
        self._notify()

    def _credit(self, w: str, wants: list[Decimal]) -> int:
        # As the local runner: each request's worst case is reserved before its first attempt and held until it
        # finishes, so the job's cost (replies in ``skip`` included) never passes the budget.
        budget: Decimal | None = self.o.get("max_cost")
        if budget is None or not wants or self.stopped is not None:
            return 0
        outstanding = sum(self.open.values(), Decimal(0))
        room = budget - self.o.get("prior", Decimal(0)) - self.tally.spent[self.o["currency"]] - outstanding
        granted = 0
        for worst in wants:
            if worst > room:
                break
            room -= worst
            granted += 1
            self.open[w] = self.open.get(w, Decimal(0)) + worst
        if not granted and not outstanding:
            currency = self.o["currency"]
            self.stop(
                "max_cost",
                f"the budget max_cost={budget} {currency} is spent as far as it safely goes (the next request could "
                f"cost up to {wants[0]:.4f} {currency})",
                "run again with skip= this output and a higher max_cost.",
            )
        return granted

    async def _wait(self, seconds: float) -> None:
        if self._changed is None:
            self._changed = asyncio.Event()
        event = self._changed
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    # -- what the driver sees -----------------------------------------------------------------------------------

    def progress(self) -> BatchProgress:
        """Return a snapshot: rows out, replies, failures, slots in flight, limit, 429s, tokens, cost so far."""
        t, c = self.tally, self.counts
        currency = self.o["currency"]
        total = self.o.get("total") or 0
        done = t.ok + t.failed + c["skipped"] + c["not_sent"]
        return BatchProgress(
            total,
            min(done, total) if total else done,  # Ray re-runs a block a killed worker had: never "2171/2000"
            t.ok,
            t.failed,
            sum(self.in_flight.values()),
            self.limit.allowed,
            c["rate_limited"],
            t.usage,
            self.o.get("prior", Decimal(0)) + t.spent[currency],
            currency,
            self._elapsed(),
            min(self.paused.values(), default=None),
        )

    def summary(self) -> BatchSummary:
        """Return the totals so far as a :class:`BatchSummary` (``not_sent``: rows given a ``max_cost`` error)."""
        t, c = self.tally, self.counts
        done = t.ok + t.failed + c["skipped"] + c["not_sent"]
        return BatchSummary(
            self.o.get("total") or done,
            c["skipped"],
            t.ok,
            t.failed,
            c["not_sent"],
            c["rate_limited"],
            c["retries"],
            t.usage,
            dict(t.spent),
            self.stopped,
            self.limit.ceiling,
            self._elapsed(),
            self.reason,
            self.fix,
        )

    def stats(self) -> dict[str, int]:
        """Return the lease state: most slots ever leased at once, the limit, its ceiling, workers that called."""
        limit = self.limit
        return {"peak": self.peak, "limit": limit.allowed, "ceiling": limit.ceiling, "workers": len(self.seen)}

    def _elapsed(self) -> float:
        if self.started is None:
            return 0.0
        busy = any(n for x, n in self.leased.items() if x not in self.parked) or any(self.waiting.values())
        return (time.monotonic() if busy else max(self.last, self.started)) - self.started

    async def _report_every(self, interval: float) -> None:
        shown = 0
        while True:
            await asyncio.sleep(interval)
            if self.version != shown:
                shown = self.version
                self._log(self.progress())

    def _log(self, p: BatchProgress, *, summary: bool = False) -> None:
        lines = [format_progress(p), *(format_summary(self.summary(), p.currency) if summary else [])]
        for line in lines:
            LOG.info("%s", line)


class ActorJob(BatchJob):
    """:class:`BatchJob` as the Ray actor, in a process of its own whose log records must reach the driver.

    A Ray worker process has no logging set up unless the driver asked for it (``ray.init(logging_config=...)``),
    so INFO records would be dropped there. When nothing handles :data:`LOG` in the actor's process, the actor gives
    it one handler writing ``deepseek_openai.ray: <line>`` to that process's stderr, which Ray forwards to the driver;
    where logging is set up, the records go where it says (and its level applies).
    """

    def __init__(self, ceiling: int, options: dict[str, Any]) -> None:
        super().__init__(ceiling, options)
        if not LOG.hasHandlers():
            handler = logging.StreamHandler()  # stderr
            handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
            LOG.addHandler(handler)
            LOG.setLevel(logging.INFO)
