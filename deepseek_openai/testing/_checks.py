"""DeepSeek's refusals, checked in the order a request meets them: auth, body shape (422), then request rules (400).

Every status and message comes from ``deepseek_openai._rules.RULES``; only the generic body-parsing texts of the
web framework (``Failed to parse/deserialize ...``) are spelled here, since they are not rules of their own.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from typing import Any

from .._json import mentions_json
from .._models import EFFORT_LEVELS, FIM_MAX_TOKENS, MAX_TOOLS, MODELS
from .._rules import RULES
from .._thinking import thinks
from ._api_error import ApiError
from ._vision import check_images

__all__ = ["check_auth", "check_chat", "check_fim", "effort_of", "parse_error", "thinking_on"]

# Compat aliases the service maps onto EFFORT_LEVELS instead of refusing them (guides/thinking_mode).
_EFFORT_ALIASES = {"minimal": "low", "medium": "high", "xhigh": "high", "ultra": "max"}
# latest_reminder is a role of its own since 2026-11-13 (API digest §18; DeepSeek's serde error lists it, §4).
_ROLES = ("system", "user", "assistant", "tool", "latest_reminder")
# Function names: at most 64 of [A-Za-z0-9_-] (guides/tool_calls); user_id: same alphabet, <= 512 bytes, and the
# empty string is a valid id of its own (quick_start/rate_limit).
_TOOL_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_USER_ID = re.compile(r"[A-Za-z0-9_-]*")
_DESERIALIZE = "Failed to deserialize the JSON body into the target type: "


def _refusal(rule_id: str) -> ApiError | None:
    # Like our client-side checks, the double refuses only what DeepSeek is known to refuse (RULES evidence).
    return ApiError.from_rule(rule_id) if RULES[rule_id].refuses else None


def parse_error(detail: str) -> ApiError:
    """Return the 400 DeepSeek's web layer answers to a body that is not JSON."""
    return ApiError(400, f"Failed to parse the request body as JSON: {detail}")


def _shape(detail: str) -> ApiError:
    # Type errors in the body are rejected by deserialisation, before any rule runs: 422 (quick_start/error_codes).
    return ApiError(422, _DESERIALIZE + detail)


def check_auth(authorization: str | None, api_key: str) -> ApiError | None:
    """Return the 401 for a missing or wrong ``Authorization: Bearer`` header, else ``None``."""
    scheme, _, sent = (authorization or "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), api_key.encode()):
        return None
    sent = sent.strip()
    # DeepSeek shows only the last four characters, as ****abcd (quick_start/error_codes, observed wording).
    shown = "****" + (sent[-4:] if len(sent) >= 8 else "")
    return ApiError.from_rule("auth", key=shown)


def effort_of(body: Mapping[str, Any]) -> str | None:
    """Return the request's ``reasoning_effort`` with compat aliases resolved, or ``None`` when absent."""
    value = body.get("reasoning_effort")
    return _EFFORT_ALIASES.get(value, value) if isinstance(value, str) else None


def thinking_on(body: Mapping[str, Any]) -> bool:
    """Return whether the request thinks: on by default, off with thinking disabled (the toggle wins) or effort none."""
    return thinks(body)  # the one rule the request hook and thinking_requested() share


def _check_common(body: Any, required: str) -> ApiError | None:
    if not isinstance(body, Mapping):
        return _shape("invalid type: expected a JSON object")
    for name in ("model", required):
        if name not in body:
            return _shape(f"missing field `{name}`")
    toggle = body.get("thinking")
    if toggle is not None and (not isinstance(toggle, Mapping) or toggle.get("type") not in ("enabled", "disabled")):
        kind = toggle.get("type") if isinstance(toggle, Mapping) else toggle
        return _shape(f"thinking.type: unknown variant `{kind}`, expected `enabled` or `disabled`")
    model = body.get("model")
    info = MODELS.get(model) if isinstance(model, str) else None
    if info is None:
        return ApiError.from_rule("unknown_model")
    if info.status == "retired":
        # deepseek-chat / deepseek-reasoner answer 400 since 2026-07-24 (news/v4-flash).
        return ApiError.from_rule("retired_model")
    return None


def _check_max_tokens(body: Mapping[str, Any], limit: int, rule_id: str) -> ApiError | None:
    value = body.get("max_tokens")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        return _shape(f"max_tokens: invalid type: {type(value).__name__}, expected u32")
    if value < 1:
        return ApiError.from_rule("max_tokens_range")
    if value > limit:
        return ApiError.from_rule(rule_id)
    return None


def _check_messages_shape(messages: Any) -> ApiError | None:
    if not isinstance(messages, list):
        return _shape("messages: invalid type, expected a sequence")
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping) or "role" not in message:
            return _shape(f"messages[{index}]: missing field `role`")
        role = message["role"]
        if role not in _ROLES:
            # `developer` is not a DeepSeek role; serde refuses the unknown variant (api/create-chat-completion).
            error = ApiError.from_rule("developer_role", index=index)
            if role == "developer":
                return error
            return ApiError(error.status, error.message.replace("`developer`", f"`{role}`"), error.type)
    return None


