"""What the request hook rewrites so OpenAI-style requests work on DeepSeek: the rows (``REWRITES``) and their code.

Every rewrite is a row: what changes, why (the DeepSeek rule), the docs page, and whether it warns; the functions
below apply the rows to a parsed request body. A field not in the table is sent as written; ``PASSED_AS_WRITTEN``
lists the OpenAI-only fields we looked at and left alone because nothing shows DeepSeek refuses them ("never refuse
what DeepSeek accepts").

The hook imports this module only for a body its gate says may need a rewrite: each row has its check in
``_gate.GATE`` (a new row needs one there; ``tests/compat/test_gate.py`` checks every row gets through).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

from .._errors import InvalidRequestError, LegacyModelError, ReasoningStoreError
from .._models import MODELS
from .._rules import DOCS, RULES
from .._thinking import thinks
from .._warnings import CompatWarning, LegacyModelWarning, warn_once
from ._gate import SAMPLING
from ._hook_options import HookOptions, LegacyMode, MissingReasoning
from ._memory import AMBIGUOUS_REASONING, Transcript, merged
from ._passback import Scope, StoreLookup, Turn, missing_turns, recall

__all__ = [
    "PASSED_AS_WRITTEN",
    "REWRITES",
    "Pending",
    "Rewrite",
    "legacy",
    "resume_body",
    "rewrite_body",
    "schema_instruction",
    "schema_of_instruction",
]

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
        "when the request has tools and thinks (unknown or ambiguous turns: error, or thinking off if chosen)",
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


def _ambiguous(body: dict[str, Any], turns: list[int], fallback: MissingReasoning) -> bool:
    # Two replies with one key and different reasoning: filling either could hand one user's reasoning to another.
    where = ", ".join(f"messages[{i}]" for i in turns)
    if fallback == "disable_thinking":
        return _send_without_thinking(
            body,
            "reasoning_memory",
            f"thinking turned off for ambiguous reasoning: {where} matches two replies that came with different "
            "reasoning, so deepseek_openai filled neither and sent this tools request with "
            '"thinking": {"type": "disabled"} (and no reasoning_effort), as missing_reasoning=\'disable_thinking\' '
            "asks.",
            'give each end user their own key with **user_id("...") (DeepSeek\'s end-user field), or send each '
            "assistant turn with its reasoning_content (assistant_turn(reply) keeps it); or "
            'warnings.filterwarnings("ignore", message="thinking turned off for ambiguous reasoning", '
            "category=deepseek_openai.CompatWarning).",
        )
    raise InvalidRequestError(
        f"{where}: assistant turn without reasoning_content, and two replies with the same conversation up to that "
        "turn came with different reasoning (two users with identical conversations on one account, or the same "
        "request answered twice), so the reasoning memory cannot tell which one this is and fills neither. With "
        "tools and thinking on, DeepSeek refuses the turn without it (400).",
        fix="pass **user_id(\"...\") (DeepSeek's end-user field, which keeps users' conversations apart) on every "
        "request of the conversation, send each assistant turn with its reasoning_content (assistant_turn(reply) "
        "keeps it), or create the client with missing_reasoning='disable_thinking'.",
        rule="passback",
    )


def _from_store(turns: list[Turn], scope: Scope, deferred: bool) -> tuple[Mapping[str, str], str | None]:
    """Read the turns' keys from the durable store (copied into the process memory); return them, or why it failed."""
    keys = [key for turn in turns for key in turn.store_keys()]
    if deferred:
        raise StoreLookup(keys)  # an async client reads the store in send(), never blocking the event loop
    try:
        read = scope.store.get(keys)
        scope.warm(read)
    except Exception as err:  # noqa: BLE001 - any failure of a store (ours or the user's) is reported as one
        from ._stores import store_error

        return {}, str(store_error(err))
    return read, None


def _recalled(turns: list[Turn], scope: Scope, deferred: bool) -> tuple[dict[int, str | None], str | None]:
    """Return what each turn came with (by its index), and why the store failed, if it did.

    With a durable store, the store is read first, for every turn: another process may have saved a second,
    different reply under a key (making it ambiguous) that this process's memory does not know of. A key that the
    store and the process memory both hold, with different values, is ambiguous too (``merged``); the process
    memory alone answers when the store fails, and for keys the store does not hold.
    """
    mine = {key: scope.memory.get(key) for turn in turns for key in (turn.key, *turn.call_keys)}
    if scope.store is None:
        return {turn.at: recall(mine.__getitem__, turn) for turn in turns}, None
    read, failed = _from_store(turns, scope, deferred)

    def either(key: bytes) -> str | None:
        here, there = mine[key], read.get(key.hex())
        return there if here is None else here if there is None else merged(here, there)

    return {turn.at: recall(either, turn) for turn in turns}, failed


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
    found, store_failed = _recalled(turns, scope, deferred)
    ambiguous = [index for index, reasoning in found.items() if reasoning == AMBIGUOUS_REASONING]
    if ambiguous:
        return _ambiguous(body, ambiguous, fallback)
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


class Pending(NamedTuple):
    """A rewrite stopped at its store read (an async client reads the store in ``send``), to resume there."""

    body: dict[str, Any]
    turns: list[Turn]
    transcript: Transcript | None
    changed: bool
    explicit: bool
    missing_reasoning: MissingReasoning


def rewrite_body(
    body: dict[str, Any], endpoint: str, options: HookOptions, scope: Scope | None = None, deferred: bool = False
) -> tuple[bool, Transcript | None]:
    """Rewrite a parsed request body in place for DeepSeek; return whether anything changed, and its transcript.

    The transcript is the conversation as the caller wrote it (before any rewrite), for the reply's key.
    ``scope`` is where reasoning is remembered (``None``: the memory is not used); ``deferred``: when a durable
    store must be read, raise :class:`StoreLookup` carrying the rewrite so far (its ``pending``), which
    :func:`resume_body` finishes once the async hook has read the store in ``send``.
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
        try:
            changed = _fill_reasoning(body, turns, scope, options.missing_reasoning, explicit, deferred) | changed
        except StoreLookup as lookup:  # nothing of the body was changed by the fill yet
            lookup.pending = Pending(body, turns, transcript, changed, explicit, options.missing_reasoning)
            raise
    return _last_rows(body, changed), transcript


def resume_body(pending: Pending, scope: Scope) -> tuple[bool, Transcript | None]:
    """Finish a rewrite :func:`rewrite_body` stopped at its store read; ``scope.store`` holds what was read."""
    body = pending.body
    changed = _fill_reasoning(body, pending.turns, scope, pending.missing_reasoning, pending.explicit) | pending.changed
    return _last_rows(body, changed), pending.transcript


def _last_rows(body: dict[str, Any], changed: bool) -> bool:
    # The rows after the fill (which may turn thinking off), then the sampling warning; returns whether it changed.
    changed = _json_schema(body) | changed
    sent = [k for k in SAMPLING if body.get(k) is not None]
    if sent and thinks(body):
        # DeepSeek accepts these in thinking mode and silently ignores them (guides/thinking_mode).
        warn_once(
            f"sampling settings have no effect while thinking is on: DeepSeek ignores {', '.join(sent)}, sent "
            f"unchanged ({RULES['ignored_sampling'].docs}). To silence this: drop {' and '.join(sent)}, or turn "
            f"thinking off ({_THINKING_OFF}); or pass compat=False to create_client() / create_http_client() (every "
            f"request then goes as written){_silence('sampling settings')}.",
            CompatWarning,
        )
    return changed
