"""One batch request, sent with retries under a shared concurrency limit; used by the local and the Ray runners."""

from __future__ import annotations

import asyncio
import importlib
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ._batch import backoff, json_or_text

if TYPE_CHECKING:
    import openai

__all__ = ["Counters", "Limit", "Result", "send_one"]

Result = tuple[int | None, str | None, Any, Any]
"""``(status_code, request_id, body, error)`` for one output line; ``status_code`` is ``None`` without a reply."""


class Limit(Protocol):
    """What :func:`send_one` needs from a concurrency limit (``AdaptiveLimit``, or a proxy to a shared one)."""

    async def acquire(self) -> int:
        """Take a slot; return the limit's epoch."""

    def release(self) -> None:
        """Give a slot back."""

    def on_success(self) -> None:
        """Count a reply."""

    def on_rate_limit(self, epoch: int, message: str = "") -> None:
        """Count a 429."""


@dataclass
class Counters:
    """429s met and retries made."""

    rate_limited: int = 0
    retries: int = 0


def response_class() -> Any:
    """Return the SDK's own HTTP response class: ``cast_to`` it makes ``post()`` return the raw response."""
    import openai

    # httpx (openai 1.x/2.x) or httpx2 (3.x): never imported by name, the SDK's choice is followed.
    base = next(c for c in openai.DefaultHttpxClient.__mro__ if c.__module__.startswith(("httpx.", "httpx2.")))
    return importlib.import_module(base.__module__.partition(".")[0]).Response


async def send_one(
    client: openai.AsyncOpenAI,
    body: dict[str, Any],
    limit: Limit,
    epoch: int | None,
    *,
    max_attempts: int,
    retry_base: float,
    rng: random.Random,
    counters: Counters,
) -> Result:
    """Send one chat request; retry 429, 5xx, 408, timeouts and connection errors with jittered back-off.

    Args:
        client: a client with the SDK's own retries off (``max_retries=0``).
        body: the request body, sent as it is (the client's hook translates legacy model names).
        limit: the concurrency limit; a slot is held only while a request is on the wire.
        epoch: the epoch of a slot the caller already took, or ``None`` to take one first.
        max_attempts: tries before giving up.
        retry_base: first back-off pause in seconds.
        rng: jitter source.
        counters: updated with 429s and retries.

    Returns:
        ``(200, request_id, reply, None)``; ``(status, request_id, error_body, None)`` for a refusal (4xx); or the
        last answer with ``error={"code": "retries_exhausted", ...}`` once ``max_attempts`` are spent.
    """
    import openai

    cast = response_class()
    last: Result = (None, None, None, None)
    reason = ""
    for attempt in range(max(1, max_attempts)):
        if attempt:
            counters.retries += 1
            await asyncio.sleep(backoff(attempt - 1, base=retry_base, rng=rng))
        if epoch is None:
            epoch = await limit.acquire()
        try:
            reply = await client.post("/chat/completions", body=body, cast_to=cast)
        except openai.APIStatusError as exc:
            last = (exc.status_code, getattr(exc, "request_id", None), json_or_text(exc.response), None)
            reason = f"HTTP {exc.status_code}: {exc.message}"
            if exc.status_code == 429:
                # DeepSeek's account cap: 429 with no rate-limit headers (quick_start/rate_limit, §18): back off.
                counters.rate_limited += 1
                limit.on_rate_limit(epoch, exc.message)
            elif exc.status_code < 500 and exc.status_code != 408:
                return last  # refused for good: the body says why
            continue
        except openai.APIConnectionError as exc:  # timeouts included
            reason = f"{type(exc).__name__}: {exc}"
            continue
        finally:
            limit.release()
            epoch = None
        limit.on_success()
        data = reply.json()
        return 200, reply.headers.get("x-request-id") or data.get("id"), data, None
    error = {"code": "retries_exhausted", "message": f"{max_attempts} attempts; last: {reason}"}
    return last[0], last[1], last[2], error
