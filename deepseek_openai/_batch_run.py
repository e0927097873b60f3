"""``run_batch`` / ``arun_batch``: send an OpenAI Batch file to DeepSeek, which has no Batch API (§18).

The input is checked whole before anything is sent; replies are appended to the output as they finish, so a
rerun skips what is answered. Concurrency adapts to 429s and never passes the model's account cap.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ._batch import (
    AdaptiveLimit,
    BatchProgress,
    BatchSummary,
    Tally,
    ceiling,
    next_off_peak,
    output_line,
    price,
)
from ._batch_io import BatchRequest, OutputFile, check_input, read_requests
from ._batch_send import Counters, send_one
from ._usage import is_peak

if TYPE_CHECKING:
    import openai

__all__ = ["arun_batch", "run_batch"]

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


def _now() -> datetime:
    return datetime.now(timezone.utc)


class _Run:
    def __init__(self, client: openai.AsyncOpenAI, out: OutputFile, total: int, options: dict[str, Any]) -> None:
        self.client, self.out, self.total, self.o = client, out, total, options
        self.limit = AdaptiveLimit(options["start"], options["ceiling"])
        self.rng = random.Random(options["seed"])
        self.done = 0
        self.counters = Counters()
        self.tally = Tally()
        self.prior = Decimal(0)
        self.stopped: str | None = None
        self.paused_until: datetime | None = None
        self.started = time.monotonic()
        self.tasks: set[asyncio.Task[None]] = set()
        self.crash: BaseException | None = None

    # -- sending one request -------------------------------------------------------------------------------------

    async def send(self, req: BatchRequest, epoch: int) -> None:
        o = self.o
        try:
            result = await send_one(
                self.client,
                req.body,
                self.limit,
                epoch,
                max_attempts=o["max_attempts"],
                retry_base=o["retry_base"],
                rng=self.rng,
                counters=self.counters,
            )
            self.finish(req, *result)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - handed to the feed loop, which raises it
            self.crash = exc
            self.limit.wake()  # the feed loop raises it (send_one gave the slot back already)

    def finish(self, req: BatchRequest, status: int | None, request_id: str | None, body: Any, error: Any) -> None:
        self.out.append(output_line(req.custom_id, status, request_id, body, error))
        self.done += 1
        self.tally.add(status, body, error, req.body.get("model", ""), self.o["currency"])

    # -- the feed loop ----------------------------------------------------------------------------------------

    def over_budget(self) -> bool:
        budget: Decimal | None = self.o["max_cost"]
        largest = self.tally.largest
        if budget is None or largest is None:
            return False
        # Stop before the job could pass the budget: each request in flight may cost as much as the largest so far.
        so_far = self.prior + self.tally.spent[self.o["currency"]]
        return so_far + (self.limit.in_flight + 1) * largest > budget

    async def wait_off_peak(self) -> None:
        clock: Clock = self.o["clock"]
        while is_peak(now := clock()):
            self.paused_until = next_off_peak(now)
            self.report()
            await self.o["sleep"]((self.paused_until - now).total_seconds())
        self.paused_until = None

    async def feed(self, requests: Any) -> None:
        try:
            for req in requests:
                if self.o["off_peak"]:
                    await self.wait_off_peak()
                alone = self.o["max_cost"] is not None and self.tally.largest is None
                epoch = await self.limit.acquire(alone=alone)
                if self.crash is not None:
                    self.limit.release()
                    break
                if self.over_budget():
                    self.limit.release()
                    self.stopped = "max_cost"
                    break
                task = asyncio.ensure_future(self.send(req, epoch))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            if self.tasks:
                await asyncio.gather(*list(self.tasks))
            if self.crash is not None:
                raise self.crash
        finally:
            for task in list(self.tasks):
                task.cancel()
            if self.tasks:
                await asyncio.gather(*list(self.tasks), return_exceptions=True)

    # -- reporting --------------------------------------------------------------------------------------------

    def report(self) -> None:
        callback = self.o["progress"]
        if callback is not None:
            callback(
                BatchProgress(
                    self.total,
                    self.o["skipped"] + self.done,
                    self.tally.ok,
                    self.tally.failed,
                    self.limit.in_flight,
                    self.limit.allowed,
                    self.counters.rate_limited,
                    self.tally.usage,
                    self.prior + self.tally.spent[self.o["currency"]],
                    self.o["currency"],
                    time.monotonic() - self.started,
                    self.paused_until,
                )
            )

    async def reporter(self) -> None:
        while True:
            await asyncio.sleep(self.o["progress_interval"])
            self.report()

    def summary(self, skipped: int) -> BatchSummary:
        return BatchSummary(
            self.total,
            skipped,
            self.tally.ok,
            self.tally.failed,
            self.total - skipped - self.done,
            self.counters.rate_limited,
            self.counters.retries,
            self.tally.usage,
            dict(self.tally.spent),
            self.stopped,
            self.limit.ceiling,
            time.monotonic() - self.started,
        )


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
    timeout: float | None = None,
    max_attempts: int = 8,
    retry_base: float = 0.5,
    progress: Callable[[BatchProgress], None] | None = None,
    progress_interval: float = 1.0,
    stop: asyncio.Event | None = None,
    clock: Clock = _now,
    sleep: Sleep = asyncio.sleep,
    seed: int | None = None,
) -> BatchSummary:
    """Send every request of an OpenAI Batch input file and append OpenAI Batch output lines as replies arrive.

    Args:
        input_path: JSONL, one ``{custom_id, method, url, body}`` a line; checked whole before anything is sent.
        output_path: JSONL output, appended (created when missing); ids already in it are skipped (resume).
        model: replaces every line's ``body.model`` (needed for a file naming OpenAI models).
        concurrency: most requests in flight; default and ceiling: the model's account cap (``MODELS``).
        off_peak: send only while :func:`~deepseek_openai.is_peak` is false (half price); wait for the next window.
        max_cost: stop sending before the job's cost (earlier runs included) could pass this, in ``currency``.
        currency: ``"USD"`` or ``"CNY"``: the account's price list, used for ``max_cost`` and progress.
        client: an ``AsyncOpenAI`` from :func:`~deepseek_openai.create_async_client`; its own retries are turned
            off for the batch (this function retries within ``max_attempts``). Default: one made from the key.
        api_key: the key, when no ``client`` is given (else the usual lookup: ``DEEPSEEK_API_KEY``, ``.env``).
        base_url: the base URL, when no ``client`` is given.
        timeout: seconds per request, when no ``client`` is given (default: the client's, read 1800 s).
        max_attempts: tries per request on 429, 5xx, timeouts and connection errors; then an error line.
        retry_base: first back-off pause in seconds (exponential, jittered).
        progress: called with a :class:`BatchProgress` every ``progress_interval`` seconds and on pauses.
        progress_interval: seconds between progress calls.
        stop: set it to stop cleanly: nothing more is sent, requests in flight are abandoned (sent again on rerun).
        clock: returns the current time (tests inject one).
        sleep: waits for off-peak (tests inject one).
        seed: seeds the back-off jitter.

    Returns:
        A :class:`BatchSummary`; ``stopped`` says whether the budget or ``stop`` ended it early.

    Raises:
        BatchInputError: the input has bad lines (all listed with line numbers); nothing was sent.
        UnknownModelError: ``model`` is not a DeepSeek model id.
        MissingAPIKeyError: no client and no key found.
    """
    from ._client import create_async_client

    stats = check_input(input_path, model=model)
    out = OutputFile(output_path)
    try:
        prior = Decimal(0)
        skipped = 0
        for item in out.scan():
            skipped += 1
            response = item.get("response") or {}
            if response.get("status_code") == 200:
                prior += price(response.get("body") or {}, model or "").get(currency.upper(), Decimal(0))
        top = ceiling(stats.models, concurrency)
        own = client is None
        timing: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        made = create_async_client(api_key, base_url=base_url, max_retries=0, **timing) if own else None
        active = made if made is not None else client.with_options(max_retries=0)  # type: ignore[union-attr]
        options = {
            "start": top if concurrency is not None else min(top, 32),
            "ceiling": top,
            "seed": seed,
            "max_attempts": max(1, max_attempts),
            "retry_base": retry_base,
            "currency": currency.upper(),
            "max_cost": None if max_cost is None else Decimal(str(max_cost)),
            "clock": clock,
            "sleep": sleep,
            "off_peak": off_peak,
            "progress": progress,
            "progress_interval": progress_interval,
            "skipped": skipped,
        }
        run = _Run(active, out, stats.count, options)
        run.prior = prior
        try:
            await _drive(run, read_requests(input_path, model=model, skip=out.answered), stop)
        finally:
            if made is not None:
                await made.close()
        run.report()
        return run.summary(skipped)
    finally:
        out.close()


async def _drive(run: _Run, requests: Any, stop: asyncio.Event | None) -> None:
    feeder = asyncio.ensure_future(run.feed(requests))
    reporter = asyncio.ensure_future(run.reporter())
    waiter = asyncio.ensure_future(stop.wait()) if stop is not None else None
    try:
        await asyncio.wait([t for t in (feeder, waiter) if t is not None], return_when=asyncio.FIRST_COMPLETED)
        if not feeder.done():
            run.stopped = "interrupted"
            feeder.cancel()
        await asyncio.gather(feeder, return_exceptions=run.stopped == "interrupted")
    finally:
        for task in (feeder, reporter, waiter):
            if task is not None and not task.done():
                task.cancel()
        await asyncio.gather(*(t for t in (feeder, reporter, waiter) if t is not None), return_exceptions=True)


def run_batch(input_path: str | os.PathLike[str], output_path: str | os.PathLike[str], **options: Any) -> BatchSummary:
    """Run :func:`arun_batch` to the end in a new event loop; the sync twin (same arguments).

    Raises:
        BatchInputError: the input has bad lines; nothing was sent.
    """
    return asyncio.run(arun_batch(input_path, output_path, **options))
