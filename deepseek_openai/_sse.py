"""Stream tap: read the reasoning of a streamed chat reply as its bytes pass to the SDK, without holding them back.

The SDK stops reading at ``data: [DONE]`` and may close the stream early, so the turn is remembered when the
chunk with a ``finish_reason`` passes, not at the end of iteration. Chunks reach the caller as they arrive.
"""

from __future__ import annotations

import functools
import importlib
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import openai

from ._memory import ReasoningMemory, remember_message

__all__ = ["StreamTap", "tap_response"]

_DECODE = json.JSONDecoder().raw_decode


def _delta_only(raw: bytes) -> Any:
    """Decode just the ``delta`` object of a chunk that has one choice and no finish reason (most chunks).

    About a third of the cost of parsing the whole chunk; any other shape (a finish reason, several choices,
    spacing after the key) returns ``None`` and the chunk is parsed in full.
    """
    at = raw.find(b'"delta":')
    if at < 0 or raw.count(b'"delta":') != 1 or b'"finish_reason":null' not in raw:
        return None
    delta = _DECODE(raw.decode(), at + 8)[0]
    return delta if isinstance(delta, dict) else None


class StreamTap:
    """Collects choice 0 of a chat stream (reasoning, content, tool-call ids) and remembers it when it finishes."""

    def __init__(self, memory: ReasoningMemory, bare: bool = False) -> None:
        self.memory = memory
        self.done = False
        self._rest = b""
        # bare: a tool request sent with thinking off, whose turn is remembered as having no reasoning ("").
        self._reasoning: list[str] | None = [] if bare else None
        self._content: list[str] = []
        self._calls: list[dict[str, Any]] = []

    def feed(self, data: bytes) -> None:
        """Read whole SSE lines out of ``data`` (the rest waits for the next piece)."""
        if self.done:
            return
        lines = (self._rest + data).split(b"\n")
        self._rest = lines.pop()
        for line in lines:
            if line.startswith(b"data:") and line[5:].strip().startswith(b"{"):
                self._chunk(line[5:])
                if self.done:
                    return

    def _chunk(self, raw: bytes) -> None:
        try:
            choice = None
            delta = _delta_only(raw)
            if delta is None:
                choice = json.loads(raw)["choices"][0]
                delta = choice.get("delta") or {}
        except (ValueError, KeyError, IndexError, TypeError):
            return  # a usage-only chunk or something the SDK will report itself
        reasoning = delta.get("reasoning_content")
        if isinstance(reasoning, str):
            if self._reasoning is None:
                self._reasoning = []
            self._reasoning.append(reasoning)
        content = delta.get("content")
        if isinstance(content, str) and content:
            if self._reasoning is None:
                self.done = True  # no reasoning before the answer: nothing to remember, stop reading
                return
            self._content.append(content)
        for call in delta.get("tool_calls") or ():
            if isinstance(call, dict) and isinstance(call.get("id"), str):
                if self._reasoning is None:
                    self.done = True
                    return
                self._calls.append({"id": call["id"]})
        if choice is not None and choice.get("finish_reason") is not None:
            self.done = True
            if self._reasoning is not None:
                message = {"reasoning_content": "".join(self._reasoning), "tool_calls": self._calls}
                remember_message(self.memory, {**message, "content": "".join(self._content)})


@functools.lru_cache(maxsize=1)
def _stream_classes() -> tuple[type[Any], type[Any]]:
    # The byte-stream base classes of the httpx the SDK uses (httpx for openai 1.x/2.x, httpx2 for 3.x).
    base = next(c for c in openai.DefaultHttpxClient.__mro__ if c.__module__.startswith(("httpx.", "httpx2.")))
    http: Any = importlib.import_module(base.__module__.partition(".")[0])

    class TappedStream(http.SyncByteStream):  # type: ignore[misc]
        def __init__(self, inner: Any, tap: StreamTap) -> None:
            self.inner, self.tap = inner, tap

        def __iter__(self) -> Iterator[bytes]:
            for piece in self.inner:
                self.tap.feed(piece)
                yield piece

        def close(self) -> None:
            self.inner.close()

    class AsyncTappedStream(http.AsyncByteStream):  # type: ignore[misc]
        def __init__(self, inner: Any, tap: StreamTap) -> None:
            self.inner, self.tap = inner, tap

        async def __aiter__(self) -> AsyncIterator[bytes]:
            async for piece in self.inner:
                self.tap.feed(piece)
                yield piece

        async def aclose(self) -> None:
            await self.inner.aclose()

    return TappedStream, AsyncTappedStream


def tap_response(response: Any, memory: ReasoningMemory, asynchronous: bool, bare: bool = False) -> None:
    """Remember the reasoning of a chat reply: read now if the body is in, else as the stream passes.

    ``bare`` marks a tool request sent with thinking off: its reply is remembered even without reasoning, so a
    later thinking request knows that turn has none (rather than calling it unknown).
    """
    if response.status_code != 200:
        return
    if "text/event-stream" in response.headers.get("content-type", ""):
        sync_cls, async_cls = _stream_classes()
        response.stream = (async_cls if asynchronous else sync_cls)(response.stream, StreamTap(memory, bare))
        return
    if not response.is_closed:
        return  # with_streaming_response: the body is read later, by the caller; not remembered
    body = response.content
    if not bare and b'"reasoning_content"' not in body:
        return  # the common non-thinking reply costs one substring search
    try:
        reply = json.loads(body)
        remember_message(memory, reply["choices"][0]["message"], bare=bare)
    except (ValueError, KeyError, IndexError, TypeError):
        return  # not a chat completion: the SDK reports it
