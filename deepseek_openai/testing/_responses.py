"""``POST /responses`` in the double: DeepSeek's checks, the reply body and its server-sent events.

DeepSeek's Responses API is stateless (``store``, ``previous_response_id`` are ignored), returns reasoning as a
``reasoning`` output item with plain ``reasoning_text``, and streams typed events ending with
``response.completed`` / ``response.incomplete`` / ``response.failed``, with no ``[DONE]`` (guides/responses_api).
Defaults follow the chat double: an echo of the last user text, a function call when tools are offered, and an
answer quoting ``function_call_output`` items after a tool round. Scripted replies (``add_reply``) apply here too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._models import EFFORT_LEVELS, MAX_TOOLS, MODELS
from ._api_error import ApiError
from ._checks import _check_common, _shape, thinking_on
from ._replies import PromptCache, _fit, _tool_calls, count_tokens
from ._script import Reply
from ._stream import _pieces
from ._tooluse import default_call, text_of
from ._vision import check_images

__all__ = ["ResponsePlan", "check_responses", "plan_response"]

_EFFORT_ALIASES = {"minimal": "low", "medium": "high", "xhigh": "high", "ultra": "max"}
# finish reasons a scripted reply may give, as Responses statuses (incomplete reasons) or a failure.
_INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}
_ASSISTANT_KINDS = ("reasoning", "function_call", "assistant")


def _kind(item: Mapping[str, Any]) -> str:
    kind = item.get("type")
    if kind in (None, "message"):
        return "assistant" if item.get("role") == "assistant" else "message"
    return str(kind)


def input_items(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Return the request's ``input`` as items (a string is one user message)."""
    raw = body.get("input")
    if isinstance(raw, str):
        return [{"type": "message", "role": "user", "content": raw}]
    return [item for item in raw or () if isinstance(item, Mapping)]


def _chat_view(body: Mapping[str, Any]) -> dict[str, Any]:
    # The chat double's helpers read chat-shaped bodies: thinking toggle, effort, tools and messages.
    effort = (body.get("reasoning") or {}).get("effort") if isinstance(body.get("reasoning"), Mapping) else None
    tools = [
        {"type": "function", "function": t}
        for t in body.get("tools") or ()
        if isinstance(t, Mapping) and t.get("type") == "function"
    ]
    choice = body.get("tool_choice")
    if isinstance(choice, Mapping) and choice.get("name"):
        choice = {"type": "function", "function": {"name": choice["name"]}}
    items = input_items(body)
    last = items[-1] if items else {}
    messages = [{"role": "user"}] if _kind(last) == "message" and last.get("role", "user") != "assistant" else []
    return {
        "thinking": body.get("thinking"),
        "reasoning_effort": effort,
        "tools": tools,
        "tool_choice": choice,
        "messages": messages,
    }


def _check_passback(items: Sequence[Mapping[str, Any]]) -> ApiError | None:
    # With tools in thinking mode, every earlier assistant turn needs its reasoning item (guides/responses_api).
    in_turn = has_reasoning = False
    for item in [*items, {"type": "message", "role": "user"}]:
        kind = _kind(item)
        if kind in _ASSISTANT_KINDS:
            if not in_turn:
                in_turn, has_reasoning = True, False
            has_reasoning = has_reasoning or kind == "reasoning"
            continue
        if in_turn and not has_reasoning:
            return ApiError.from_rule("responses_passback")
        in_turn = False
    return None


def check_responses(body: Any) -> ApiError | None:
    """Return DeepSeek's refusal of a ``/responses`` body, or ``None`` when the service would answer."""
    failure = _check_common(body, "input")
    if failure is not None:
        return failure
    if not isinstance(body["input"], (str, list)):
        return _shape("input: invalid type, expected a string or a sequence")
    effort = _chat_view(body)["reasoning_effort"]
    if effort is not None and _EFFORT_ALIASES.get(effort, effort) not in EFFORT_LEVELS:
        return ApiError.from_rule("reasoning_effort", value=effort)
    limit = body.get("max_output_tokens")
    if limit is not None and (not isinstance(limit, int) or not 1 <= limit <= MODELS[body["model"]].max_output_tokens):
        return ApiError.from_rule("max_tokens_range")
    tools = body.get("tools") or []
    if len(tools) > MAX_TOOLS:
        return ApiError.from_rule("too_many_tools")
    items = input_items(body)
    failure = check_images([i for i in items if _kind(i) in ("message", "assistant")], body["model"])
    if failure is not None:
        return failure
    view = _chat_view(body)
    if view["tools"] and thinking_on(view):
        return _check_passback(items)
    return None


