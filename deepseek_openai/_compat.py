"""What the request hook rewrites so OpenAI-style requests work on DeepSeek, as data (``REWRITES``), and the rewrites.

Every rewrite is a row: what changes, why (the DeepSeek rule), the docs page, and whether it warns. A field not
in the table is sent as written; ``PASSED_AS_WRITTEN`` lists the OpenAI-only fields we looked at and left alone
because nothing shows DeepSeek refuses them ("never refuse what DeepSeek accepts").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from ._errors import InvalidRequestError, LegacyModelError
from ._memory import ReasoningMemory, recall_message
from ._models import MODELS
from ._rules import DOCS, RULES
from ._thinking import thinks
from ._warnings import CompatWarning, LegacyModelWarning, warn_once

__all__ = ["PASSED_AS_WRITTEN", "REWRITES", "Options", "Rewrite", "rewrite_body", "schema_of_instruction"]

LegacyMode = Literal["translate", "error", "pass"]
MissingReasoning = Literal["error", "disable_thinking"]
_SAMPLING = ("temperature", "presence_penalty", "frequency_penalty")
SCHEMA_MARK = "Reply with one JSON object that matches this JSON schema"


@dataclass(frozen=True)
class Rewrite:
    """One change the request hook makes to a request before it is sent."""

    id: str
    endpoint: str
    what: str
    why: str
    docs: str
    warns: bool


@dataclass(frozen=True)
class Options:
    """How one HTTP client's hook behaves (set by ``create_client`` / ``create_http_client``)."""

    legacy_models: LegacyMode = "translate"
    compat: bool = True
    missing_reasoning: MissingReasoning = "error"


def _table(*rows: Rewrite) -> Mapping[str, Rewrite]:
    return MappingProxyType({r.id: r for r in rows})


REWRITES: Mapping[str, Rewrite] = _table(
    Rewrite(
        "legacy_model",
        "/chat/completions, /completions",
        "`deepseek-chat` / `deepseek-reasoner` → `deepseek-flash`, adding `thinking` off / on only when the "
        "request sets neither `thinking` nor `reasoning_effort`",
        "DeepSeek retired both ids on 2026-07-24 and answers 400",
        f"{DOCS}/quick_start/your_first_api_call",
        True,
    ),
    Rewrite(
        "responses_legacy_model",
        "/responses",
        "`deepseek-chat` / `deepseek-reasoner` → `deepseek-flash`; for `deepseek-chat` also "
        '`reasoning: {"effort": "none"}` unless the request sets an effort',
        "retired ids get 400 on the Responses API too; it takes `reasoning.effort`, not `thinking`",
        f"{DOCS}/guides/responses_api",
        True,
    ),
    Rewrite(
        "developer_role",
        "/chat/completions",
        "messages with role `developer` → role `system`",
        "DeepSeek knows only system, user, assistant and tool, and answers 422 to `developer`",
        f"{DOCS}/api/create-chat-completion",
        False,
    ),
    Rewrite(
        "max_completion_tokens",
        "/chat/completions",
        "`max_completion_tokens` → `max_tokens` (dropped when `max_tokens` is also set)",
        "`max_completion_tokens` is not in DeepSeek's schema, so the limit would not apply",
        f"{DOCS}/api/create-chat-completion",
        False,
    ),
    Rewrite(
        "forced_tool_choice",
        "/chat/completions",
        '`tool_choice` `"required"` or a named function while thinking → `thinking: {"type": "disabled"}` '
        "(refused before sending when the request itself turns thinking on)",
        "DeepSeek cannot force a tool call while thinking and answers 400",
        f"{DOCS}/guides/thinking_mode",
        True,
    ),
    Rewrite(
        "json_schema",
        "/chat/completions",
        '`response_format` `json_schema` → `{"type": "json_object"}` plus a first system message carrying the '
        "schema (and the word json); the SDK's `parse()` still validates the reply",
        "DeepSeek has only text and json_object and answers 400 to json_schema; it does not enforce a schema",
        f"{DOCS}/guides/json_mode",
        True,
    ),
    Rewrite(
        "reasoning_memory",
        "/chat/completions",
        "an earlier assistant turn sent back without `reasoning_content` gets the exact text it came with, "
        "when the request has tools and thinks (unknown turns: error, or thinking off if chosen)",
        "with tools and thinking on, DeepSeek answers 400 unless every earlier assistant turn carries its reasoning",
        f"{DOCS}/guides/thinking_mode",
        False,
    ),
)
"""Every rewrite the request hook makes, by id; read-only. ``create_client(compat=False)`` makes none of them."""

