"""``run_batch`` / ``arun_batch``: send an OpenAI Batch file to DeepSeek, which has no Batch API (§18).

The input is checked whole before anything is sent and read back from the same descriptor; the output must be
this job's (or new) and is locked for the run; replies are appended as they finish, so a rerun skips what is
answered. Lines are admitted under the adaptive limit and the budget; transient failures are retried for as long
as the job runs, account-wide ones stop it with the lines left for a rerun.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
import random
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from .._usage import is_peak
from ._budget import Budget, price, worst_cost
from ._health import Health
from ._http import FastSender, fast_sender
from ._input import BatchFileError, BatchInput, BatchRequest
from ._limit import AdaptiveLimit, ceiling
from ._offpeak import next_off_peak
from ._output import OutputFile, OutputLock, check_output_path, output_line
from ._send import Counters, batch_http_client, send_one
from ._totals import BatchProgress, BatchSummary, Tally

if TYPE_CHECKING:
    import openai

__all__ = ["arun_batch", "run_batch"]

_SHARDS = 64  # most clients (each with its own connection pool) a run makes
_PER_SHARD = 8  # requests in flight per client at the ceiling

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class _Seams:
    """What tests replace in a run: the UTC clock (off-peak), the wait for the next window, the jitter's seed."""

    clock: Clock = _now
    sleep: Sleep = asyncio.sleep
    seed: int | None = None


_REAL = _Seams()  # the real clock, the real sleep, a random seed
_SEAMS: contextvars.ContextVar[_Seams] = contextvars.ContextVar("deepseek_openai_batch_seams", default=_REAL)

_P = ParamSpec("_P")
_T = TypeVar("_T")


