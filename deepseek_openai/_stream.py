"""Collect a DeepSeek chat stream into one record: reasoning, content, tool calls, finish reason and usage.

:class:`StreamAccumulator` is the pure core (``feed(chunk)`` per chunk, no I/O); :func:`collect_stream` and
:func:`acollect_stream` check what they were given (a whole reply, an unawaited coroutine or the wrong twin's
stream is bad input, not a broken network), iterate, call the callbacks, and turn a broken stream into
:class:`StreamInterruptedError` carrying everything that arrived.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ._errors import DeepSeekError, InvalidRequestError
from ._fields import field as get
from ._fields import first_choice

__all__ = [
    "StreamAccumulator",
    "StreamInterruptedError",
    "StreamResult",
    "StreamUpdate",
    "acollect_stream",
    "collect_stream",
    "explain_finish",
]

# finish_reason values (api/create-chat-completion); "aborted" is listed without a documented meaning.
_FINISH_NOTES = {
    "content_filter": "DeepSeek's content filter stopped the output; rephrase the request.",
    "insufficient_system_resource": "DeepSeek's inference system ran out of resources during the request; "
    "the output is cut short: retry after a pause.",
    "aborted": "DeepSeek aborted the generation (the reason is not documented); the output is cut short: retry.",
}


def explain_finish(reason: str | None, *, content: str = "") -> str | None:
    """Say in one sentence what a ``finish_reason`` means for the output, or ``None`` when it needs no comment.

    Args:
        reason: a ``finish_reason`` from a completion, a chunk or a :class:`StreamResult`.
        content: the answer text that came with it; an empty answer with ``"length"`` means the reasoning used
            the whole budget.

    Returns:
        ``None`` for ``"stop"``, ``"tool_calls"`` and ``None``; otherwise what happened and what to do.
    """
    if reason in (None, "stop", "tool_calls"):
        return None
    if reason == "length":
        if not content:
            return (
                "finish_reason 'length' with no answer: the reasoning used the whole max_tokens budget; "
                "raise max_tokens or lower the effort (thinking(effort='low'))."
            )
        return "finish_reason 'length': the answer was cut at max_tokens; raise max_tokens (cut JSON will not parse)."
    return _FINISH_NOTES.get(str(reason), f"finish_reason {reason!r} is not one DeepSeek documents.")


@dataclass(frozen=True)
class StreamResult:
    """What a chat stream delivered, assembled from its chunks (choice 0)."""

    reasoning: str = ""
    """All ``reasoning_content`` deltas joined; ``""`` when none (see ``reasoning_seen``)."""
    content: str = ""
    """All ``content`` deltas joined; ``""`` when none."""
    tool_calls: tuple[dict[str, Any], ...] = ()
    """Message-form tool calls ``{"id", "type": "function", "function": {"name", "arguments"}}``, by index."""
    finish_reason: str | None = None
    """The last non-null ``finish_reason``; ``None`` when the stream stopped before it."""
    usage: Any = None
    """The last non-null ``usage`` seen (a ``CompletionUsage`` or dict), from either of DeepSeek's layouts."""
    model: str | None = None
    """The model that answered, as the chunks name it."""
    id: str | None = None
    """The completion id shared by every chunk."""
    reasoning_seen: bool = False
    """True when any ``reasoning_content`` delta arrived, even ``""`` (DeepSeek's first thinking delta often is)."""
    chunks: int = 0
    """How many chunks were read."""
    complete: bool = False
    """True when a ``finish_reason`` arrived and the stream ended without an error."""
    error: BaseException | None = field(default=None, compare=False)
    """What broke the stream, for a partial result."""

    @property
    def finish_note(self) -> str | None:
        """:func:`explain_finish` for this result's finish reason and content."""
        return explain_finish(self.finish_reason, content=self.content)


class StreamUpdate(NamedTuple):
    """The text one chunk added; ``None`` where it added nothing (a tuple: made once per chunk, so kept cheap)."""

    reasoning: str | None = None
    content: str | None = None


class StreamInterruptedError(DeepSeekError):
    """A chat stream broke or ended before its ``finish_reason``; ``.partial`` holds what arrived.

    The original exception, if any, is ``__cause__`` and ``.partial.error``.
    """

    def __init__(self, message: str, *, partial: StreamResult, fix: str = "") -> None:
        self.partial = partial
        super().__init__(message, fix=fix)

    def __reduce__(self) -> tuple[Any, ...]:
        # The cause (often holding an HTTP request) is left out: it need not pickle.
        return (_rebuild, (type(self), self.message, self.fix, dataclasses.replace(self.partial, error=None)))