PASSED_AS_WRITTEN: Mapping[str, str] = MappingProxyType(
    {
        name: "not in DeepSeek's schema; what it does with it is undocumented, so it is sent as written"
        for name in (
            "n",
            "seed",
            "logit_bias",
            "parallel_tool_calls",
            "store",
            "metadata",
            "service_tier",
            "prediction",
            "modalities",
            "audio",
            "user",
        )
    }
)
"""OpenAI-only chat fields the hook leaves alone: no evidence DeepSeek refuses them (deepseek-api §4)."""


def _warn(rewrite_id: str, message: str) -> None:
    row = REWRITES[rewrite_id]
    warn_once(
        rewrite_id, f"{message} See {row.docs}; create_client(compat=False) sends requests as written.", CompatWarning
    )


def legacy(body: dict[str, Any], endpoint: str, mode: LegacyMode) -> bool:
    """Translate (or refuse) a retired model id in place; return whether the body changed."""
    model = body.get("model")
    info = MODELS.get(model) if isinstance(model, str) else None
    if info is None or info.status != "retired" or mode == "pass":
        return False
    how = (
        " (thinking is on by default)"
        if info.legacy_thinking
        else ' with extra_body={"thinking": {"type": "disabled"}}'
    )
    fix = f"write model={info.served_by!r}{how}"
    if mode == "error":
        raise LegacyModelError(
            f"DeepSeek retired model {model!r} on 2026-07-24 and answers 400 to it.",
            fix=f"{fix}, or create the client with legacy_models='translate'.",
            rule="retired_model",
        )
    body["model"] = info.served_by
    sent = ""
    if endpoint == "chat":
        # One rule (also thinking() and the double): an explicit toggle or effort decides; the name only defaults.
        if "thinking" not in body and "reasoning_effort" not in body:
            body["thinking"] = {"type": "enabled" if info.legacy_thinking else "disabled"}
        sent = f" with thinking {'on' if thinks(body) else 'off'}"
    elif endpoint == "responses":
        reasoning = body.get("reasoning")
        effort = reasoning.get("effort") if isinstance(reasoning, Mapping) else None
        if effort is None and not info.legacy_thinking:
            # Responses takes reasoning.effort (none|low|high|max), not thinking (guides/responses_api).
            body["reasoning"] = {**(reasoning if isinstance(reasoning, Mapping) else {}), "effort": "none"}
        sent = f" with thinking {'off' if (body.get('reasoning') or {}).get('effort') == 'none' else 'on'}"
    warn_once(
        f"legacy:{model}",
        f"model {model!r} was retired by DeepSeek on 2026-07-24; deepseek_openai sent it as "
        f"{info.served_by!r}{sent}. To silence this, {fix}.",
        LegacyModelWarning,
    )
    return True


def _explicitly_thinking(body: Mapping[str, Any]) -> bool:
    toggle = body.get("thinking")
    if isinstance(toggle, Mapping) and toggle.get("type") == "enabled":
        return True
    effort = body.get("reasoning_effort")
    return isinstance(effort, str) and effort != "none"


def _renamed(body: dict[str, Any]) -> bool:
    changed = False
    messages = body.get("messages")
    if isinstance(messages, list) and any(isinstance(m, Mapping) and m.get("role") == "developer" for m in messages):
        # `developer` is OpenAI's newer name for `system`; DeepSeek answers 422 (api/create-chat-completion).
        body["messages"] = [
            {**m, "role": "system"} if isinstance(m, Mapping) and m.get("role") == "developer" else m for m in messages
        ]
        changed = True
    if "max_completion_tokens" in body:
        # Not in DeepSeek's schema; max_tokens is its name for the same limit (api/create-chat-completion).
        value = body.pop("max_completion_tokens")
        if body.get("max_tokens") is None and value is not None:
            body["max_tokens"] = value
        changed = True
    return changed


def _forced_choice(body: dict[str, Any], explicit: bool) -> bool:
    choice = body.get("tool_choice")
    if not (choice == "required" or isinstance(choice, Mapping)) or not thinks(body):
        return False
    if explicit:
        raise InvalidRequestError(
            f"tool_choice={choice!r} forces a tool call, and this request turns thinking on: DeepSeek cannot do both.",
            fix=RULES["tool_choice_thinking"].fix,
            rule="tool_choice_thinking",
        )
    # DeepSeek answers 400 "Thinking mode does not support this tool_choice" (guides/thinking_mode).
    body["thinking"] = {"type": "disabled"}
    _warn(
        "forced_tool_choice",
        "tool_choice forces a tool call, which DeepSeek cannot do while thinking; "
        "deepseek_openai sent this request with thinking off.",
    )
    return True


