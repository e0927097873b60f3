"""One batch request, sent with retries under a shared concurrency limit; used by the local and the Ray runners."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ._backoff import backoff, retry_after
from ._health import Health
from ._http import FastSender, HttpFailure
from ._limit import AdaptiveLimit

if TYPE_CHECKING:
    import openai

__all__ = ["Counters", "Limit", "Result", "batch_http_client", "send_one"]

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


def batch_http_client(**kwargs: Any) -> Any:
    """Return ``create_async_http_client(**kwargs)`` without a reasoning memory, for batch clients.

    Batch lines are separate conversations, often of different users: one line's reasoning must never be filled
    into another's request, and remembering every reply would grow memory with the number of lines.
    """
    from .._client import create_async_http_client

    http = create_async_http_client(**kwargs)
    http.remembers_replies = False
    return http


def response_class() -> Any:
    """Return the SDK's own HTTP response class: ``cast_to`` it makes ``post()`` return the raw response."""
    from .._httpx import http_module

    return http_module().Response


def json_or_text(response: Any) -> Any:
    """Return an error response's JSON body, or its text wrapped as DeepSeek's error shape."""
    try:
        return response.json()
    except ValueError:
        return {"error": {"message": response.text[:2000]}}


_STOPS = {
    401: (
        "auth",
        "DeepSeek refused the API key (HTTP 401)",
        "check DEEPSEEK_API_KEY (or api_key=), then run the same command again: the requests not "
        "answered are sent then.",
    ),
    402: (
        "balance",
        "the DeepSeek account has no balance left (HTTP 402 Insufficient Balance)",
        "top up at https://platform.deepseek.com/top_up, then run the same command again: the requests refused "
        "have no line, so they are sent then.",
    ),
    403: (
        "forbidden",
        "DeepSeek refused access (HTTP 403)",
        "check the key's permissions and the network you send from, then run the same command again.",
    ),
    404: (
        "endpoint",
        "the base URL has no /chat/completions (HTTP 404)",
        "check --base-url / DEEPSEEK_BASE_URL (https://api.deepseek.com), then run the same command again.",
    ),
    405: (
        "endpoint",
        "the base URL does not take POST /chat/completions (HTTP 405)",
        "check --base-url / DEEPSEEK_BASE_URL (https://api.deepseek.com), then run the same command again.",
    ),
}
"""Answers that are about the account or the set-up, not the request: the job stops and leaves its lines unanswered."""


def _reply_problem(reply: Any) -> tuple[Any, str | None]:
    # A 200 whose body is not a chat completion (a proxy's HTML page, a cut body): the data and what is wrong.
    try:
        data = reply.json()
    except ValueError:
        return None, f"HTTP 200 but the body is not JSON: {reply.text[:200]!r}"
    if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
        return data, "HTTP 200 but the body is not a chat completion (no choices list)"
    return data, None


async def _post(client: Any, content: bytes | None, body: dict[str, Any], cast: Any) -> tuple[int, Any, str]:
    # One attempt: (status, reply, the SDK's error text). The fast path answers every status; the SDK raises.
    if content is not None:
        reply = await client.post(content)
        status = reply.status_code
        return status, reply, "" if 200 <= status < 300 else reply.error_message()
    import openai

    sdk = client.client if isinstance(client, FastSender) else client
    try:
        reply = await sdk.post("/chat/completions", body=body, cast_to=cast)
    except openai.APIStatusError as exc:
        return exc.status_code, exc.response, exc.message
    return int(reply.status_code), reply, ""