def _segments(body: Mapping[str, Any], items: Sequence[Mapping[str, Any]]) -> list[str]:
    tools = body.get("tools")
    segments = [json.dumps(tools, sort_keys=True, ensure_ascii=False) + "\n"] if tools else []
    if isinstance(body.get("instructions"), str):
        segments.append(f"<system>{body['instructions']}\n")
    for item in items:
        kind = _kind(item)
        if kind == "reasoning":
            text = "".join(str(c.get("text", "")) for c in item.get("content") or () if isinstance(c, Mapping))
            segments.append(f"<reasoning>{text}\n" if tools else "")  # counted only with tools, as in chat
        elif kind in ("function_call", "function_call_output"):
            segments.append(f"<{kind}>{item.get('name', '')}{item.get('arguments', '')}{item.get('output', '')}\n")
        else:
            content = item.get("content")
            if isinstance(content, list):  # input_text / output_text parts read as chat text parts
                content = [{**p, "type": "text"} if str(p.get("type", "")).endswith("_text") else p for p in content]
            segments.append(f"<{item.get('role', 'user')}>{text_of(content)}\n")
    return segments


def _said(items: Sequence[Mapping[str, Any]]) -> str:
    for item in reversed(items):
        if _kind(item) == "message" and item.get("role", "user") in ("user", "developer"):
            content = item.get("content")
            if isinstance(content, list):
                return "".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
            return str(content or "")
    return ""


def _tool_outputs(items: Sequence[Mapping[str, Any]]) -> list[str]:
    outputs: list[str] = []
    for item in reversed(items):
        if _kind(item) != "function_call_output":
            break
        outputs.append(str(item.get("output", "")))
    return outputs[::-1]


def _digest(seq: int, what: str) -> str:
    return hashlib.sha256(f"{seq}:{what}".encode()).hexdigest()[:32]


@dataclass
class ResponsePlan:
    """A planned Responses reply, rendered as one JSON body or as DeepSeek's typed events."""

    response: dict[str, Any]
    reply: Reply = field(default_factory=Reply)

    def body(self) -> dict[str, Any]:
        """Return the non-streaming body (api/create-response)."""
        return self.response

    def sse(self) -> list[bytes]:
        """Return every event of the streamed reply, in order (``event:`` and ``data:`` lines, no ``[DONE]``)."""
        events: list[dict[str, Any]] = []
        started = {**self.response, "status": "in_progress", "output": [], "usage": None}
        events += [{"type": "response.created", "response": started}]
        events += [{"type": "response.in_progress", "response": started}]
        for index, item in enumerate(self.response["output"]):
            events += _item_events(index, item)
        end = {"completed": "response.completed", "incomplete": "response.incomplete", "failed": "response.failed"}
        events.append({"type": end[self.response["status"]], "response": self.response})
        out = []
        for number, event in enumerate(events):
            data = json.dumps({**event, "sequence_number": number}, ensure_ascii=False, separators=(",", ":"))
            out.append(f"event: {event['type']}\ndata: {data}\n\n".encode())
        return out


def _item_events(index: int, item: Mapping[str, Any]) -> list[dict[str, Any]]:
    kind, item_id = item["type"], item["id"]
    where = {"item_id": item_id, "output_index": index}
    opened = {**item, "status": "in_progress"}
    events: list[dict[str, Any]] = []
    if kind == "function_call":
        events.append(
            {"type": "response.output_item.added", "output_index": index, "item": {**opened, "arguments": ""}}
        )
        args = item["arguments"]
        for start in range(0, len(args), 8):
            events.append({"type": "response.function_call_arguments.delta", **where, "delta": args[start : start + 8]})
        events.append({"type": "response.function_call_arguments.done", **where, "arguments": args})
    else:
        text = item["content"][0]["text"]
        prefix = "response.reasoning_text" if kind == "reasoning" else "response.output_text"
        empty = {**item["content"][0], "text": ""}
        events.append({"type": "response.output_item.added", "output_index": index, "item": {**opened, "content": []}})
        events.append({"type": "response.content_part.added", **where, "content_index": 0, "part": empty})
        for piece in _pieces(text):
            delta = {"type": f"{prefix}.delta", **where, "content_index": 0, "delta": piece}
            events.append(delta if kind == "reasoning" else {**delta, "logprobs": []})
        events.append({"type": f"{prefix}.done", **where, "content_index": 0, "text": text})
        events.append({"type": "response.content_part.done", **where, "content_index": 0, "part": item["content"][0]})
    events.append({"type": "response.output_item.done", "output_index": index, "item": item})
    return events


