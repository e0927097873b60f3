"""DeepSeek's Responses API (``POST /responses``): read reasoning, collect a stream, keep history for passback.

DeepSeek returns reasoning as a ``reasoning`` output item with plain ``reasoning_text`` (not a summary), keeps no
state (``previous_response_id`` and ``store`` are ignored), and in thinking mode with tools refuses a request whose
earlier turns lack their reasoning items (guides/responses_api). Everything here reads SDK objects and plain
dicts alike, so it works on openai 1.57, which has no ``client.responses`` (post to ``/responses`` yourself).
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from typing import Any

from ._errors import DeepSeekError, InvalidRequestError
from ._fields import field
from ._stream import Callback, StreamResult, acollect_stream, collect_stream

__all__ = [
    "ResponseFailedError",
    "acollect_response_stream",
    "collect_response_stream",
    "response_finish",
    "response_reasoning",
    "response_turn",
]

# Responses statuses as chat finish reasons, so explain() and StreamResult read them the same way.
_INCOMPLETE = {"max_output_tokens": "length", "content_filter": "content_filter"}


class ResponseFailedError(DeepSeekError):
    """A Responses stream ended with ``response.failed`` (or an ``error`` event); the message is DeepSeek's."""


def _texts(parts: Any) -> list[str]:
    return [str(field(p, "text") or "") for p in parts or ()]


def response_reasoning(x: Any) -> str | None:
    """Return the reasoning text of a Responses object, a reasoning item or their dicts; ``None`` without any.

    The ``reasoning_text`` contents of every reasoning item are joined (a summary, if one ever comes, is the
    fallback).
    """
    items = [x] if field(x, "type") == "reasoning" else list(field(x, "output") or ())
    found = [item for item in items if field(item, "type") == "reasoning"]
    if not found:
        return None
    return "".join("".join(_texts(field(i, "content")) or _texts(field(i, "summary"))) for i in found)


def response_finish(x: Any) -> tuple[str, str] | None:
    """Return ``(finish reason, answer text)`` of a Responses object in chat terms, or ``None`` without a status.

    ``completed`` is ``"stop"`` (``"tool_calls"`` with function calls); ``incomplete`` is ``"length"`` or
    ``"content_filter"``; ``failed`` is ``"aborted"`` (cut short, retry).
    """
    status = field(x, "status")
    if status is None:
        return None
    output = list(field(x, "output") or ())
    text = "".join(
        str(field(part, "text") or "")
        for item in output
        if field(item, "type") == "message"
        for part in field(item, "content") or ()
        if field(part, "type") == "output_text"
    )
    if status == "incomplete":
        reason = _INCOMPLETE.get(str(field(field(x, "incomplete_details"), "reason")), "length")
    elif status == "failed":
        reason = "aborted"
    else:
        reason = "tool_calls" if any(field(i, "type") == "function_call" for i in output) else "stop"
    return reason, text


def _dump(item: Any) -> dict[str, Any]:
    if isinstance(item, Mapping):
        return dict(item)
    dump = getattr(item, "model_dump", None) or item.dict  # pydantic 2, else 1
    out: dict[str, Any] = dump(exclude_none=True)
    return out


def _input_item(item: Any) -> dict[str, Any]:
    kind = field(item, "type")
    ident = {"id": field(item, "id")} if field(item, "id") else {}
    if kind == "reasoning":
        content = [{"type": "reasoning_text", "text": t} for t in _texts(field(item, "content"))]
        summary = [{"type": "summary_text", "text": t} for t in _texts(field(item, "summary"))]
        return {"type": "reasoning", **ident, "summary": summary, "content": content}
    if kind == "message":
        parts = [{"type": "output_text", "text": t} for t in _texts(field(item, "content"))]
        return {"type": "message", **ident, "role": "assistant", "content": parts}
    if kind == "function_call":
        call = {k: field(item, k) for k in ("call_id", "name", "arguments")}
        return {"type": "function_call", **ident, **call}
    return _dump(item)


