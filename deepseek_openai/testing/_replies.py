"""Deterministic DeepSeek-shaped reply bodies: chat, FIM, ``/models``, ``/user/balance``, token and cache counts.

Token rule: ``tokens(text) = ceil(len(text) / 4)``. A chat prompt is the text ``"<role>" + content + newline`` per
message, preceded by the JSON of ``tools`` when there are any; earlier ``reasoning_content`` counts only when the
request carries ``tools`` (DeepSeek ignores it otherwise, guides/thinking_mode). A FIM prompt is prompt + suffix.

Cache rule: a request whose prompt (as a sequence of those message texts) starts with the whole prompt of an
earlier accepted request to the same model gets that earlier prompt's tokens as cache hits, rounded down to a
multiple of 64; everything else is a miss. So ``hit + miss == prompt_tokens`` always.

Default chat reply: an echo of the last user text, or a tool call / an answer quoting tool results when the request
has tools (rules in ``_tooluse``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import uuid
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .._compat._rewrites import schema_of_instruction
from .._models import EFFORT_LEVELS, MODELS, current_models
from ._checks import thinking_on
from ._schema import example_of
from ._script import Reply, ToolCall
from ._tooluse import default_call, text_of, tool_results

__all__ = ["CACHE_UNIT", "Plan", "PromptCache", "balance_body", "count_tokens", "models_body", "plan_chat", "plan_fim"]

CACHE_UNIT = 64
"""Cache hits are counted in whole units of this many tokens (V3-era kv_cache guide: 64-token granularity)."""
SYSTEM_FINGERPRINT = "0f5e1c3a9b7d4e2f8a6c0b1d3e5f7a9c"
"""Newest format: bare 32 hex digits (older replies sent ``fp_<hex>_prod<build>_fp8_kvcache``) [obs]."""
FIM_TEXT = "    pass  # filled in by FakeDeepSeek\n"
_NAMESPACE = uuid.UUID("5f3c8a52-9d1e-4c1b-8f0e-2a7d3c4b5e6f")
_DISPLAY_NAMES = {"deepseek-flash": "DeepSeek-V4.1-Flash", "deepseek-v4-pro": "DeepSeek-V4-Pro"}  # [!] /models `name`
_CACHE_ENTRIES = 4096


def count_tokens(text: str) -> int:
    """Return the double's token count: one token per four characters, rounded up."""
    return (len(text) + 3) // 4