def _usage(prompt: int, hit: int, reasoning: int, output: int, override: Mapping[str, Any] | None) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": hit},
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": prompt + output,
    }
    usage.update(override or {})
    if override and "total_tokens" not in override:
        usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"]
    return usage


def _output(seq: int, reasoning: str | None, content: str, calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if reasoning is not None:
        # Plain reasoning text, no summary and no encrypted content (guides/responses_api).
        text = {"type": "reasoning_text", "text": reasoning}
        items.append({"id": f"rs_{_digest(seq, 'r')}", "type": "reasoning", "summary": [], "content": [text]})
    if content or not calls:
        part = {"type": "output_text", "text": content, "annotations": [], "logprobs": []}
        items.append({"id": f"msg_{_digest(seq, 'm')}", "type": "message", "role": "assistant", "content": [part]})
    for call in calls:
        function = call["function"]
        item = {"type": "function_call", "call_id": call["id"], "name": function["name"]}
        items.append({"id": f"fc_{_digest(seq, call['id'])}", **item, "arguments": function["arguments"]})
    return [{**item, "status": "completed"} for item in items]


def plan_response(
    body: Mapping[str, Any], reply: Reply | None, seq: int, created: int, cache: PromptCache
) -> ResponsePlan:
    """Plan the reply to an accepted ``/responses`` request: the scripted ``reply`` if any, else the default."""
    script = reply or Reply()
    view = _chat_view(body)
    items = input_items(body)
    said = _said(items)
    default = None if script.content is not None or script.tool_calls else default_call(view, said)
    calls = _tool_calls(script.tool_calls or ([default] if default else []), seq)
    outputs = _tool_outputs(items)
    reasoning = script.reasoning
    if reasoning is None and thinking_on(view):
        reasoning = f"The user wrote {len(said)} characters; I will answer with an echo."
    cut = False
    if script.content is not None:
        content = script.content
    elif calls:
        content = ""
    else:
        content = f"Echo: {said}" + (f" (tools said: {'; '.join(outputs)})" if outputs else "")
        reasoning, content, cut = _fit(reasoning, content, body.get("max_output_tokens"))
    finish = script.finish_reason or ("length" if cut else "stop")
    model = MODELS[body["model"]].served_by
    segments = _segments(body, items)
    hit = cache.hits(model, segments)
    spent = count_tokens(reasoning or "")
    produced = spent + count_tokens(content) + sum(count_tokens(c["function"]["arguments"]) for c in calls)
    status = "completed" if finish in ("stop", "tool_calls") else "incomplete" if finish in _INCOMPLETE else "failed"
    error = {"code": "server_error", "message": f"The response failed ({finish})."} if status == "failed" else None
    response = {
        "id": f"resp_{_digest(seq, 'resp')}",
        "object": "response",
        "created_at": created,
        "model": model,
        "status": status,
        "error": error,
        "incomplete_details": {"reason": _INCOMPLETE[finish]} if status == "incomplete" else None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "metadata": {},
        "output": _output(seq, reasoning, content, calls),
        "parallel_tool_calls": True,  # always on; the field is ignored (guides/responses_api)
        "previous_response_id": None,
        "reasoning": {"effort": view["reasoning_effort"], "summary": None},
        "store": False,  # DeepSeek stores nothing
        "temperature": body.get("temperature"),
        "text": body.get("text") or {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice") or "auto",
        "tools": list(body.get("tools") or []),
        "top_p": body.get("top_p"),
        "usage": _usage(count_tokens("".join(segments)), hit, spent, produced, script.usage),
    }
    return ResponsePlan(response, script)
