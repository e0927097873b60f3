"""The rewrites of ``_compat.REWRITES``, applied to a parsed request body by the request hook."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._errors import InvalidRequestError, LegacyModelError, ReasoningStoreError
from .._models import MODELS
from .._rules import RULES
from .._thinking import thinks
from .._warnings import CompatWarning, LegacyModelWarning, warn_once
from ._memory import Transcript
from ._passback import Scope, StoreLookup, Turn, missing_turns, recall
from ._rewrites import REWRITES, LegacyMode, MissingReasoning, Options, schema_instruction
from ._store_config import store_error

__all__ = ["legacy", "rewrite_body"]

_SAMPLING = ("temperature", "presence_penalty", "frequency_penalty")


_THINKING_OFF = 'extra_body={"thinking": {"type": "disabled"}}'


def _silence(prefix: str) -> str:
    # The filter line a warning names: its message starts with `prefix` (a regex matched there; no specials).
    # Python-only alternatives follow "; or " (the CLI leaves them out: cli/_wording.py).
    return f'; or warnings.filterwarnings("ignore", message="{prefix}", category=deepseek_openai.CompatWarning)'


def _warn(rewrite_id: str, message: str, fix: str) -> None:
    # Shown to framework users too, who cannot edit the call: `fix` says how to silence it; `message`, what was sent.
    docs = REWRITES[rewrite_id].docs
    warn_once(f"{message} ({docs}) To silence this: {fix}", CompatWarning)


def legacy(body: dict[str, Any], endpoint: str, mode: LegacyMode) -> bool:
    """Translate (or refuse) a retired model id in place; return whether the body changed."""
    model = body.get("model")
    info = MODELS.get(model) if isinstance(model, str) else None
    if info is None or info.status != "retired" or mode == "pass":
        return False
    if "thinking" in body or "reasoning_effort" in body or (endpoint == "responses" and body.get("reasoning")):
        how = " (your thinking settings are kept)"
    elif endpoint == "responses":
        how = "" if info.legacy_thinking else ' with reasoning={"effort": "none"}'
    else:
        off = ' with extra_body={"thinking": {"type": "disabled"}}'
        how = " (thinking is on by default)" if info.legacy_thinking else off
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
        f"model {model!r} was retired by DeepSeek on 2026-07-24; deepseek_openai sent it as "
        f"{info.served_by!r}{sent}. To silence this: {fix}; or, where the model name is not yours to change, "
        'warnings.filterwarnings("ignore", category=deepseek_openai.LegacyModelWarning).',
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
        "tool_choice forces a tool call, which DeepSeek cannot do while thinking, so deepseek_openai sent this "
        'request with "thinking": {"type": "disabled"} added.',
        f"send thinking off yourself with a forced tool_choice ({_THINKING_OFF})"
        f"{_silence('tool_choice forces a tool call')}.",
    )
    return True


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
        "response_format json_schema is not supported by DeepSeek, so deepseek_openai sent response_format "
        '{"type": "json_object"} and your schema in a new first system message; DeepSeek does not enforce the '
        "schema, so validate the reply (the SDK's parse() and structured-output helpers do).",
        "where you make the call, use json_completion(client, messages, schema=Model), which asks for json_object "
        f"itself, validates and retries{_silence('response_format json_schema')}.",
    )
    return True


def _without_thinking(body: dict[str, Any], bare: list[int], explicit: bool) -> bool:
    where = ", ".join(f"messages[{i}]" for i in bare)
    if explicit:
        raise InvalidRequestError(
            f"{where}: this account received that turn with thinking off, so it has no reasoning_content, and this "
            "request has tools and turns thinking on: DeepSeek wants every earlier turn's reasoning back (400).",
            fix="send this request with **thinking(False), or keep thinking on from the first turn (avoid a forced "
            "tool_choice, which needs thinking off).",
            rule="passback",
        )
    return _send_without_thinking(
        body,
        "turn_without_reasoning",
        f"thinking turned off for this tools request: {where} came back with thinking off (no reasoning to pass "
        'back), so deepseek_openai sent it with "thinking": {"type": "disabled"} (and no reasoning_effort).',
        'keep the tool loop in one mode (send it with extra_body={"thinking": {"type": "disabled"}}, or avoid a '
        'forced tool_choice while thinking); or warnings.filterwarnings("ignore", message="thinking turned off for '
        'this tools request", category=deepseek_openai.CompatWarning).',
    )


def _send_without_thinking(body: dict[str, Any], rewrite_id: str, message: str, fix: str) -> bool:
    # The passback rule binds in thinking mode only (guides/thinking_mode); "" is disputed (deepseek-api §18).
    body["thinking"] = {"type": "disabled"}
    body.pop("reasoning_effort", None)
    _warn(rewrite_id, message, fix)
    return True


def _from_store(turns: list[Turn], scope: Scope, deferred: bool) -> str | None:
    """Read the turns' keys from the durable store into the process memory; return why it failed, if it did."""
    keys = [key for turn in turns for key in turn.store_keys()]
    if deferred:
        raise StoreLookup(keys)  # an async client reads the store in send(), never blocking the event loop
    try:
        scope.warm(scope.store.get(keys))
    except Exception as err:  # noqa: BLE001 - any failure of a store (ours or the user's) is reported as one
        return str(store_error(err))
    return None