class PromptCache:
    """Remembers accepted prompts per model and reports the cache hits of a new one (see the module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: OrderedDict[tuple[str, str], int] = OrderedDict()

    def hits(self, model: str, segments: Sequence[str]) -> int:
        """Return the hit tokens for a prompt made of ``segments`` and remember it."""
        prefixes = list(itertools.accumulate(segments)) or [""]
        with self._lock:
            best = next((self._seen[(model, p)] for p in reversed(prefixes) if (model, p) in self._seen), 0)
            key = (model, prefixes[-1])
            self._seen[key] = count_tokens(prefixes[-1])
            self._seen.move_to_end(key)
            while len(self._seen) > _CACHE_ENTRIES:
                self._seen.popitem(last=False)
        return best // CACHE_UNIT * CACHE_UNIT

    def clear(self) -> None:
        """Forget every prompt."""
        with self._lock:
            self._seen.clear()


@dataclass
class Plan:
    """Everything a reply says, before it is rendered as JSON or as SSE chunks."""

    kind: str  # "chat" or "fim"
    id: str
    created: int
    model: str
    content: str
    reasoning: str | None
    tool_calls: list[dict[str, Any]]
    finish_reason: str
    usage: dict[str, Any]
    reply: Reply = field(default_factory=Reply)

    def head(self, obj: str) -> dict[str, Any]:
        """Return the fields every body and every chunk of this reply repeat."""
        return {"id": self.id, "object": obj, "created": self.created, "model": self.model}

    def body(self) -> dict[str, Any]:
        """Return the non-streaming body (api/create-chat-completion, api/create-completion)."""
        if self.kind == "fim":
            choice: dict[str, Any] = {"text": self.content, "index": 0, "logprobs": None}
            return {
                **self.head("text_completion"),
                "choices": [{**choice, "finish_reason": self.finish_reason}],
                "usage": self.usage,
                "system_fingerprint": SYSTEM_FINGERPRINT,
            }
        message: dict[str, Any] = {"role": "assistant", "content": self.content}
        if self.reasoning is not None:
            message["reasoning_content"] = self.reasoning
        if self.tool_calls:
            message["tool_calls"] = self.tool_calls
        return {
            **self.head("chat.completion"),
            "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": self.finish_reason}],
            "usage": self.usage,
            "system_fingerprint": SYSTEM_FINGERPRINT,
        }


def _chat_segments(body: Mapping[str, Any]) -> list[str]:
    tools = body.get("tools")
    segments = [json.dumps(tools, sort_keys=True, ensure_ascii=False) + "\n"] if tools else []
    for message in body["messages"]:
        extra = ""
        if message.get("role") == "assistant":
            if tools and message.get("reasoning_content"):
                extra += str(message["reasoning_content"])
            if message.get("tool_calls"):
                extra += json.dumps(message["tool_calls"], sort_keys=True, ensure_ascii=False)
        segments.append(f"<{message.get('role')}>{extra}{text_of(message.get('content'))}\n")
    return segments


def _cut_at_stop(text: str, stop: Any) -> str:
    stops = [stop] if isinstance(stop, str) else [s for s in stop or () if isinstance(s, str) and s]
    cuts = [i for i in (text.find(s) for s in stops if s) if i >= 0]
    return text[: min(cuts)] if cuts else text


def _fit(reasoning: str | None, content: str, max_tokens: Any) -> tuple[str | None, str, bool]:
    # Default replies obey max_tokens like the model would: reasoning first, then content, finish_reason "length".
    if not isinstance(max_tokens, int):
        return reasoning, content, False
    budget = max_tokens * 4
    cut = False
    if reasoning is not None and len(reasoning) > budget:
        reasoning, cut = reasoning[:budget], True
    left = max(0, max_tokens - count_tokens(reasoning or "")) * 4
    if len(content) > left:
        content, cut = content[:left], True
    return reasoning, content, cut


def _usage(
    prompt: int, hit: int, reasoning: int | None, completion: int, override: Mapping[str, Any] | None
) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": hit},
        "prompt_cache_hit_tokens": hit,
        "prompt_cache_miss_tokens": prompt - hit,
    }
    if reasoning is not None:
        # Only thinking replies carry completion_tokens_details; non-thinking and FIM ones omit it [obs].
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    if not override:
        return usage
    usage.update(override)
    if "total_tokens" not in override:
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    if "prompt_cache_miss_tokens" not in override:
        usage["prompt_cache_miss_tokens"] = usage["prompt_tokens"] - usage["prompt_cache_hit_tokens"]
    if "prompt_tokens_details" not in override:
        usage["prompt_tokens_details"] = {"cached_tokens": usage["prompt_cache_hit_tokens"]}
    return usage


def _ids(seq: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, str(seq)))


def _tool_calls(scripted: Sequence[ToolCall], seq: int) -> list[dict[str, Any]]:
    calls = []
    for index, call in enumerate(scripted):
        # DeepSeek numbers its call ids by position: call_00_<random> (api/create-chat-completion examples).
        digest = hashlib.sha256(f"{seq}:{index}:{call.name}".encode()).hexdigest()[:24]
        call_id = call.id or f"call_{index:02d}_{digest}"
        calls.append(
            {
                "index": index,
                "id": call_id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
        )
    return calls


def plan_chat(body: Mapping[str, Any], reply: Reply | None, seq: int, created: int, cache: PromptCache) -> Plan:
    """Plan the reply to an accepted chat request: the scripted ``reply`` if any, else the default (echo or tools)."""
    script = reply or Reply()
    thinking = thinking_on(body)
    messages = body["messages"]
    said = next((text_of(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), "")
    scripted = script.tool_calls
    # Only a reply that leaves the answer open gets the default call; scripted content or calls always win.
    default = None if script.content is not None or scripted or script.json_blank else default_call(body, said)
    tool_calls = _tool_calls(scripted or ([default] if default else []), seq)
    results = tool_results(messages)
    reasoning = script.reasoning
    if reasoning is None and thinking:
        intent = f"call {default.name} first" if default else "echo them with the tools' results" if results else ""
        reasoning = f"The user wrote {len(said)} characters; I will {intent or 'echo them back'}."
    cut = False
    if script.content is not None:
        content = script.content
    elif tool_calls:
        content = ""  # DeepSeek sends an empty string, not null, beside tool calls [obs].
    else:
        if messages and messages[-1].get("prefix"):
            # Prefix completion continues the assistant's text without repeating it (guides/chat_prefix_completion).
            content = f"print({('Echo: ' + said)!r})\n```\n"
        elif (body.get("response_format") or {}).get("type") == "json_object" and schema_of_instruction(messages):
            # A model that follows the schema in the prompt answers with a matching object (the hook sends one).
            content = json.dumps(example_of(schema_of_instruction(messages)), ensure_ascii=False)
        elif (body.get("response_format") or {}).get("type") == "json_object":
            content = json.dumps({"echo": said, **({"tools_said": results} if results else {})}, ensure_ascii=False)
        else:
            content = f"Echo: {said}" + (f" (tools said: {'; '.join(results)})" if results else "")
        content = _cut_at_stop(content, body.get("stop"))
        reasoning, content, cut = _fit(reasoning, content, body.get("max_tokens"))
    if script.json_blank:
        # Unrecognisable JSON is replaced by spaces, finish_reason still "stop" (guides/json_mode).
        content = " " * max(len(content), 1)
    finish = script.finish_reason or ("tool_calls" if tool_calls else "length" if cut else "stop")
    model = MODELS[body["model"]].served_by
    hit = cache.hits(model, _chat_segments(body))
    prompt = count_tokens("".join(_chat_segments(body)))
    spent = count_tokens(reasoning or "")
    output = (
        spent
        + count_tokens(content)
        + sum(count_tokens(c["function"]["name"] + c["function"]["arguments"]) for c in tool_calls)
    )
    usage = _usage(prompt, hit, spent if reasoning is not None else None, output, script.usage)
    return Plan("chat", _ids(seq), created, model, content, reasoning, tool_calls, finish, usage, script)


def plan_fim(body: Mapping[str, Any], reply: Reply | None, seq: int, created: int, cache: PromptCache) -> Plan:
    """Plan the reply to an accepted FIM request: the scripted ``reply``'s content if any, else a fixed line."""
    script = reply or Reply()
    prompt_text = text_of(body.get("prompt"))
    text = script.content
    cut = False
    if text is None:
        text = _cut_at_stop(FIM_TEXT, body.get("stop"))
        _, text, cut = _fit(None, text, body.get("max_tokens"))
    if body.get("echo"):
        text = prompt_text + text
    segments = [prompt_text, str(body.get("suffix") or "")]
    model = MODELS[body["model"]].served_by
    hit = cache.hits(model, ["".join(segments)])
    usage = _usage(count_tokens("".join(segments)), hit, None, count_tokens(text), script.usage)
    finish = script.finish_reason or ("length" if cut else "stop")
    return Plan("fim", _ids(seq), created, model, text, None, [], finish, usage, script)


def models_body() -> dict[str, Any]:
    """``GET /models`` with the newest documented fields (zh-cn/api/list-models, 2026-11)."""
    data = []
    for name in current_models():
        info = MODELS[name]
        data.append(
            {
                "id": name,
                "object": "model",
                "owned_by": "deepseek",
                "name": _DISPLAY_NAMES.get(name, name),
                "context_window": info.context_window,
                "max_output_tokens": info.max_output_tokens,
                "input_modalities": ["text", "image"] if info.vision else ["text"],
                "output_modalities": ["text"],
                "effort": {"supported_levels": [e for e in EFFORT_LEVELS if e != "none"], "default_level": "high"},
                "api_capabilities": {"anthropic_messages": {"system_prompt_update": "in-history"}},
            }
        )
    return {"object": "list", "data": data}


def balance_body(balance: Decimal, currency: str) -> dict[str, Any]:
    """``GET /user/balance``: amounts are strings with two decimals (api/get-user-balance)."""
    total = f"{balance:.2f}"
    info = {"currency": currency, "total_balance": total, "granted_balance": "0.00", "topped_up_balance": total}
    return {"is_available": balance > 0, "balance_infos": [info]}
