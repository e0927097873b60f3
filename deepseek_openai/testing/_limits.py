"""The double's account limits: a concurrency cap (429 above it), a cap set by the balance, per-request latency."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ._api_error import ApiError

__all__ = ["ConcurrencyGate", "concurrency_error"]


def concurrency_error(limit: int, *, by_balance: bool) -> ApiError:
    """Return DeepSeek's 429 for a request above the account's concurrency limit.

    A low balance lowers the cap; the 429 then names it (deepseek-api.md §18, a message seen 2026-09). No
    ``x-ratelimit-*`` headers are sent (quick_start/rate_limit).
    """
    reason = f"concurrency limit of {limit} based on your remaining balance" if by_balance else f"limit of {limit}"
    message = f"Rate Limit Reached: you have exceeded the {reason} concurrent requests."
    return ApiError(429, message, "rate_limit_error", "rate_limit_exceeded")


@dataclass
class _State:
    limit: int | None = None
    by_balance: bool = False
    in_flight: int = 0
    peak: int = 0
    refused: int = 0


class ConcurrencyGate:
    """Counts requests in flight; refuses one above the limit, like DeepSeek's per-account cap (quick_start/rate_limit).

    A request counts from arrival until its reply is written (DeepSeek: "from send until its response finishes").
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = _State()

    def set_limit(self, limit: int | None, *, by_balance: bool = False) -> None:
        """Set the cap (``None``: none) and whether its 429 says it comes from the balance."""
        if limit is not None and limit < 1:
            raise ValueError(f"a concurrency limit must be at least 1, got {limit!r}")
        with self._lock:
            self._state.limit, self._state.by_balance = limit, by_balance

    def enter(self) -> ApiError | None:
        """Count one more request in flight, or return the 429 when that would pass the cap (then nothing counts)."""
        with self._lock:
            state = self._state
            if state.limit is not None and state.in_flight >= state.limit:
                state.refused += 1
                return concurrency_error(state.limit, by_balance=state.by_balance)
            state.in_flight += 1
            state.peak = max(state.peak, state.in_flight)
            return None

    def leave(self) -> None:
        """Count one request fewer in flight."""
        with self._lock:
            self._state.in_flight -= 1

    @property
    def peak(self) -> int:
        """The most requests that were ever in flight at once."""
        with self._lock:
            return self._state.peak

    @property
    def refused(self) -> int:
        """How many requests got the concurrency 429."""
        with self._lock:
            return self._state.refused

    def reset(self) -> None:
        """Forget the peak and the refusal count (the cap stays)."""
        with self._lock:
            self._state.peak, self._state.refused = self._state.in_flight, 0
