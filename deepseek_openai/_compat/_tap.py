"""Reply tap: read the reasoning of every chat reply as it passes to the SDK, and remember it.

Every shape of reply is read: a body the SDK has already read, a body read later by the caller
(``with_streaming_response``), and a stream (its bytes pass on unbuffered, as they arrive); gzip and deflate bodies
are decoded first; each choice of an ``n > 1`` reply is its own turn, by ``index``. The SDK stops reading a stream at
``data: [DONE]`` and may close it early, so a choice is remembered when its ``finish_reason`` chunk passes.
"""

from __future__ import annotations

import functools
import json
import warnings
import zlib
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

from .._httpx import http_module
from .._warnings import CompatWarning
from ._memory import Transcript, whole_characters
from ._passback import Scope, hex_entries, transcript_of

__all__ = ["Reply", "StreamTap", "tap_response"]

_DECODE = json.JSONDecoder().raw_decode
_MAX_BODY = 64 * 1024 * 1024  # a reply read later by the caller is kept up to this size to be parsed at its end


class Reply:
    """What the tap needs to remember one reply: the request's conversation, its scope, and how it was sent."""

    __slots__ = ("_content", "_transcript", "bare", "multi", "scope")

    def __init__(
        self,
        scope: Scope,
        transcript: Transcript | None,
        content: bytes | None,
        bare: bool = False,
        multi: bool = False,
    ) -> None:
        self.scope = scope
        self._transcript = transcript
        self._content = content  # the sent body, parsed only if a reply with reasoning needs its key
        self.bare = bare  # a tool request sent with thinking off: a turn without reasoning is saved as ""
        self.multi = multi  # n > 1: chunks of several choices interleave

    def entries(self, messages: Sequence[Mapping[str, Any]]) -> list[tuple[bytes, str]]:
        """Return the ``(key, reasoning)`` pairs these received messages teach."""
        if self._transcript is None and self._content is not None:
            self._transcript = transcript_of(self._content, self.scope.account)
            self._content = None
        pairs: list[tuple[bytes, str]] = []
        for message in messages:
            pairs += self.scope.entries(self._transcript, message, self.bare)
        return pairs

    def save(self, messages: Sequence[Mapping[str, Any]]) -> None:
        """Remember these messages in the process memory and, if there is one, the durable store."""
        entries = self._remember(messages)
        if entries:
            try:
                self.scope.store.put(entries)
            except Exception as err:  # noqa: BLE001 - a reply is never lost to a failing store
                _store_failed(err)

    async def asave(self, messages: Sequence[Mapping[str, Any]]) -> None:
        """Remember these messages like :meth:`save`; the store is written without blocking the event loop."""
        entries = self._remember(messages)
        if entries:
            try:
                await self.scope.store.aput(entries)
            except Exception as err:  # noqa: BLE001 - a reply is never lost to a failing store
                _store_failed(err)

    def _remember(self, messages: Sequence[Mapping[str, Any]]) -> dict[str, str] | None:
        # Into the process memory now; returns what the durable store still has to save (None: nothing).
        pairs = self.entries(messages)
        if pairs:
            self.scope.remember(pairs)
        return hex_entries(pairs) if pairs and self.scope.store is not None else None


def _store_failed(err: Exception) -> None:
    warnings.warn(
        f"the reasoning store could not save a reply's reasoning ({type(err).__name__}: {err}); it is kept in this "
        "process only. Fix: check the store (DEEPSEEK_REASONING_STORE / reasoning_store=); filter CompatWarning to "
        "silence this.",
        CompatWarning,
        stacklevel=2,
    )


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