def _fill_reasoning(
    body: dict[str, Any],
    turns: list[Turn],
    scope: Scope,
    fallback: MissingReasoning,
    explicit: bool = False,
    deferred: bool = False,
) -> bool:
    messages = body.get("messages")
    if not turns or not body.get("tools") or not isinstance(messages, list) or not thinks(body):
        return False
    found = {turn.at: recall(scope.memory, turn) for turn in turns}
    store_failed = None
    if scope.store is not None and None in found.values():
        store_failed = _from_store([t for t in turns if found[t.at] is None], scope, deferred)
        found = {turn.at: found[turn.at] or recall(scope.memory, turn) for turn in turns}
    unknown = [index for index, reasoning in found.items() if reasoning is None]
    bare = [index for index, reasoning in found.items() if reasoning == ""]
    if bare and not unknown:
        return _without_thinking(body, bare, explicit)
    if unknown and store_failed is not None and fallback == "error":
        raise ReasoningStoreError(
            f"{store_failed} The reasoning of messages{unknown} could not be looked up, so this request was not sent.",
            fix="start the store (or check DEEPSEEK_REASONING_STORE / reasoning_store=), or create the client with "
            "missing_reasoning='disable_thinking' to send such requests with thinking off.",
            rule="passback",
        )
    if unknown and fallback == "disable_thinking":
        return _send_without_thinking(
            body,
            "reasoning_memory",
            f"thinking turned off for unknown reasoning: the reasoning of messages{unknown} is unknown to this "
            f"account's reasoning memory{' (its store failed)' if store_failed else ''}, so deepseek_openai sent "
            'this tools request with "thinking": {"type": "disabled"} (and no reasoning_effort), as '
            "missing_reasoning='disable_thinking' asks.",
            "send each assistant turn with its reasoning_content (assistant_turn(reply) keeps it), or use a "
            "reasoning_store shared by your processes; or "
            'warnings.filterwarnings("ignore", message="thinking turned off for unknown reasoning", '
            "category=deepseek_openai.CompatWarning).",
        )
    if unknown:
        where = ", ".join(f"messages[{i}]" for i in unknown)
        raise InvalidRequestError(
            f"{where}: assistant turn without reasoning_content, and no reply with that conversation up to that turn "
            "was received by this account in this process or its reasoning store (history from a database, another "
            "process or machine, or edited?). With tools and thinking on, DeepSeek refuses it (400).",
            fix="send each assistant turn with its reasoning_content (assistant_turn(reply) keeps it), share the "
            "memory between processes with reasoning_store='sqlite:///...' or 'redis://...' "
            "(DEEPSEEK_REASONING_STORE), send this request with **thinking(False), or create the client with "
            "missing_reasoning='disable_thinking'.",
            rule="passback",
        )
    body["messages"] = [
        {**message, "reasoning_content": found[index]} if index in found else message
        for index, message in enumerate(messages)
    ]
    return True


def rewrite_body(
    body: dict[str, Any], endpoint: str, options: Options, scope: Scope | None = None, deferred: bool = False
) -> tuple[bool, Transcript | None]:
    """Rewrite a parsed request body in place for DeepSeek; return whether anything changed, and its transcript.

    The transcript is the conversation as the caller wrote it (before any rewrite), for the reply's key.
    ``scope`` is where reasoning is remembered (``None``: the memory is not used); ``deferred``: raise
    :class:`StoreLookup` instead of reading a durable store here (the async hook reads it in ``send``).
    """
    explicit = _explicitly_thinking(body)
    legacy_mode: LegacyMode = options.legacy_models if options.compat or options.legacy_models == "error" else "pass"
    changed = legacy(body, endpoint, legacy_mode)
    if endpoint != "chat" or not options.compat:
        return changed, None
    turns, transcript = missing_turns(body, scope.account) if scope is not None else ([], None)
    changed = _renamed(body) | changed
    changed = _forced_choice(body, explicit) | changed
    if scope is not None:
        changed = _fill_reasoning(body, turns, scope, options.missing_reasoning, explicit, deferred) | changed
    changed = _json_schema(body) | changed
    sent = [k for k in _SAMPLING if body.get(k) is not None]
    if sent and thinks(body):
        # DeepSeek accepts these in thinking mode and silently ignores them (guides/thinking_mode).
        warn_once(
            f"sampling settings have no effect while thinking is on: DeepSeek ignores {', '.join(sent)}, sent "
            f"unchanged ({RULES['ignored_sampling'].docs}). To silence this: drop {' and '.join(sent)}, or turn "
            f"thinking off ({_THINKING_OFF}); or pass compat=False to create_client() / create_http_client() (every "
            f"request then goes as written){_silence('sampling settings')}.",
            CompatWarning,
        )
    return changed, transcript
