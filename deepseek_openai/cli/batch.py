"""``deepseek-openai batch``: a thin layer over :func:`deepseek_openai.arun_batch` (progress, signals, summary)."""

from __future__ import annotations

import asyncio
import shlex
import signal
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from deepseek_openai.batch._text import format_progress, format_summary

from ._common import Context, UsageError
from ._wording import cli_fix, cli_message

if TYPE_CHECKING:
    from deepseek_openai.batch._totals import BatchProgress, BatchSummary

__all__ = ["run_batch"]

_BAR = 24


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
            self.width = 0


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


def _seconds(flag: str, value: float | None, *, zero: bool = False) -> float | None:
    if value is not None and not (value >= 0 if zero else value > 0):
        raise UsageError(f"{flag} {value:g} must be a positive number of seconds: use e.g. {flag} 60.")
    return value


class _Signals:
    """First Ctrl-C / SIGTERM: stop admitting and wait for the requests in flight; second: stop at once."""

    def __init__(self, ctx: Context, progress: _Progress, drain: float) -> None:
        self.ctx, self.progress, self.drain = ctx, progress, drain
        self.stop = asyncio.Event()
        self.task: asyncio.Task[BatchSummary] | None = None

    def __call__(self) -> None:
        if not self.stop.is_set():
            self.stop.set()
            self.progress.end()
            self.ctx.err(
                f"stopping: no new requests; waiting up to {self.drain:g} s for the requests in flight so their "
                "replies are written (Ctrl-C again to stop at once)."
            )
        elif self.task is not None:
            self.task.cancel()


async def _run(ctx: Context, options: dict[str, Any], signals: _Signals) -> BatchSummary:
    from deepseek_openai import arun_batch

    args = ctx.args
    if ctx.offline:
        fake = ctx.start_fake()
        where: dict[str, Any] = {"api_key": fake.api_key, "base_url": fake.base_url, "env_file": False}
    else:
        where = {"base_url": args.base_url, "env_file": args.env_file}
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, signals)
    try:
        signals.task = asyncio.ensure_future(arun_batch(args.input, args.output, stop=signals.stop, **where, **options))
        return await signals.task
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def run_batch(ctx: Context) -> int:
    """Run ``deepseek-openai batch`` and return its exit code.

    0 when every request has a 200 line; 1 after failures or an early stop (budget, deadline, key, balance,
    network); 2 for a bad input or output file (nothing sent); 130 after Ctrl-C / SIGTERM (rerun to resume).
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
        "timeout": _seconds("--timeout", args.timeout),
        "deadline": _seconds("--deadline", args.deadline),
        "grace": _seconds("--grace", args.grace, zero=True),
        "wait": args.wait,
        "offline": ctx.offline,
        "progress": progress,
        "progress_interval": 0.5 if progress.tty else args.progress_every,
    }
    signals = _Signals(ctx, progress, 30.0)
    again = shlex.join(["deepseek-openai", "batch", args.input, "-o", args.output, *_flags(args)])
    try:
        summary = asyncio.run(_run(ctx, options, signals))
    except asyncio.CancelledError:
        progress.end()
        ctx.err(f"stopped at once: every line in {args.output} is whole; requests in flight were abandoned.")
        ctx.err(f"resume: {again}")
        return 130
    finally:
        progress.end()
    for line in format_summary(summary, args.currency):
        ctx.err(line)
    if summary.stopped == "interrupted":
        ctx.err(f"interrupted: every line in {args.output} is whole; {summary.not_sent} request(s) left.")
        ctx.err(f"resume: {again}")
        return 130
    if summary.stopped is not None:
        ctx.err(f"error: {cli_message(summary.reason, batch=True)}; {summary.not_sent} request(s) not sent.")
        ctx.err(f"fix: {cli_fix(summary.fix, batch=True)}")
        ctx.err(f"resume: {again}")
        return 1
    return 1 if summary.failed else 0


def _flags(args: Any) -> list[str]:
    # Every flag that chose the endpoint, the key, the requests or the limits: the resume command is the same run.
    flags: list[str] = []
    for name in ("base_url", "env_file", "model", "concurrency", "max_cost", "currency", "timeout", "deadline"):
        value = getattr(args, name, None)
        if value is not None and not (name == "currency" and value == "USD"):
            flags += [f"--{name.replace('_', '-')}", f"{value:g}" if isinstance(value, float) else str(value)]
    if getattr(args, "grace", 300.0) != 300.0:
        flags += ["--grace", f"{args.grace:g}"]
    if args.off_peak:
        flags.append("--off-peak")
    if args.offline:
        flags.append("--offline")
    return flags