def _blocking(run: Callable[_P, Coroutine[Any, Any, _T]]) -> Callable[_P, _T]:
    # The sync twin of a coroutine function: the same typed parameters, run to the end in a new event loop.
    @functools.wraps(run)
    def blocking(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        return asyncio.run(run(*args, **kwargs))

    return blocking


class _Run:
    def __init__(
        self,
        clients: list[openai.AsyncOpenAI | FastSender],
        out: OutputFile,
        total: int,
        options: dict[str, Any],
        budget: Budget,
    ) -> None:
        self.clients, self.out, self.total, self.o = clients, out, total, options
        self.turn = 0
        self.limit = AdaptiveLimit(options["start"], options["ceiling"])
        self.health = Health(grace=options["grace"], deadline=options["deadline_at"])
        self.budget = budget
        self.rng = random.Random(options["seed"])
        self.done = 0
        self.counters = Counters()
        self.tally = Tally()
        self.stopped: str | None = None
        self.reason = self.fix = ""
        self.paused_until: datetime | None = None
        self.started = time.monotonic()
        self.tasks: set[asyncio.Task[None]] = set()
        self.crash: BaseException | None = None

    # -- one line ------------------------------------------------------------------------------------------------

    async def send(self, req: BatchRequest, epoch: int, worst: Decimal) -> None:
        o, actual = self.o, Decimal(0)
        self.turn += 1
        try:
            result = await send_one(
                self.clients[self.turn % len(self.clients)],
                req.body,
                self.limit,
                epoch,
                health=self.health,
                max_attempts=o["max_attempts"],
                retry_base=o["retry_base"],
                retry_ceiling=o["retry_ceiling"],
                rng=self.rng,
                counters=self.counters,
            )
            if result is not None:  # None: the job stopped before this line had an answer; a rerun sends it
                actual = self.finish(req, *result, worst=worst)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - a bug: handed to the driver, which raises it
            self.crash = exc
            self.health.stop("crash", f"{type(exc).__name__}: {exc}", "report this bug; run again to resume.")
        finally:
            self.limit.retire()
            self.budget.settle(worst, actual)

    def finish(
        self, req: BatchRequest, status: int | None, request_id: str | None, body: Any, error: Any, *, worst: Decimal
    ) -> Decimal:
        self.out.append(output_line(req.custom_id, status, request_id, body, error, offline=self.o["offline"]))
        self.done += 1
        model = str(req.body.get("model", ""))
        amount = self.tally.add(status, body, error, model, self.o["currency"])
        return worst if amount is None else amount  # a reply that cannot be priced counts as its worst case

    # -- admitting lines ----------------------------------------------------------------------------------------

    async def wait_off_peak(self) -> None:
        clock: Clock = self.o["clock"]
        while is_peak(now := clock()):
            self.paused_until = next_off_peak(now)
            self.report()
            await self.o["sleep"]((self.paused_until - now).total_seconds())
        self.paused_until = None

    async def feed(self, requests: Iterator[BatchRequest]) -> None:
        o, budget, health = self.o, self.budget, self.health
        for req in requests:
            if health.stopped is not None or health.expired():
                return
            if o["off_peak"]:
                await self.wait_off_peak()
            worst = worst_cost(req.body, req.size, o["currency"]) if budget.limit is not None else Decimal(0)
            if not await budget.reserve(worst):
                self.stop_for_budget(worst)
                return
            await health.ready()
            epoch = await self.limit.admit()
            if health.stopped is not None or health.expired():
                self.limit.release()
                self.limit.retire()
                budget.settle(worst, Decimal(0))
                return
            task = asyncio.ensure_future(self.send(req, epoch, worst))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    def stop_for_budget(self, worst: Decimal) -> None:
        b, currency = self.budget, self.o["currency"]
        so_far = b.prior + b.spent
        self.stopped = "max_cost"
        self.reason = (
            f"the budget is spent as far as it safely goes: {so_far:.4f} of {b.limit} {currency} used, and the next "
            f"request could cost up to {worst:.4f} {currency} (its max_tokens, or the model's default output, at "
            "peak price)"
        )
        self.fix = "raise max_cost= to send the rest, or give the requests a smaller max_tokens."

    # -- reporting --------------------------------------------------------------------------------------------

    def progress(self) -> BatchProgress:
        return BatchProgress(
            self.total,
            min(self.total, self.o["skipped"] + self.done),
            self.tally.ok,
            self.tally.failed,
            self.limit.in_flight,
            self.limit.allowed,
            self.counters.rate_limited,
            self.tally.usage,
            self.budget.prior + self.tally.spent[self.o["currency"]],
            self.o["currency"],
            time.monotonic() - self.started,
            self.paused_until,
        )

    def report(self) -> None:
        callback = self.o["progress"]
        if callback is not None:
            callback(self.progress())

    async def reporter(self) -> None:
        while True:
            await asyncio.sleep(self.o["progress_interval"])
            self.report()

    def summary(self, skipped: int) -> BatchSummary:
        stopped, reason, fix = self.stopped, self.reason, self.fix
        if self.health.stopped is not None and self.health.stopped != "crash":
            stopped, reason, fix = self.health.stopped, self.health.reason, self.health.fix
        return BatchSummary(
            self.total,
            skipped,
            self.tally.ok,
            self.tally.failed,
            max(0, self.total - skipped - self.done),
            self.counters.rate_limited,
            self.counters.retries,
            self.tally.usage,
            dict(self.tally.spent),
            stopped,
            self.limit.ceiling,
            time.monotonic() - self.started,
            reason,
            fix,
        )


def _line_cost(item: dict[str, Any], model: str | None, currency: str) -> Decimal:
    response = item.get("response")
    if (
        not isinstance(response, dict)
        or response.get("status_code") != 200
        or not isinstance(response.get("body"), dict)
    ):
        return Decimal(0)
    return price(response["body"], model or "").get(currency, Decimal(0))


def _check_origin(out: OutputFile, offline: bool) -> None:
    # Replies of the offline double are echoes: never count them as DeepSeek's answers, nor mix the two.
    if out.offline and not offline:
        raise BatchFileError(
            f"the output {out.path} holds {out.offline} line(s) answered by the offline double (--offline), not by "
            "DeepSeek; resuming it online would count them as done. It was left unchanged.",
            fix="choose a new output file with output_path= for the run against DeepSeek.",
            path=out.path,
        )
    if out.online and offline:
        raise BatchFileError(
            f"the output {out.path} holds {out.online} line(s) answered online; an --offline run would mix the "
            "double's echoes into it. It was left unchanged.",
            fix="choose a new output file with output_path= for the offline run.",
            path=out.path,
        )


async def _drive(run: _Run, requests: Iterator[BatchRequest], stop: asyncio.Event | None, drain: float) -> None:
    health = run.health
    feeder = asyncio.ensure_future(run.feed(requests))
    reporter = asyncio.ensure_future(run.reporter())
    halted = asyncio.ensure_future(health.halted())
    asked = asyncio.ensure_future(stop.wait()) if stop is not None else None
    timer = None
    if health.deadline is not None:
        timer = asyncio.ensure_future(asyncio.sleep(max(0.0, health.deadline - time.monotonic())))
    watchers = [t for t in (halted, asked, timer) if t is not None]

    def interrupted() -> bool:
        if stop is None or not stop.is_set():
            return False
        health.stop("interrupted", "stopped by request (Ctrl-C, SIGTERM or stop)", "run the same command again.")
        return True

    try:
        # Admit lines until the input ends, the job stops, a stop is asked for, or the deadline passes.
        await asyncio.wait([feeder, *watchers], return_when=asyncio.FIRST_COMPLETED)
        if not feeder.done():
            feeder.cancel()
        await asyncio.gather(feeder, return_exceptions=True)
        if not feeder.cancelled() and feeder.exception() is not None:
            raise feeder.exception()  # type: ignore[misc]
        # Let the lines admitted finish; a stop (or the deadline) bounds the wait by ``drain``.
        while run.tasks and not interrupted() and not health.expired() and health.stopped is None:
            await asyncio.wait(
                {*run.tasks, *(w for w in watchers if not w.done())}, return_when=asyncio.FIRST_COMPLETED
            )
        if run.tasks:
            _, late = await asyncio.wait(set(run.tasks), timeout=drain)
            for task in late:
                task.cancel()
            if late:
                await asyncio.gather(*late, return_exceptions=True)
        if (
            health.expired()
            and run.stopped is None
            and health.stopped is None
            and run.total > run.o["skipped"] + run.done
        ):
            run.stopped = "deadline"
            run.reason = "the job's deadline passed before every line was answered"
            run.fix = "run the same command again to send the lines left (with a later --deadline)."
        if run.crash is not None:
            raise run.crash
    finally:
        leftover: list[asyncio.Future[Any]] = [feeder, reporter, *watchers, *run.tasks]
        for future in leftover:
            if not future.done():
                future.cancel()
        await asyncio.gather(*leftover, return_exceptions=True)


async def arun_batch(
    input_path: str | os.PathLike[str],
    output_path: str | os.PathLike[str],
    *,
    model: str | None = None,
    concurrency: int | None = None,
    off_peak: bool = False,
    max_cost: Decimal | float | str | None = None,
    currency: str = "USD",
    client: openai.AsyncOpenAI | None = None,
    api_key: str | None = None,
    base_url: str | None = None,
    env_file: str | os.PathLike[str] | bool | None = None,
    timeout: float | None = None,
    deadline: float | None = None,
    grace: float = 300.0,
    wait: bool = False,
    drain: float = 30.0,
    max_attempts: int | None = None,
    retry_base: float = 0.5,
    retry_ceiling: float = 60.0,
    progress: Callable[[BatchProgress], None] | None = None,
    progress_interval: float = 1.0,
    stop: asyncio.Event | None = None,
    offline: bool = False,
) -> BatchSummary:
    """Send every request of an OpenAI Batch input file and append OpenAI Batch output lines as replies arrive.

    Args:
        input_path: JSONL, one ``{custom_id, method, url, body}`` a line; checked whole before anything is sent.
        output_path: JSONL output, appended (created ``0600`` when missing); ids already in it are skipped (resume).
            An existing file must be an output of this job (every line a batch output line whose ``custom_id`` is
            in the input); anything else is refused unchanged.
        model: replaces every line's ``body.model`` (needed for a file naming OpenAI models).
        concurrency: most requests in flight; default and ceiling: the model's account cap (``MODELS``).
        off_peak: send only while :func:`~deepseek_openai.is_peak` is false (half price); wait for the next window.
        max_cost: never let the job's cost (earlier runs included) pass this, in ``currency``: each request's worst
            case (its ``max_tokens``, or the model's default output, at peak price) is reserved before it is sent.
        currency: ``"USD"`` or ``"CNY"``: the account's price list, used for ``max_cost`` and progress.
        client: an ``AsyncOpenAI`` from :func:`~deepseek_openai.create_async_client`; its own retries are turned
            off for the batch (this function retries). Default: one made from the key, whose HTTP client keeps no
            reasoning memory (lines are separate conversations; a client you pass keeps its own).
        api_key: the key, when no ``client`` is given (else the usual lookup: ``DEEPSEEK_API_KEY``, ``.env``).
        base_url: the base URL, when no ``client`` is given.
        env_file: the ``.env`` file to read the key from, when no ``client`` is given (as in ``create_client``).
        timeout: seconds per request (default: the client's, read 1800 s).
        deadline: seconds for the whole job: no attempt starts after it; requests still failing then get an error
            row (``deadline_exceeded``), lines never sent stay for a rerun.
        grace: seconds of connection failures with no answer at all before the job stops (``unreachable``).
        wait: when another run is writing ``output_path``, wait for it to end instead of refusing.
        drain: after ``stop``, seconds to wait for the requests in flight so their replies are written.
        max_attempts: tries per request before an error row (``retries_exhausted``); ``None``: retry transient
            failures (429, 5xx, timeouts, connection errors, bodies that are not JSON) until the deadline.
        retry_base: first back-off pause in seconds (exponential, jittered).
        retry_ceiling: longest back-off pause in seconds.
        progress: called with a :class:`BatchProgress` every ``progress_interval`` seconds and on pauses.
        progress_interval: seconds between progress calls.
        stop: set it to stop cleanly: no new line is sent, the requests in flight are waited for (up to
            ``drain`` seconds) and written; cancel the task to stop at once.
        offline: the client is the offline double's: lines are marked so, and an output of DeepSeek's replies is
            refused (as an offline output is refused online).

    Returns:
        A :class:`BatchSummary`; ``stopped``, ``reason`` and ``fix`` say why it ended early, if it did.

    Raises:
        BatchInputError: the input has bad lines (all listed with line numbers), or none; nothing was sent.
        BatchFileError: the input is missing, or the output is not this job's (left unchanged), a directory, a
            device, the input itself, or in a folder that does not exist.
        BatchLockedError: another run is writing the output (see ``wait``).
        UnknownModelError: ``model`` is not a DeepSeek model id.
        MissingAPIKeyError: no client and no key found.
    """
    seams = _SEAMS.get()
    source = BatchInput(input_path, model=model)
    lock: OutputLock | None = None
    out: OutputFile | None = None
    made: list[openai.AsyncOpenAI] = []
    senders: list[FastSender] = []
    try:
        output = Path(output_path)
        check_output_path(output, source.path)
        timing: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        first = None
        if client is None:  # the key is looked up before the input is read: a missing key fails fast
            from .._client import create_async_client

            first = create_async_client(
                api_key, base_url=base_url, env_file=env_file, max_retries=0, http_client=batch_http_client(), **timing
            )
            made.append(first)
        lock = OutputLock(output)
        await lock.acquire(wait=wait)
        stats = source.check()
        out = OutputFile(output, source.ids, source.path.name)
        code = currency.upper()
        prior = out.load(lambda item: _line_cost(item, model, code))
        _check_origin(out, offline)
        budget = Budget(None if max_cost is None else Decimal(str(max_cost)), prior)
        top = ceiling(stats.models, concurrency)
        clients: list[openai.AsyncOpenAI | FastSender]
        if first is not None:
            sender = fast_sender(first, top)  # bytes-level path: ~10x less CPU a request than the SDK's
            if sender is not None:
                senders.append(sender)
                clients = [sender]
            else:
                # httpx checks every pooled connection on each request (O(pool)): pools of ~8 connections keep it
                # cheap.
                shards = max(1, min(_SHARDS, -(-top // _PER_SHARD)))
                made += [first.with_options(http_client=batch_http_client()) for _ in range(shards - 1)]
                clients = list(made)
        else:
            clients = [client.with_options(max_retries=0, **timing)]  # type: ignore[union-attr]
        options = {
            "start": top if concurrency is not None else min(top, 32),
            "ceiling": top,
            "seed": seams.seed,
            "max_attempts": None if max_attempts is None else max(1, max_attempts),
            "retry_base": retry_base,
            "retry_ceiling": retry_ceiling,
            "grace": grace,
            "deadline_at": None if deadline is None else time.monotonic() + deadline,
            "currency": code,
            "clock": seams.clock,
            "sleep": seams.sleep,
            "off_peak": off_peak,
            "offline": offline,
            "progress": progress,
            "progress_interval": progress_interval,
            "skipped": out.done,
        }
        run = _Run(clients, out, stats.count, options, budget)
        await _drive(run, source.requests(skip=out.answered), stop, drain)
        run.report()
        return run.summary(out.done)
    finally:
        for sender in senders:
            await sender.aclose()
        for one in made:
            await one.close()
        if out is not None:
            out.close()
        if lock is not None:
            lock.release()
        source.close()


async def _arun_batch(
    *args: Any, clock: Clock = _now, sleep: Sleep = asyncio.sleep, seed: int | None = None, **kwargs: Any
) -> BatchSummary:
    """:func:`arun_batch` with the seams tests replace: ``clock``, ``sleep`` and ``seed`` (see :class:`_Seams`)."""
    token = _SEAMS.set(_Seams(clock, sleep, seed))
    try:
        return await arun_batch(*args, **kwargs)
    finally:
        _SEAMS.reset(token)


run_batch = _blocking(arun_batch)
run_batch.__doc__ = """Run :func:`arun_batch` to the end in a new event loop: the sync twin, with the same arguments.

    Returns:
        A :class:`BatchSummary`; ``stopped``, ``reason`` and ``fix`` say why it ended early, if it did.

    Raises:
        BatchInputError: the input has bad lines (all listed with line numbers), or none; nothing was sent.
        BatchFileError: the input or output cannot be used as given; nothing was sent or changed.
        BatchLockedError: another run is writing the output (see ``wait``).
        UnknownModelError: ``model`` is not a DeepSeek model id.
        MissingAPIKeyError: no client and no key found.
    """
