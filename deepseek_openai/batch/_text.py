"""The words of a batch's progress and closing lines: the CLI prints them, the Ray job actor logs them."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._totals import BatchProgress, BatchSummary

__all__ = ["format_progress", "format_summary"]


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