async def send_one(
    client: openai.AsyncOpenAI | FastSender,
    body: dict[str, Any],
    limit: Limit,
    epoch: int | None,
    *,
    health: Health,
    retry_base: float,
    rng: random.Random,
    counters: Counters,
    max_attempts: int | None = None,
    retry_ceiling: float = 60.0,
) -> Result | None:
    """Send one chat request; retry transient failures with jittered back-off for as long as the job runs.

    Transient: 429 (the job's limit decreases), 5xx, 408, timeouts, connection errors, and a 200 whose body is not
    JSON; a ``Retry-After`` pauses the whole job. Final: other 4xx (the row keeps DeepSeek's answer). Account-wide
    (401, 402, 403, 404, 405) and connection failures lasting longer than ``health.grace`` stop the job.

    Args:
        client: a client with the SDK's own retries off (``max_retries=0``), or a :class:`FastSender` (bytes-level
            path; bodies the request hook would rewrite go through its SDK client).
        body: the request body, sent as it is (the client's hook translates legacy model names).
        limit: the concurrency limit; a slot is held only while a request is on the wire.
        epoch: the epoch of a slot the caller already took, or ``None`` to take one first.
        health: the job's shared state (successes, pause, deadline, stop).
        retry_base: first back-off pause in seconds.
        rng: jitter source.
        counters: updated with 429s and retries.
        max_attempts: tries before an error row (``retries_exhausted``); ``None``: retry until the deadline.
        retry_ceiling: the longest back-off pause.

    Returns:
        ``(200, request_id, reply, None)``; ``(status, request_id, error_body, None)`` for a refusal; a row with an
        ``error`` (``bad_reply``, ``deadline_exceeded``, ``retries_exhausted``); or ``None`` when the job stopped
        before this request had an answer (no row: a rerun sends it).
    """
    import openai

    cast = response_class()
    content = client.encode(body) if isinstance(client, FastSender) else None  # built once for every attempt
    local = limit if isinstance(limit, AdaptiveLimit) else None
    last: Result = (None, None, None, None)
    reason = ""
    attempt = 0
    while True:
        if epoch is not None and health.paused_until > time.monotonic():
            limit.release()  # admitted while a Retry-After pause began: wait it out like every other request
            epoch = None
        if epoch is None:
            await health.ready()
            if health.stopped is not None:
                return None
            if health.expired():
                break
            epoch = await limit.acquire()
        pause = 0.0
        held = True
        try:
            if health.stopped is not None:
                return None
            sent_with = local.in_flight if local is not None else 0
            status, reply, message = await _post(client, content, body, cast)
            held = False
            limit.release()  # off the wire: the slot is free before this reply is read
            if content is not None:
                # Let the lines waiting for a slot go out before this reply is parsed, written and priced: replies
                # come in bursts, and sending first keeps the wire full (two turns: admitting, then their send).
                await asyncio.sleep(0)
                await asyncio.sleep(0)
        except (openai.APIConnectionError, HttpFailure) as exc:  # timeouts included
            reason = f"{type(exc).__name__}: {exc}"
            if health.unreachable():
                health.stop(
                    "unreachable",
                    f"no answer from the service for more than {health.grace:g} s ({reason})",
                    "check the network and --base-url / DEEPSEEK_BASE_URL, then run the same command again "
                    "(--grace sets how long connection failures are retried).",
                )
                return None
        except Exception as exc:  # noqa: BLE001 - refused before the network (the hook), or unsendable: one row
            return None, None, None, {"code": "invalid_request", "message": f"{type(exc).__name__}: {str(exc)[:1000]}"}
        else:
            health.answered()
            request_id = reply.headers.get("x-request-id")
            if not 200 <= status < 300:
                last = (status, request_id, json_or_text(reply), None)
                reason = f"HTTP {status}: {message}"
                if status in _STOPS:
                    code, what, fix = _STOPS[status]
                    health.stop(code, f"{what}: {message}", fix)
                    return None
                pause = retry_after(reply.headers) or 0.0
                if status == 429:
                    # DeepSeek's account cap: 429 with no rate-limit headers (quick_start/rate_limit, §18): back off.
                    counters.rate_limited += 1
                    if local is not None:
                        local.on_rate_limit(epoch, message, sent_with=sent_with)
                    else:
                        limit.on_rate_limit(epoch, message)
                elif status < 500 and status != 408:
                    return last  # refused for good: the body says why
                if pause:
                    health.pause(pause)
            else:
                data, problem = _reply_problem(reply)
                if problem is None:
                    limit.on_success()
                    health.success()
                    return 200, request_id or data.get("id"), data, None
                if data is not None:
                    return 200, request_id, data, {"code": "bad_reply", "message": problem}
                last, reason = (200, request_id, None, None), problem
        finally:
            if held:
                limit.release()
            epoch = None
        attempt += 1
        if max_attempts is not None and attempt >= max_attempts:
            error = {"code": "retries_exhausted", "message": f"{attempt} attempts; last: {reason}"}
            return last[0], last[1], last[2], error
        counters.retries += 1
        await health.sleep(max(pause, backoff(attempt - 1, base=retry_base, ceiling=retry_ceiling, rng=rng)))
        if health.stopped is not None:
            return None
    error = {
        "code": "deadline_exceeded",
        "message": f"the job's deadline passed after {attempt} attempts; last: {reason}",
    }
    return last[0], last[1], last[2], error
