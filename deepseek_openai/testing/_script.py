"""The script: what a test queues (replies, errors, faults), the queue, and ``add_reply`` / ``add_error``.

:class:`ReplyScripts` is a base class of ``FakeDeepSeek``; chat, FIM and ``/responses`` consume the queue in order.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ._api_error import ApiError, error_for_status

__all__ = ["Fault", "Reply", "ReplyScripts", "Script", "ScriptedError", "ToolCall", "UsageLayout"]

UsageLayout = Literal["final_chunk", "separate_chunk"]


@dataclass(frozen=True)
class ToolCall:
    """One scripted tool call; ``arguments`` is already a JSON string (or any text: DeepSeek's may be invalid)."""

    name: str
    arguments: str
    id: str | None = None

    @classmethod
    def coerce(cls, raw: Mapping[str, Any]) -> ToolCall:
        """Accept ``{"name", "arguments" (str or dict), "id"?}``; a dict of arguments is JSON-encoded."""
        args = raw.get("arguments", "{}")
        if not isinstance(args, str):
            args = json.dumps(args, ensure_ascii=False)
        return cls(str(raw["name"]), args, raw.get("id"))


@dataclass(frozen=True)
class Reply:
    """One scripted chat or FIM reply; ``None`` fields fall back to the deterministic defaults."""

    content: str | None = None
    reasoning: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str | None = None
    usage: Mapping[str, Any] | None = None
    delay: float = 0.0
    keepalive: int = 0
    cut_after: int | None = None
    usage_layout: UsageLayout = "final_chunk"
    json_blank: bool = False
    hold_after: int | None = None

    def __post_init__(self) -> None:
        if self.usage_layout not in ("final_chunk", "separate_chunk"):
            raise ValueError(f"usage_layout must be 'final_chunk' or 'separate_chunk', got {self.usage_layout!r}")
        counts = (self.delay, self.keepalive, self.cut_after or 0, self.hold_after or 0)
        if any(n < 0 for n in counts):
            raise ValueError("delay, keepalive, cut_after and hold_after must not be negative")
        if self.cut_after is not None and self.hold_after is not None:
            raise ValueError("give cut_after (drop the connection) or hold_after (stall it), not both")


@dataclass(frozen=True)
class Fault:
    """A fault below HTTP errors (``_faults.FaultKind``): a reset, a hang, a body that is not JSON or is cut."""

    kind: str
    status: int = 200
    """The status of an ``html`` page."""


@dataclass(frozen=True)
class ScriptedError:
    """One scripted error answer, or a fault."""

    error: ApiError | Fault


class Script:
    """Thread-safe FIFO of scripted items; errors are served before validation, replies only to valid requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: deque[Reply | ScriptedError] = deque()

    def push(self, items: Sequence[Reply | ScriptedError]) -> None:
        """Append items at the end of the queue."""
        with self._lock:
            self._items.extend(items)

    def take_error(self) -> ApiError | Fault | None:
        """Pop and return the head of the queue if it is an error or a fault."""
        with self._lock:
            head = self._items[0] if self._items else None
            if isinstance(head, ScriptedError):
                self._items.popleft()
                return head.error
        return None

    def take_reply(self) -> Reply | None:
        """Pop and return the head of the queue if it is a reply."""
        with self._lock:
            head = self._items[0] if self._items else None
            if isinstance(head, Reply):
                self._items.popleft()
                return head
        return None

    def clear(self) -> None:
        """Forget every queued item."""
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


class ReplyScripts:
    """The queue side of :class:`~deepseek_openai.testing.FakeDeepSeek`: replies and errors played in order."""

    _script: Script

    def add_reply(
        self,
        content: str | None = None,
        *,
        reasoning: str | None = None,
        tool_calls: Sequence[Mapping[str, Any]] | None = None,
        finish_reason: str | None = None,
        usage: Mapping[str, Any] | None = None,
        delay: float = 0.0,
        keepalive: int = 0,
        cut_after: int | None = None,
        usage_layout: UsageLayout = "final_chunk",
        json_blank: bool = False,
        hold_after: int | None = None,
    ) -> None:
        """Queue the reply to the next valid chat, FIM or ``/responses`` request (invalid ones leave it queued).

        For ``/responses``, ``finish_reason`` ``"length"`` / ``"content_filter"`` give status ``incomplete``, and
        ``"insufficient_system_resource"`` / ``"aborted"`` give ``failed`` (a ``response.failed`` event when streamed).

        Args:
            content: the exact text (chat ``content`` or FIM ``text``); ``None`` keeps the default (an echo, or a
                tool call for a request with tools: see the class docstring), or ``""`` beside tool calls.
            reasoning: the exact ``reasoning_content``; ``None`` gives the default one when thinking is on.
            tool_calls: ``{"name", "arguments" (str or dict), "id"?}`` per call; ids default to ``call_00_…``.
            finish_reason: e.g. ``"length"``, ``"content_filter"``, ``"insufficient_system_resource"``,
                ``"aborted"``; default ``"tool_calls"`` with tool calls, else ``"stop"``.
            usage: fields that replace the computed usage (totals and cache mirrors follow unless also given).
            delay: seconds before the reply (spread over the keep-alives when there are some).
            keepalive: blank lines / ``: keep-alive`` comments before the reply (``0``: the double's default).
            cut_after: drop the connection after this many ``data:`` events (streams) or before the body.
            usage_layout: ``"final_chunk"`` (usage on the last chunk, today's DeepSeek) or ``"separate_chunk"``
                (an extra chunk with ``choices: []``, the older layout).
            json_blank: replace the content with spaces, as DeepSeek does with JSON it cannot produce.
            hold_after: send this many ``data:`` events (streams; plain replies: the headers only), then keep the
                connection open sending nothing, until the client hangs up or :meth:`close`; a stalled stream.
                A reply with no more events than that is sent whole.

        Raises:
            ValueError: a negative count or delay, an unknown ``usage_layout``, or both ``cut_after`` and
                ``hold_after``.
        """
        calls = tuple(ToolCall.coerce(c) for c in tool_calls or ())
        wire = (delay, keepalive, cut_after, usage_layout, json_blank, hold_after)  # Reply's field order
        self._script.push([Reply(content, reasoning, calls, finish_reason, usage, *wire)])

    def add_error(
        self,
        status: int,
        message: str | None = None,
        *,
        times: int = 1,
        error_type: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Queue ``times`` error answers for the next chat, FIM, ``/responses``, file upload or search/fetch requests.

        They are served right after the key check.

        Args:
            status: the HTTP status, e.g. 429, 500 or 503 (which the SDK retries).
            message: ``error.message``; default: DeepSeek's text for the status from ``RULES``, else the reason.
            times: how many requests in a row get it (``add_error(503, times=2)`` then success shows retries).
            error_type: ``error.type``; default from ``RULES`` for the status.
            code: ``error.code``; default ``"invalid_request_error"`` below 500.
            headers: extra response headers, e.g. ``{"retry-after-ms": "10"}`` for quick SDK retries.
        """
        if not 400 <= status <= 599 or times < 0:
            raise ValueError(f"status must be 400-599 and times >= 0, got status={status!r}, times={times!r}")
        base = error_for_status(status, message, error_type, code)
        error = ApiError(base.status, base.message, base.type, base.code, dict(headers or {}))
        self._script.push([ScriptedError(error)] * times)
