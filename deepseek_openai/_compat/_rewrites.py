"""What the request hook rewrites so OpenAI-style requests work on DeepSeek, as data (``REWRITES``).

Every rewrite is a row: what changes, why (the DeepSeek rule), the docs page, and whether it warns. A field not
in the table is sent as written; ``PASSED_AS_WRITTEN`` lists the OpenAI-only fields we looked at and left alone
because nothing shows DeepSeek refuses them ("never refuse what DeepSeek accepts"). The rewrites themselves are
in ``_rewrite.py``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .._rules import DOCS
from ._options import LegacyMode as LegacyMode
from ._options import MissingReasoning as MissingReasoning
from ._options import Options as Options

__all__ = ["PASSED_AS_WRITTEN", "REWRITES", "Options", "Rewrite", "schema_instruction", "schema_of_instruction"]

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
    Rewrite(
        "turn_without_reasoning",
        "/chat/completions",
        "a request with tools that thinks, sending back a turn this client received with thinking off (so it has "
        'no reasoning, e.g. after a forced `tool_choice`) → `thinking: {"type": "disabled"}` (refused before '
        "sending when the request itself turns thinking on)",
        "the passback rule binds only in thinking mode; whether DeepSeek accepts an empty reasoning is disputed",
        f"{DOCS}/guides/thinking_mode",
        True,
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
