"""A planned reply rendered as DeepSeek's server-sent events (api/create-chat-completion, streaming).

Order: a role chunk, ``reasoning_content`` deltas, ``content`` deltas, tool-call deltas (id, type and name first,
then argument fragments), a final chunk with ``finish_reason``, and ``data: [DONE]``. Every chunk carries
``"usage": null`` except the one holding the totals: the final chunk (current layout) or an extra chunk with
``"choices": []`` after it (older layout).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from ._replies import SYSTEM_FINGERPRINT, Plan

__all__ = ["DONE", "KEEPALIVE", "argument_pieces", "encode", "events"]

DONE = b"data: [DONE]\n\n"
KEEPALIVE = b": keep-alive\n\n"
"""SSE comment DeepSeek sends while a streamed request waits in the queue (quick_start/rate_limit)."""
_PIECE = re.compile(r"\S+\s*|\s+")
# Tool-call arguments arrive in token-sized pieces [obs]: a word of up to 6 letters (longer ones split), up to 3
# digits, or 1-2 punctuation marks, each with the whitespace before it, e.g. '{"', 'city', '":', ' "', 'Paris', '"}'.
_ARG_TOKEN = re.compile(r"\s*(?:[^\W\d_]{1,6}|\d{1,3}|[^\w\s]{1,2}|_)|\s+")


def encode(chunk: dict[str, Any]) -> bytes:
    """One ``data:`` event."""
    return b"data: " + json.dumps(chunk, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"


def _pieces(text: str) -> list[str]:
    return _PIECE.findall(text)


def argument_pieces(arguments: str) -> list[str]:
    """Split tool-call arguments into the token-sized fragments a stream carries (joined, they are ``arguments``)."""
    return _ARG_TOKEN.findall(arguments)


def _chat_deltas(plan: Plan) -> Iterator[dict[str, Any]]:
    thinking = plan.reasoning is not None
    # The first thinking chunk carries reasoning_content "" and content null [obs]; non-thinking starts with "".
    yield (
        {"role": "assistant", "content": None, "reasoning_content": ""}
        if thinking
        else {"role": "assistant", "content": ""}
    )
    for piece in _pieces(plan.reasoning or ""):
        yield {"content": None, "reasoning_content": piece}
    for piece in _pieces(plan.content):
        yield {"content": piece, "reasoning_content": None} if thinking else {"content": piece}
    for call in plan.tool_calls:
        head = {"index": call["index"], "id": call["id"], "type": "function"}
        yield {"tool_calls": [{**head, "function": {"name": call["function"]["name"], "arguments": ""}}]}
        for piece in argument_pieces(call["function"]["arguments"]):
            yield {"tool_calls": [{"index": call["index"], "function": {"arguments": piece}}]}


def _fim_choice(text: str, finish: str | None) -> dict[str, Any]:
    return {"text": text, "index": 0, "logprobs": None, "finish_reason": finish}


def _chat_choice(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}


def events(plan: Plan) -> list[bytes]:
    """All ``data:`` events of the streamed reply, ``[DONE]`` included, in order."""
    if plan.kind == "fim":
        head = {**plan.head("text_completion"), "system_fingerprint": SYSTEM_FINGERPRINT}
        body = [_fim_choice(p, None) for p in _pieces(plan.content)]
        last = _fim_choice("", plan.finish_reason)
    else:
        head = {**plan.head("chat.completion.chunk"), "system_fingerprint": SYSTEM_FINGERPRINT}
        body = [_chat_choice(d, None) for d in _chat_deltas(plan)]
        closing: dict[str, Any] = {"content": ""}
        if plan.reasoning is not None:
            closing["reasoning_content"] = None
        last = _chat_choice(closing, plan.finish_reason)
    separate = plan.reply.usage_layout == "separate_chunk"
    out = [encode({**head, "choices": [c], "usage": None}) for c in body]
    # Current docs: usage rides on the last chunk; older docs (and OpenAI) add a chunk with no choices.
    out.append(encode({**head, "choices": [last], "usage": None if separate else plan.usage}))
    if separate:
        out.append(encode({**head, "choices": [], "usage": plan.usage}))
    out.append(DONE)
    return out