def response_turn(x: Any) -> list[dict[str, Any]]:
    """Return the input items that replay a reply in the next request's ``input``, reasoning items included.

    DeepSeek requires the reasoning items back in thinking mode with tools (a 400 otherwise), so append these
    rather than only the messages: ``input += response_turn(response)``, then your ``function_call_output`` items.

    Args:
        x: a ``Response`` (or its dict) or a :class:`StreamResult` from :func:`collect_response_stream`.

    Returns:
        Plain dicts: ``reasoning`` (with its ``reasoning_text``), ``message`` and ``function_call`` items, in order.
    """
    if isinstance(x, StreamResult):
        items: list[dict[str, Any]] = []
        if x.reasoning_seen:
            items.append(
                {"type": "reasoning", "summary": [], "content": [{"type": "reasoning_text", "text": x.reasoning}]}
            )
        if x.content or not x.tool_calls:
            items.append(
                {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": x.content}]}
            )
        for call in x.tool_calls:
            function = call["function"]
            items.append(
                {
                    "type": "function_call",
                    "call_id": call["id"],
                    "name": function["name"],
                    "arguments": function["arguments"],
                }
            )
        return items
    output = field(x, "output")
    if output is None:
        raise TypeError(
            f"response_turn() takes a Response or a collected Responses stream, not {type(x).__name__}. Fix: pass "
            "what client.responses.create() or collect_response_stream() returned; for chat use assistant_turn()."
        )
    return [_input_item(item) for item in output]


class _Chunks:
    """Turns Responses events into chat-chunk dicts that :class:`StreamAccumulator` reads."""

    def __init__(self) -> None:
        self.head: dict[str, Any] = {"object": "chat.completion.chunk", "id": None, "model": None}

    def chunk(self, event: Any) -> dict[str, Any] | None:
        if field(event, "type") is None and field(event, "event") is not None:
            event = field(event, "data")  # openai 1.x's generic Stream wraps named events as {"data", "event"}
        kind = field(event, "type")
        if kind == "response.created":
            response = field(event, "response")
            self.head.update(id=field(response, "id"), model=field(response, "model"))
            return {**self.head, "choices": []}
        delta: dict[str, Any] | None = None
        if kind == "response.reasoning_text.delta":
            delta = {"reasoning_content": field(event, "delta")}
        elif kind == "response.output_text.delta":
            delta = {"content": field(event, "delta")}
        elif kind == "response.output_item.added" and field(field(event, "item"), "type") == "function_call":
            item = field(event, "item")
            function = {"name": field(item, "name"), "arguments": field(item, "arguments") or ""}
            delta = {
                "tool_calls": [
                    {"index": field(event, "output_index"), "id": field(item, "call_id"), "function": function}
                ]
            }
        elif kind == "response.function_call_arguments.delta":
            delta = {
                "tool_calls": [
                    {"index": field(event, "output_index"), "function": {"arguments": field(event, "delta")}}
                ]
            }
        elif kind in ("response.completed", "response.incomplete", "response.failed", "error"):
            return self._end(event)
        if delta is None:
            return None
        return {**self.head, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}

    def _end(self, event: Any) -> dict[str, Any]:
        response = field(event, "response")
        if field(event, "type") == "error" or field(response, "status") == "failed":
            error = field(response, "error") or event
            # A failed response is an error, not an answer: the partial output stays on the interruption.
            # No fix of its own: it is always the __cause__ of a StreamInterruptedError, which carries the fix.
            raise ResponseFailedError(
                f"DeepSeek reported the response failed ({field(error, 'message') or 'no message'})"
            )
        finish = response_finish(response) or ("stop", "")
        return {
            **self.head,
            "choices": [{"index": 0, "delta": {}, "finish_reason": finish[0]}],
            "usage": field(response, "usage"),
        }


def _check_events(stream: Any, name: str) -> None:
    # A whole reply or an un-awaited call is bad input, not a broken stream: say so before reading anything.
    awaitable = inspect.iscoroutine(stream)
    if awaitable:
        stream.close()
    if awaitable or field(stream, "object") == "response" or isinstance(stream, (str, bytes, Mapping)):
        what = "a coroutine (not awaited)" if awaitable else f"a whole {type(stream).__name__}"
        raise InvalidRequestError(
            f"{name}() takes the event stream of client.responses.create(..., stream=True), not {what}.",
            fix="pass stream=True to create(...) (and await it on an async client), or read the Response directly.",
        )


def _sync_chunks(stream: Iterable[Any]) -> Iterator[dict[str, Any]]:
    chunks = _Chunks()
    try:
        for event in stream:
            chunk = chunks.chunk(event)
            if chunk is not None:
                yield chunk
    finally:
        close = getattr(stream, "close", None)
        if callable(close):
            close()


async def _async_chunks(stream: AsyncIterable[Any]) -> AsyncIterator[dict[str, Any]]:
    chunks = _Chunks()
    try:
        async for event in stream:
            chunk = chunks.chunk(event)
            if chunk is not None:
                yield chunk
    finally:
        close = getattr(stream, "close", None) or getattr(stream, "aclose", None)
        if callable(close):
            closing = close()
            if hasattr(closing, "__await__"):
                await closing


def collect_response_stream(
    stream: Iterable[Any], *, on_reasoning: Callback | None = None, on_content: Callback | None = None
) -> StreamResult:
    """Read a Responses stream (``client.responses.create(..., stream=True)``) into one :class:`StreamResult`.

    The events are read as chat chunks would be (``reasoning_text`` deltas → ``reasoning``, ``output_text`` deltas →
    ``content``, function calls → ``tool_calls``, the final response's status → ``finish_reason``, its usage →
    ``usage``), so :func:`usage_of`, :func:`cost`, :func:`reasoning_of`, :func:`explain` and :func:`response_turn`
    take the result. A separate function, not a mode of :func:`collect_stream`: the chat collector stays as fast as
    it is, and a Responses stream is never mistaken for a chat one.

    Args:
        stream: the SDK's event stream, or any iterable of events or event dicts; it is closed afterwards.
        on_reasoning: called with each non-empty piece of reasoning as it arrives.
        on_content: called with each non-empty piece of the answer as it arrives.

    Returns:
        The complete result.

    Raises:
        StreamInterruptedError: the stream broke, ended before ``response.completed`` / ``response.incomplete``, or
            reported ``response.failed`` (then ``__cause__`` is a :class:`ResponseFailedError` with DeepSeek's
            message); ``.partial`` holds what arrived.
    """
    _check_events(stream, "collect_response_stream")
    return collect_stream(_sync_chunks(stream), on_reasoning=on_reasoning, on_content=on_content)


async def acollect_response_stream(
    stream: AsyncIterable[Any], *, on_reasoning: Callback | None = None, on_content: Callback | None = None
) -> StreamResult:
    """Async twin of :func:`collect_response_stream`; callbacks may be plain or async functions."""
    _check_events(stream, "acollect_response_stream")
    return await acollect_stream(_async_chunks(stream), on_reasoning=on_reasoning, on_content=on_content)