class _Choice:
    __slots__ = ("calls", "content", "reasoning")

    def __init__(self, bare: bool) -> None:
        self.reasoning: list[str] | None = [] if bare else None
        self.content: list[str] = []
        self.calls: dict[int, dict[str, Any]] = {}

    def message(self) -> dict[str, Any]:
        calls = [
            {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": "".join(c["arguments"])}}
            for _, c in sorted(self.calls.items())
        ]
        return {
            "role": "assistant",
            "content": whole_characters("".join(self.content)),
            "tool_calls": calls,
            "reasoning_content": None if self.reasoning is None else whole_characters("".join(self.reasoning)),
        }


class StreamTap:
    """Collects each choice of a chat stream (reasoning, content, tool calls) and returns it when it finishes."""

    def __init__(self, bare: bool = False, multi: bool = False) -> None:
        self.done = False
        self._bare = bare
        self._multi = multi
        self._rest = b""
        self._choices: dict[int, _Choice] = {}

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        """Read whole SSE lines out of ``data`` (the rest waits); return the messages of choices that finished."""
        if self.done:
            return []
        lines = (self._rest + data).split(b"\n")
        self._rest = lines.pop()
        finished: list[dict[str, Any]] = []
        for line in lines:
            if line.startswith(b"data:") and line[5:].strip().startswith(b"{"):
                self._chunk(line[5:], finished)
                if self.done:
                    break
        return finished

    def _chunk(self, raw: bytes, finished: list[dict[str, Any]]) -> None:
        try:
            delta = None if self._multi else _delta_only(raw)
            choices = [{"index": 0, "delta": delta}] if delta is not None else json.loads(raw)["choices"]
        except (ValueError, KeyError, TypeError):
            return  # something the SDK will report itself
        for choice in choices:
            if isinstance(choice, dict):
                self._choice(choice, finished)

    def _choice(self, choice: dict[str, Any], finished: list[dict[str, Any]]) -> None:
        index = choice.get("index", 0)
        state = self._choices.get(index)
        if state is None:
            state = self._choices[index] = _Choice(self._bare)
        delta = choice.get("delta") or {}
        reasoning = delta.get("reasoning_content")
        if isinstance(reasoning, str):
            if state.reasoning is None:
                state.reasoning = []
            state.reasoning.append(reasoning)
        content = delta.get("content")
        if isinstance(content, str) and content:
            if state.reasoning is None and not self._multi:
                self.done = True  # no reasoning before the answer: nothing to remember, stop reading
                return
            state.content.append(content)
        for call in delta.get("tool_calls") or ():
            if not isinstance(call, dict):
                continue
            if state.reasoning is None and not self._multi:
                self.done = True
                return
            entry = state.calls.setdefault(call.get("index", len(state.calls)), {"id": "", "name": "", "arguments": []})
            function = call.get("function") or {}
            if isinstance(call.get("id"), str):
                entry["id"] = call["id"]
            if isinstance(function.get("name"), str):
                entry["name"] += function["name"]
            if isinstance(function.get("arguments"), str):
                entry["arguments"].append(function["arguments"])
        if choice.get("finish_reason") is not None:
            if state.reasoning is not None:
                finished.append(state.message())
            del self._choices[index]
            self._choices[index] = _Choice(self._bare)  # a stray later chunk of this index starts afresh
            if not self._multi:
                self.done = True


def _decoder(response: Any) -> Any:
    """Return a function decoding the body's pieces (gzip, deflate), identity, or ``None`` for an unknown encoding."""
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        return lambda piece: piece
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress
    if encoding == "deflate":
        state: dict[str, Any] = {}

        def inflate(piece: bytes) -> bytes:  # zlib-wrapped as the RFC says, or raw as some servers send
            if "d" not in state:
                state["d"] = zlib.decompressobj(zlib.MAX_WBITS if piece[:1] == b"\x78" else -zlib.MAX_WBITS)
            return bytes(state["d"].decompress(piece))

        return inflate
    return None  # br, zstd, ...: not read (the turn stays unknown rather than be misread)


@functools.lru_cache(maxsize=1)
def _stream_classes() -> tuple[type[Any], type[Any]]:
    # The byte-stream base classes of the httpx the SDK uses (httpx for openai 1.x/2.x, httpx2 for 3.x).
    http = http_module()

    class TappedStream(http.SyncByteStream):  # type: ignore[misc,name-defined]
        def __init__(self, inner: Any, reader: Any) -> None:
            self.inner, self.reader = inner, reader

        def __iter__(self) -> Iterator[bytes]:
            reader = self.reader
            for piece in self.inner:
                messages = reader.feed(piece)
                if messages:
                    reader.reply.save(messages)
                yield piece
            messages = reader.end()
            if messages:
                reader.reply.save(messages)

        def close(self) -> None:
            self.inner.close()

    class AsyncTappedStream(http.AsyncByteStream):  # type: ignore[misc,name-defined]
        def __init__(self, inner: Any, reader: Any) -> None:
            self.inner, self.reader = inner, reader

        async def __aiter__(self) -> AsyncIterator[bytes]:
            reader = self.reader
            async for piece in self.inner:
                messages = reader.feed(piece)
                if messages:
                    await reader.reply.asave(messages)
                yield piece
            messages = reader.end()
            if messages:
                await reader.reply.asave(messages)

        async def aclose(self) -> None:
            await self.inner.aclose()

    return TappedStream, AsyncTappedStream


class _SseReader:
    """Feeds decoded stream pieces to a :class:`StreamTap`."""

    __slots__ = ("decode", "reply", "tap")

    def __init__(self, reply: Reply, decode: Any) -> None:
        self.reply, self.decode = reply, decode
        self.tap = StreamTap(reply.bare, reply.multi)

    def feed(self, piece: bytes) -> list[dict[str, Any]]:
        if self.tap.done:
            return []
        try:
            return self.tap.feed(self.decode(piece))
        except zlib.error:
            self.tap.done = True  # a body we cannot decode is the SDK's to report; nothing is remembered
            return []

    def end(self) -> list[dict[str, Any]]:
        return []


class _BodyReader:
    """Keeps the decoded pieces of a JSON reply the caller reads later, and reads its choices at the end."""

    __slots__ = ("decode", "pieces", "reply", "size")

    def __init__(self, reply: Reply, decode: Any) -> None:
        self.reply, self.decode = reply, decode
        self.pieces: list[bytes] | None = []
        self.size = 0

    def feed(self, piece: bytes) -> list[dict[str, Any]]:
        if self.pieces is not None:
            try:
                decoded = self.decode(piece)
            except zlib.error:
                self.pieces = None
                return []
            self.size += len(decoded)
            self.pieces.append(decoded)
            if self.size > _MAX_BODY:
                self.pieces = None
        return []

    def end(self) -> list[dict[str, Any]]:
        if self.pieces is None:
            return []
        body, self.pieces = b"".join(self.pieces), None
        return _choices_of(body, self.reply.bare)


def _choices_of(body: bytes, bare: bool) -> list[dict[str, Any]]:
    if not bare and b'"reasoning_content"' not in body:
        return []  # the common non-thinking reply costs one substring search
    try:
        choices = json.loads(body)["choices"]
    except (ValueError, KeyError, TypeError):
        return []  # not a chat completion: the SDK reports it
    return [c["message"] for c in choices if isinstance(c, dict) and isinstance(c.get("message"), dict)]


async def atap_response(response: Any, reply: Reply) -> None:
    """Remember a chat reply like :func:`tap_response`; the store is written without blocking the event loop."""
    messages = _tap(response, reply, asynchronous=True)
    if messages:
        await reply.asave(messages)


def tap_response(response: Any, reply: Reply) -> None:
    """Remember the reasoning of a chat reply: read now if the body is in, else as the caller reads it."""
    messages = _tap(response, reply, asynchronous=False)
    if messages:
        reply.save(messages)


def _tap(response: Any, reply: Reply, asynchronous: bool) -> list[dict[str, Any]]:
    if response.status_code != 200:
        return []
    if response.is_closed:
        return _choices_of(response.content, reply.bare)  # httpx decoded it already
    decode = _decoder(response)
    if decode is None:
        return []
    sse = "text/event-stream" in response.headers.get("content-type", "")
    reader = (_SseReader if sse else _BodyReader)(reply, decode)
    sync_cls, async_cls = _stream_classes()
    response.stream = (async_cls if asynchronous else sync_cls)(response.stream, reader)
    return []
