"""``deepseek-openai batch``: a thin layer over :func:`deepseek_openai.arun_batch` (progress, signals, summary)."""

from __future__ import annotations

import asyncio
import shlex
import signal
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from ._common import Context, UsageError

if TYPE_CHECKING:
    from deepseek_openai._batch import BatchProgress, BatchSummary

__all__ = ["format_progress", "format_summary", "run_batch"]

_BAR = 24


def _money(amount: Decimal, currency: str) -> str:
    return f"{'$' if currency == 'USD' else '¥'}{amount:.4f}"


def format_progress(p: BatchProgress) -> str:
    """One status line: done/total, requests/s, in flight, 429s, tokens, cost so far (and a pause, if any).

    A total of 0 with rows done means the total is not known (a Ray dataset that cannot count without running).
    """
    rate = p.ok / p.elapsed if p.elapsed > 0 else 0.0
    tokens = p.usage.prompt_tokens + p.usage.completion_tokens
    of = f"/{p.total}" if p.total or not p.done else ""
    text = (
        f"{p.done}{of} done, {p.failed} failed, {rate:.1f} req/s, {p.in_flight} in flight (limit {p.limit}), "
        f"{p.rate_limited} 429s, {tokens} tokens, {_money(p.cost, p.currency)}"
    )
    if p.paused_until is not None:
        text += f"; peak prices: paused until {p.paused_until:%Y-%m-%d %H:%M} UTC (next off-peak window)"
    return text


def format_summary(s: BatchSummary, currency: str) -> list[str]:
    """Return the closing lines: ok/failed, tokens (hit/miss/output/reasoning), cost per currency."""
    u = s.usage
    costs = ", ".join(_money(a, c) for c, a in s.cost.items())
    lines = [
        f"batch: {s.ok} ok, {s.failed} failed, {s.skipped} already done, {s.not_sent} not sent "
        f"({s.total} in the input; {s.rate_limited} 429s, {s.retries} retries; {s.elapsed:.1f} s)",
        f"tokens: {u.cache_hit_tokens} cache hit, {u.cache_miss_tokens} cache miss, {u.completion_tokens} output "
        f"({u.reasoning_tokens} reasoning)",
        f"cost: {costs} (list prices at each reply's time; your account is billed in {currency})",
    ]
    return lines


class _Progress:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.tty = bool(getattr(ctx.stderr, "isatty", None) and ctx.stderr.isatty())
        self.width = 0

    def __call__(self, p: BatchProgress) -> None:
        text = format_progress(p)
        if not self.tty:
            self.ctx.err(text)
            return
        filled = _BAR * p.done // p.total if p.total else _BAR
        line = f"[{'#' * filled}{'.' * (_BAR - filled)}] {text}"
        self.ctx.stderr.write("\r" + line.ljust(self.width))
        self.ctx.stderr.flush()
        self.width = len(line)

    def end(self) -> None:
        if self.tty and self.width:
            self.ctx.err()


def _budget(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise UsageError(f"--max-cost {text!r} is not an amount: use e.g. --max-cost 5 or 12.50.") from None
    if not value.is_finite() or value <= 0:
        raise UsageError(f"--max-cost {text!r} must be a positive amount.")
    return value


async def _run(ctx: Context, options: dict[str, Any]) -> BatchSummary:
    from deepseek_openai import arun_batch, create_async_client

    args = ctx.args
    if ctx.offline:
        fake = ctx.start_fake()
        client = fake.async_client(max_retries=0)
    else:
        client = create_async_client(base_url=args.base_url, env_file=args.env_file, max_retries=0)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with client:
            return await arun_batch(args.input, args.output, client=client, stop=stop, **options)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def run_batch(ctx: Context) -> int:
    """Run ``deepseek-openai batch`` and return its exit code.

    0 when every request has a 200 line, 1 after failures or a budget stop, 2 for bad input (nothing sent),
    130 after Ctrl-C / SIGTERM (rerun the same command to resume).
    """
    args = ctx.args
    if args.concurrency is not None and args.concurrency < 1:
        raise UsageError(f"--concurrency {args.concurrency} must be at least 1.")
    progress = _Progress(ctx)
    options: dict[str, Any] = {
        "model": args.model,
        "concurrency": args.concurrency,
        "off_peak": args.off_peak,
        "max_cost": _budget(args.max_cost),
        "currency": args.currency,
        "progress": progress,
        "progress_interval": 0.5 if progress.tty else args.progress_every,
    }
    try:
        summary = asyncio.run(_run(ctx, options))
    finally:
        progress.end()
    for line in format_summary(summary, args.currency):
        ctx.err(line)
    again = shlex.join(["deepseek-openai", "batch", args.input, "-o", args.output, *_flags(args)])
    if summary.stopped == "interrupted":
        ctx.err(f"interrupted: every line in {args.output} is whole; {summary.not_sent} request(s) left.")
        ctx.err(f"resume: {again}")
        return 130
    if summary.stopped == "max_cost":
        ctx.err(f"stopped before passing --max-cost {args.max_cost} {args.currency}: {summary.not_sent} not sent.")
        ctx.err(f"to send the rest, raise --max-cost and run: {again}")
        return 1
    return 1 if summary.failed else 0


def _flags(args: Any) -> list[str]:
    flags: list[str] = []
    for name in ("model", "concurrency", "max_cost", "currency"):
        value = getattr(args, name)
        if value is not None and not (name == "currency" and value == "USD"):
            flags += [f"--{name.replace('_', '-')}", str(value)]
    if args.off_peak:
        flags.append("--off-peak")
    if args.offline:
        flags.append("--offline")
    return flags
