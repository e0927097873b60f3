"""How long to wait before sending a request again: jittered exponential back-off, or what ``Retry-After`` asks."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

__all__ = ["backoff", "retry_after"]

_LONGEST_PAUSE = 600.0  # a Retry-After longer than this is read as this (a misconfigured proxy must not stall a day)


def backoff(attempt: int, *, base: float, ceiling: float = 60.0, rng: random.Random | None = None) -> float:
    """Return the pause before retry ``attempt`` (0-based): exponential, capped, with "equal jitter" (half random).

    Args:
        attempt: how many retries came before this one.
        base: the first pause in seconds.
        ceiling: the longest pause.
        rng: the random source (seed one for repeatable tests).
    """
    step: float = min(ceiling, base * 2.0**attempt)
    jitter: float = (rng or random).uniform(0, step / 2)
    return step / 2 + jitter


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Return the pause a ``retry-after-ms`` or ``Retry-After`` header asks for, in seconds (``None``: none).

    DeepSeek sends no such header (quick_start/rate_limit); proxies and gateways in front of it may.
    """
    try:
        value = headers.get("retry-after-ms")
        if value is not None:
            return min(_LONGEST_PAUSE, max(0.0, float(value) / 1000))
        value = headers.get("retry-after")
        if value is None:
            return None
        with contextlib.suppress(ValueError):
            return min(_LONGEST_PAUSE, max(0.0, float(value)))
        when = parsedate_to_datetime(value)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
        return min(_LONGEST_PAUSE, max(0.0, seconds))
    except (TypeError, ValueError, IndexError):
        return None
