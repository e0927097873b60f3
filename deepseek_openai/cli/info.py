"""``models``, ``cost`` and ``balance``: what the package knows about models and prices, and the account."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ._common import Context, UsageError, parse_time

__all__ = ["listed_models", "run_balance", "run_cost", "run_models"]


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _rates(rates: Any, peak: Any) -> str:
    return f"{rates:f} ({peak:f})"


def _money(amount: Decimal) -> str:
    return "0" if not amount else f"{amount.normalize():f}"


def _band(peak: bool, local: datetime, peak_hours: bool) -> str:
    from deepseek_openai import CN_MAKEUP_WORKDAYS, is_holiday

    if not peak_hours:
        return "one price all day: peak pricing began 2026-08-16 16:00 UTC"
    if peak:
        return "peak prices" + (", make-up working day" if local.date() in CN_MAKEUP_WORKDAYS else "")
    if is_holiday(local):
        return "off-peak prices: Chinese public holiday"
    return "off-peak prices" + (": weekend" if local.weekday() >= 5 else "")


def listed_models(ctx: Context) -> list[Any]:
    """Return what ``GET /models`` lists (the SDK's model objects), from DeepSeek or the offline double."""
    client = ctx.client()
    return list(client.models.list())


def run_models(ctx: Context) -> int:
    """Print the model table and, when a key is found (or offline), what ``GET /models`` reports."""
    from deepseek_openai import HOLIDAYS_KNOWN_THROUGH, MODELS, PEAK_WINDOWS_UTC, PRICES_EFFECTIVE, MissingAPIKeyError

    currency = ctx.args.currency
    header = ("model", "status", "context", "max out", "thinking", "vision", "FIM")
    rows = []
    for info in MODELS.values():
        prices = info.prices.in_currency(currency)
        off, peak = prices.off_peak, prices.peak
        rows.append(
            (
                info.name,
                info.status if info.served_by == info.name else f"{info.status}→{info.served_by}",
                f"{info.context_window:,}",
                f"{info.max_output_tokens:,}",
                "both" if len(info.thinking_modes) > 1 else info.thinking_modes[0],
                _yes(info.vision),
                _yes(info.fim),
                _rates(off.cache_hit, peak.cache_hit),
                _rates(off.cache_miss, peak.cache_miss),
                _rates(off.output, peak.output),
            )
        )
    price_head = (f"{currency}/1M hit", "miss", "output")
    full = header + price_head
    widths = [max(len(str(r[i])) for r in [full, *rows]) for i in range(len(full))]
    for row in [full, *rows]:
        ctx.out("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    windows = ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in PEAK_WINDOWS_UTC)
    ctx.out(
        f"\nPrices per 1M tokens, off-peak (peak in brackets); peak is Mon-Fri {windows} UTC, except Chinese "
        f"public holidays (known through {HOLIDAYS_KNOWN_THROUGH}). Effective {PRICES_EFFECTIVE:%Y-%m-%d}. "
        "Thinking: both = thinking (default) and non-thinking."
    )
    try:
        listed = listed_models(ctx)
    except MissingAPIKeyError:
        ctx.out("\nGET /models: not checked (no API key; set DEEPSEEK_API_KEY, or use --offline).")
        return 0
    where = "offline double" if ctx.offline else "DeepSeek"
    ctx.out(f"\nGET /models ({where}):")
    for model in listed:
        extra = []
        window = getattr(model, "context_window", None)
        if window:
            extra.append(f"context {window:,}")
        out = getattr(model, "max_output_tokens", None)
        if out:
            extra.append(f"max out {out:,}")
        known = "" if model.id in MODELS else "  (not in our table)"
        ctx.out(f"  {model.id}" + (f"  {', '.join(extra)}" if extra else "") + known)
    return 0


def run_cost(ctx: Context) -> int:
    """Price one call from its token counts at the given (or current) time, line by line."""
    from datetime import timezone

    from deepseek_openai import BEIJING, PRICE_HISTORY, Usage, cost_breakdown, model_info

    args = ctx.args
    info = model_info(args.model)
    if min(args.hit, args.miss, args.output) < 0:
        raise UsageError("token counts cannot be negative: pass --hit/--miss/--output of 0 or more.")
    when = parse_time(args.at) if args.at else datetime.now(timezone.utc)
    usage = Usage(
        prompt_tokens=args.hit + args.miss,
        cache_hit_tokens=args.hit,
        cache_miss_tokens=args.miss,
        completion_tokens=args.output,
        total_tokens=args.hit + args.miss + args.output,
    )
    bill = cost_breakdown(usage, info.name, at=when, currency=args.currency)
    era = next(e for e in PRICE_HISTORY if e.effective == bill.prices_from)
    prices = (era.usd if args.currency == "USD" else era.cny)[info.served_by]
    rates = prices.peak if bill.peak else prices.off_peak
    unit = args.currency
    ctx.out(f"model:   {info.name}" + ("" if info.served_by == info.name else f" (billed as {info.served_by})"))
    # Peak hours, weekends and holidays follow the Beijing calendar, so the weekday is the Beijing one.
    local = when.astimezone(BEIJING)
    ctx.out(
        f"time:    {when.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC = {local:%Y-%m-%d %H:%M} Beijing, "
        f"{local:%A} ({_band(bill.peak, local, era.peak_hours)})"
    )
    ctx.out(f"prices:  list effective {era.effective:%Y-%m-%d %H:%M} UTC")
    for label, count, rate, amount in (
        ("hit", args.hit, rates.cache_hit, bill.cache_hit),
        ("miss", args.miss, rates.cache_miss, bill.cache_miss),
        ("output", args.output, rates.output, bill.output),
    ):
        ctx.out(f"{label + ':':<8} {count:>10,} tokens x {_money(rate)} {unit}/1M = {_money(amount)} {unit}")
    for caveat in bill.caveats:
        ctx.out(f"note:    {caveat}")
    ctx.out(f"cost:    {_money(bill.total)} {unit}")
    return 0


def run_balance(ctx: Context) -> int:
    """Print the account balance (``GET /user/balance``); exit 1 when the account cannot make calls."""
    from deepseek_openai import get_balance

    balance = get_balance(ctx.client())
    ctx.out(f"available: {_yes(balance.is_available)}")
    for b in balance.balances:
        ctx.out(f"{b.currency}: {b.total} (granted {b.granted}, topped up {b.topped_up})")
    if not balance.is_available:
        ctx.err("fix: top up at https://platform.deepseek.com/top_up")
        return 1
    return 0
