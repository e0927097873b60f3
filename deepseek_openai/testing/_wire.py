"""Writing a planned reply on the wire: plain JSON or SSE, with keep-alives, delays, cut and held connections."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._replies import Plan
from ._server import Handler
from ._stream import KEEPALIVE, events

if TYPE_CHECKING:
    from ._responses import ResponsePlan

__all__ = ["JSON_TYPE", "answer", "dump"]

JSON_TYPE = ("Content-Type", "application/json")
_SSE = [("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-cache")]


def dump(obj: Any) -> bytes:
    """Serialise compactly, UTF-8 as is (DeepSeek does not escape non-ASCII)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def answer(
    handler: Handler, plan: Plan | ResponsePlan, *, stream: bool, keepalive: int, wait: Callable[[float], bool]
) -> None:
    """Send ``plan`` as JSON or SSE, honouring its delay, ``keepalive`` fillers, ``cut_after`` and ``hold_after``.

    ``wait(seconds)`` pauses and returns ``False`` when the double is closing (the reply is then dropped).
    """
    reply = plan.reply
    pause = reply.delay / (keepalive + 1)
    if not keepalive and not wait(reply.delay):
        return handler.drop()  # no keep-alives: nothing at all is sent during the delay
    if not stream and not keepalive and reply.cut_after is None and reply.hold_after is None:
        return handler.send_all(200, [JSON_TYPE], dump(plan.body()))
    send: Callable[[bytes], object]
    if stream:
        handler.send_head(200, [*_SSE, ("Transfer-Encoding", "chunked")])
        send, filler = handler.send_chunk, KEEPALIVE
        payload = events(plan) if isinstance(plan, Plan) else plan.sse()
        cut, hold = reply.cut_after, reply.hold_after
    else:
        body = dump(plan.body())
        # Queued non-streaming requests get blank lines before the JSON (quick_start/rate_limit).
        handler.send_head(200, [JSON_TYPE, ("Content-Length", str(keepalive + len(body)))])
        send, filler, payload = handler.write, b"\n", [body]
        # A plain reply has one piece, its body: cutting or holding it happens before the body.
        cut = None if reply.cut_after is None else 0
        hold = None if reply.hold_after is None else 0
    for _ in range(keepalive):
        if not wait(pause):
            return handler.drop()
        send(filler)
    if keepalive and not wait(pause):
        return handler.drop()
    for index, piece in enumerate(payload):
        if cut is not None and index >= cut:
            return handler.drop()  # a connection lost mid-reply: the client sees a truncated body
        if hold is not None and index >= hold:
            return handler.hold(wait)  # a stalled reply: nothing more until the client or the double gives up
        send(piece)
    if stream:
        send(b"")
    return None