def _rebuild(cls: type[StreamInterruptedError], message: str, fix: str, partial: StreamResult) -> DeepSeekError:
    return cls(message, partial=partial, fix=fix)


class StreamAccumulator:
    """Pure state machine for chat chunks: ``feed`` each chunk, then ``result()`` or ``finish()``."""

    def __init__(self) -> None:
        self._reasoning: list[str] = []
        self._content: list[str] = []
        self._calls: dict[int, dict[str, Any]] = {}
        self._finish: str | None = None
        self._usage: Any = None
        self._model: str | None = None
        self._id: str | None = None
        self._seen = False
        self._chunks = 0

    def feed(self, chunk: Any) -> StreamUpdate:
        """Take one ``ChatCompletionChunk`` (or its dict, or a ``.stream()`` helper's chunk event).

        Returns:
            The reasoning and content text this chunk added.
        """
        if get(chunk, "object") != "chat.completion.chunk" and get(chunk, "type") is not None:
            chunk = get(chunk, "chunk")  # openai's .stream() helper yields events; only "chunk" events carry one
            if chunk is None:
                return StreamUpdate()
        self._chunks += 1
        if self._id is None:  # the same on every chunk
            self._id = get(chunk, "id")
            self._model = get(chunk, "model")
        # DeepSeek puts usage on the last chunk with choices; the older layout adds a chunk with choices == [].
        self._usage = get(chunk, "usage") or self._usage
        choice = first_choice(chunk)
        if choice is None:
            return StreamUpdate()
        self._finish = get(choice, "finish_reason") or self._finish
        delta = get(choice, "delta")
        reasoning = get(delta, "reasoning_content")
        content = get(delta, "content")
        if isinstance(reasoning, str):
            self._seen = True
            self._reasoning.append(reasoning)
        if isinstance(content, str):
            self._content.append(content)
        for call in get(delta, "tool_calls") or ():
            self._add_call(call)
        return StreamUpdate(reasoning or None, content or None)

    def _add_call(self, call: Any) -> None:
        index = get(call, "index")
        if index is None:  # providers that omit the index send one call at a time
            index = max(self._calls, default=0) if not get(call, "id") else len(self._calls)
        slot = self._calls.setdefault(index, {"id": None, "name": "", "arguments": []})
        slot["id"] = slot["id"] or get(call, "id")
        function = get(call, "function")
        slot["name"] = slot["name"] or get(function, "name") or ""
        slot["arguments"].append(get(function, "arguments") or "")

    def result(self, *, error: BaseException | None = None) -> StreamResult:
        """Return what has arrived so far as a :class:`StreamResult`."""
        calls = tuple(
            {
                "id": slot["id"] or f"call_{index}",
                "type": "function",
                "function": {"name": slot["name"], "arguments": "".join(slot["arguments"])},
            }
            for index, slot in sorted(self._calls.items())
        )
        return StreamResult(
            reasoning="".join(self._reasoning),
            content="".join(self._content),
            tool_calls=calls,
            finish_reason=self._finish,
            usage=self._usage,
            model=self._model,
            id=self._id,
            reasoning_seen=self._seen,
            chunks=self._chunks,
            complete=error is None and self._finish is not None,
            error=error,
        )

    def finish(self) -> StreamResult:
        """Return the final result, or raise :class:`StreamInterruptedError` when no ``finish_reason`` arrived."""
        result = self.result()
        if not result.complete:
            raise _interruption(result)
        return result


def _interruption(result: StreamResult) -> StreamInterruptedError:
    error = result.error
    why = f"{type(error).__name__}: {error}" if error else "the stream ended before a finish_reason arrived"
    tools = f", {len(result.tool_calls)} tool call(s)" if result.tool_calls else ""
    return StreamInterruptedError(
        f"The stream stopped after {result.chunks} chunk(s) ({len(result.reasoning)} characters of reasoning, "
        f"{len(result.content)} of content{tools}): {why}.",
        partial=result,
        fix="the text that arrived is on .partial; send the request again, or continue .partial.content "
        "with complete_prefix() on a beta client.",
    )


Callback = Callable[[str], Any]


