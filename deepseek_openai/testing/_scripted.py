"""Scripting the double's chat, FIM and ``/responses`` answers: :meth:`add_reply` and :meth:`add_error`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._script import ApiError, Reply, Script, ScriptedError, ToolCall, UsageLayout, error_for_status

__all__ = ["ReplyScripts"]


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