def _check_tool_messages(messages: list[Mapping[str, Any]]) -> ApiError | None:
    # A tool message must answer a tool_call id of the assistant turn right before it (guides/tool_calls).
    pending: set[Any] | None = None
    for message in messages:
        role = message.get("role")
        if role == "assistant":
            pending = {call.get("id") for call in message.get("tool_calls") or () if isinstance(call, Mapping)}
        elif role == "tool":
            if pending is None or message.get("tool_call_id") not in pending:
                return _refusal("tool_without_call")
        else:
            pending = None
    return None


def check_chat(body: Any, beta: bool) -> ApiError | None:
    """Return DeepSeek's refusal of a ``/chat/completions`` body, or ``None`` when the service would answer."""
    failure = _check_common(body, "messages")
    if failure is not None:
        return failure
    messages = body["messages"]
    failure = _check_messages_shape(messages) or check_images(messages, body["model"])
    if failure is not None:
        return failure
    effort = body.get("reasoning_effort")
    if effort is not None and effort_of(body) not in EFFORT_LEVELS:
        return ApiError.from_rule("reasoning_effort", value=effort)
    info = MODELS[body["model"]]
    failure = _check_max_tokens(body, info.max_output_tokens, "max_tokens_range")
    if failure is not None:
        return failure
    response_format = body.get("response_format")
    if isinstance(response_format, Mapping) and response_format.get("type") not in (None, "text", "json_object"):
        # Only text and json_object exist; chat.completions.parse(Model) sends json_schema (guides/json_mode).
        return ApiError.from_rule("json_schema")
    json_object = isinstance(response_format, Mapping) and response_format.get("type") == "json_object"
    if json_object and not any(mentions_json(m) for m in messages):
        # json_object needs the word "json" somewhere in the prompt (guides/json_mode; the 400 in issue 13).
        return ApiError.from_rule("json_word")
    tools = body.get("tools") or []
    if len(tools) > MAX_TOOLS:
        return ApiError.from_rule("too_many_tools")
    for spec in tools:
        name = (spec.get("function") or {}).get("name") if isinstance(spec, Mapping) else None
        if not isinstance(name, str) or not _TOOL_NAME.fullmatch(name):
            return ApiError.from_rule("tool_name", name=name)
    user_id = body.get("user_id")
    if user_id is not None and not isinstance(user_id, str):
        return _shape(f"user_id: invalid type: {type(user_id).__name__}, expected a string")
    if user_id is not None and len(user_id.encode()) > 512:
        return ApiError.from_rule("user_id")
    if user_id is not None and not _USER_ID.fullmatch(user_id) and RULES["user_id_chars"].refuses:
        return ApiError.from_rule("user_id_chars")
    thinking = thinking_on(body)
    choice = body.get("tool_choice")
    if thinking and (choice == "required" or isinstance(choice, Mapping)):
        # Thinking mode cannot be forced to call a tool (guides/thinking_mode: "Disable thinking mode first").
        return ApiError.from_rule("tool_choice_thinking")
    prefixed = [i for i, m in enumerate(messages) if m.get("prefix")]
    if prefixed and not beta and RULES["prefix_not_beta"].refuses:
        # Chat prefix completion exists only on the beta base (guides/chat_prefix_completion; 400 observed).
        return ApiError.from_rule("prefix_not_beta")
    misplaced = prefixed and (prefixed != [len(messages) - 1] or messages[-1].get("role") != "assistant")
    if misplaced and RULES["prefix_not_last"].refuses:
        return ApiError.from_rule("prefix_not_last")
    failure = _check_tool_messages(messages)
    if failure is not None:
        return failure
    if tools and thinking:
        # With tools, every earlier assistant turn must carry its reasoning_content (guides/thinking_mode).
        history = messages[:-1] if prefixed else messages
        if any(m.get("role") == "assistant" and m.get("reasoning_content") is None for m in history):
            return ApiError.from_rule("passback")
    return None


def check_fim(body: Any) -> ApiError | None:
    """Return DeepSeek's refusal of a ``/beta/completions`` (FIM) body, or ``None``."""
    failure = _check_common(body, "prompt")
    if failure is not None:
        return failure
    toggle = body.get("thinking")
    if isinstance(toggle, Mapping) and toggle.get("type") == "enabled" and RULES["fim_thinking"].refuses:
        # FIM is non-thinking only; no thinking field means non-thinking here (guides/fim_completion).
        return ApiError.from_rule("fim_thinking")
    # FIM completions are capped at 4K tokens (guides/fim_completion).
    return _check_max_tokens(body, FIM_MAX_TOKENS, "fim_max_tokens")