def _notify(update: StreamUpdate, on_reasoning: Callback | None, on_content: Callback | None) -> list[Any]:
    # Called outside the stream's try block: a callback's own exception is not a stream interruption.
    out = []
    if on_reasoning is not None and update.reasoning:
        out.append(on_reasoning(update.reasoning))
    if on_content is not None and update.content:
        out.append(on_content(update.content))
    return out


def _check_stream(stream: Any, asynchronous: bool) -> None:
    # Bad input must not look like a broken network: raise InvalidRequestError unless (a)collect_stream can read it.
    name = "acollect_stream" if asynchronous else "collect_stream"
    if get(stream, "object") in ("chat.completion", "text_completion") or get(first_choice(stream), "message"):
        raise InvalidRequestError(
            f"{name}() got a whole reply ({type(stream).__name__}), not a stream: the request was sent without "
            "stream=True.",
            fix="pass stream=True to create(...) to stream it, or read this reply directly "
            "(reply.choices[0].message.content).",
        )
    if inspect.iscoroutine(stream):
        stream.close()  # never awaited: close it so Python does not warn
        raise InvalidRequestError(
            f"{name}() got a coroutine: the create(..., stream=True) call was not awaited.",
            fix="await it: await acollect_stream(await client.chat.completions.create(..., stream=True)).",
        )
    if isinstance(stream, (str, bytes, bytearray, Mapping)):
        kind = type(stream).__name__
    elif hasattr(stream, "__aiter__" if asynchronous else "__iter__"):
        return
    elif hasattr(stream, "__iter__" if asynchronous else "__aiter__"):
        kind = (
            "a sync stream: use collect_stream(stream)"
            if asynchronous
            else "an async stream: use await acollect_stream(stream)"
        )
    else:
        kind = type(stream).__name__
    raise InvalidRequestError(
        f"{name}() takes the stream that create(..., stream=True) returns, not {kind}.",
        fix=f"pass the return value of client.chat.completions.create(..., stream=True) to {name}().",
    )


def collect_stream(
    stream: Iterable[Any],
    *,
    on_reasoning: Callback | None = None,
    on_content: Callback | None = None,
) -> StreamResult:
    """Read a chat stream to its end and return everything it delivered as one :class:`StreamResult`.

    Args:
        stream: what ``client.chat.completions.create(..., stream=True)`` returns (or any iterable of chunks or
            chunk dicts); it is closed afterwards.
        on_reasoning: called with each non-empty piece of reasoning as it arrives.
        on_content: called with each non-empty piece of the answer as it arrives.

    Returns:
        The complete result (``complete`` is True).

    Raises:
        StreamInterruptedError: the stream raised (connection lost, an error event) or ended before its
            ``finish_reason``; ``.partial`` holds what arrived, ``__cause__`` the original error.
            ``KeyboardInterrupt`` and callback errors pass through unchanged.
    """
    _check_stream(stream, asynchronous=False)
    acc = StreamAccumulator()
    iterator = iter(stream)
    try:
        while True:
            try:
                chunk = next(iterator)
            except StopIteration:
                break
            except Exception as exc:  # whatever broke the stream, the part that arrived must not be lost
                raise _interruption(acc.result(error=exc)) from exc
            _notify(acc.feed(chunk), on_reasoning, on_content)
    finally:
        close = getattr(stream, "close", None)
        if callable(close):
            close()
    return acc.finish()


async def acollect_stream(
    stream: AsyncIterable[Any],
    *,
    on_reasoning: Callback | None = None,
    on_content: Callback | None = None,
) -> StreamResult:
    """Async twin of :func:`collect_stream`; callbacks may be plain or async functions.

    Args, return value and errors are those of :func:`collect_stream` (``asyncio.CancelledError`` also passes
    through unchanged).
    """
    _check_stream(stream, asynchronous=True)
    acc = StreamAccumulator()
    iterator = aiter(stream)
    try:
        while True:
            try:
                chunk = await anext(iterator)
            except StopAsyncIteration:
                break
            except Exception as exc:  # whatever broke the stream, the part that arrived must not be lost
                raise _interruption(acc.result(error=exc)) from exc
            for pending in _notify(acc.feed(chunk), on_reasoning, on_content):
                if inspect.isawaitable(pending):
                    await pending
    finally:
        close = getattr(stream, "close", None) or getattr(stream, "aclose", None)
        if callable(close):
            closing = close()
            if inspect.isawaitable(closing):
                await closing
    return acc.finish()