def schema_instruction(json_schema: Mapping[str, Any]) -> str:
    """Return the system message that carries a ``json_schema`` response format to DeepSeek's JSON mode."""
    name = json_schema.get("name")
    schema = json.dumps(json_schema.get("schema") or {}, ensure_ascii=False, separators=(",", ":"))
    return f"{SCHEMA_MARK} (name: {name}). Output only the json object, no other text.\n{schema}"


def schema_of_instruction(messages: Any) -> Any:
    """Return the JSON schema carried by :func:`schema_instruction` in these messages, or ``None``."""
    for message in messages if isinstance(messages, list) else ():
        text = message.get("content") if isinstance(message, Mapping) else None
        if message.get("role") == "system" and isinstance(text, str) and text.startswith(SCHEMA_MARK):
            return json.loads(text.partition("\n")[2])
    return None


def _json_schema(body: dict[str, Any]) -> bool:
    response_format = body.get("response_format")
    if not isinstance(response_format, Mapping) or response_format.get("type") != "json_schema":
        return False
    # Only text and json_object exist, and json_object needs the word json in the prompt (guides/json_mode).
    body["response_format"] = {"type": "json_object"}
    instruction = {"role": "system", "content": schema_instruction(response_format.get("json_schema") or {})}
    body["messages"] = [instruction, *(body.get("messages") or [])]
    _warn(
        "json_schema",
        "response_format json_schema is not supported by DeepSeek; deepseek_openai sent "
        "json_object with the schema in a system message (the reply is not enforced server-side).",
    )
    return True


def _fill_reasoning(body: dict[str, Any], memory: ReasoningMemory, fallback: MissingReasoning) -> bool:
    messages = body.get("messages")
    if not body.get("tools") or not isinstance(messages, list) or not thinks(body):
        return False
    filled, unknown = list(messages), []
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping) or message.get("role") != "assistant" or message.get("prefix"):
            continue
        if message.get("reasoning_content") is None:
            reasoning = recall_message(memory, message)
            if reasoning is None:
                unknown.append(index)
            else:
                filled[index] = {**message, "reasoning_content": reasoning}
    if unknown and fallback == "disable_thinking":
        # The passback rule holds in thinking mode only (guides/thinking_mode); "" is disputed (deepseek-api §18).
        body["thinking"] = {"type": "disabled"}
        body.pop("reasoning_effort", None)
        _warn(
            "reasoning_memory",
            f"the reasoning of messages{unknown} is unknown to this client; deepseek_openai "
            "sent this request with thinking off (missing_reasoning='disable_thinking').",
        )
        return True
    if unknown:
        where = ", ".join(f"messages[{i}]" for i in unknown)
        raise InvalidRequestError(
            f"{where}: assistant turn without reasoning_content, and this client did not receive that reply "
            "(history from storage or another process?). With tools and thinking on, DeepSeek refuses it (400).",
            fix="send each assistant turn with its reasoning_content (assistant_turn(reply) keeps it), send this "
            "request with **thinking(False), or create the client with missing_reasoning='disable_thinking'.",
            rule="passback",
        )
    if filled == messages:
        return False
    body["messages"] = filled
    return True


def rewrite_body(body: dict[str, Any], endpoint: str, options: Options, memory: ReasoningMemory) -> bool:
    """Rewrite a parsed request body in place for DeepSeek; return whether anything changed."""
    explicit = _explicitly_thinking(body)
    legacy_mode: LegacyMode = options.legacy_models if options.compat or options.legacy_models == "error" else "pass"
    changed = legacy(body, endpoint, legacy_mode)
    if endpoint != "chat" or not options.compat:
        return changed
    changed = _renamed(body) | changed
    changed = _forced_choice(body, explicit) | changed
    changed = _fill_reasoning(body, memory, options.missing_reasoning) | changed
    changed = _json_schema(body) | changed
    sent = [k for k in _SAMPLING if body.get(k) is not None]
    if sent and thinks(body):
        # DeepSeek accepts these in thinking mode and silently ignores them (guides/thinking_mode).
        warn_once(
            "sampling",
            f"{', '.join(sent)} has no effect while thinking is on (DeepSeek ignores it). "
            f"Fix: {RULES['ignored_sampling'].fix}",
            CompatWarning,
        )
    return changed
