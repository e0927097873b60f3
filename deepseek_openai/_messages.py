"""Chat history helpers: the assistant turn to send back, DeepSeek's message rules, and chat prefix completion."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._errors import InvalidRequestError
from ._fields import field, first_choice
from ._models import DEEPSEEK_FLASH, MAX_TOOLS
from ._rules import RULES
from ._thinking import reasoning_of, thinking_requested

__all__ = [
    "acomplete_prefix",
    "assistant_turn",
    "check_messages",
    "complete_prefix",
    "prefix_message",
]


def _apply(rule_id: str, message: str) -> None:
    # Refuses only what DeepSeek is known to refuse (RULES evidence); warns about the rest and goes on.
    RULES[rule_id].enforce(message)


def _tool_call_dict(call: Any) -> dict[str, Any]:
    function = field(call, "function")
    return {
        "id": field(call, "id"),
        "type": "function",
        "function": {"name": field(function, "name"), "arguments": field(function, "arguments")},
    }


def assistant_turn(x: Any) -> dict[str, Any]:
    """Return the assistant message to append to the history, ``reasoning_content`` kept for DeepSeek.

    With ``tools`` in a request and thinking on, DeepSeek refuses (400) a history whose assistant turns lack
    their ``reasoning_content``; this keeps it whenever the reply had one, ``""`` included.

    Args:
        x: a ``ChatCompletion`` (choice 0), a ``ChatCompletionMessage``, a :class:`StreamResult`, or the dict
            form of a completion or message.

    Returns:
        ``{"role": "assistant", "content": ..., "reasoning_content"?: ..., "tool_calls"?: [...]}`` with tool calls
        in message form, present only when there are any.

    Raises:
        InvalidRequestError: ``x`` is a completion without choice 0, or not a completion or message at all (a
            string, a number).
    """
    if hasattr(x, "reasoning_seen"):  # a StreamResult
        message: Any = {"content": x.content, "reasoning_content": reasoning_of(x), "tool_calls": x.tool_calls}
    elif field(x, "choices") is not None:
        message = field(first_choice(x), "message")
        if message is None:
            raise InvalidRequestError("The completion has no choice 0 with a message.", fix="pass a chat completion.")
    else:
        message = x
    if isinstance(message, (str, bytes)) or not (isinstance(message, Mapping) or hasattr(message, "content")):
        # A bare text (reply...message.content) would become an empty turn, and the text would be lost.
        raise InvalidRequestError(
            f"assistant_turn() takes a completion or message, not {type(x).__name__}.",
            fix="pass the reply itself (assistant_turn(reply)); for text you wrote, append "
            "{'role': 'assistant', 'content': text}.",
        )
    turn: dict[str, Any] = {"role": "assistant", "content": field(message, "content")}
    reasoning = reasoning_of(message) if not hasattr(x, "reasoning_seen") else message["reasoning_content"]
    if reasoning is not None:
        turn["reasoning_content"] = reasoning
    calls = [_tool_call_dict(call) for call in field(message, "tool_calls") or ()]
    if calls:
        turn["tool_calls"] = calls
    return turn


def prefix_message(content: str, *, reasoning: str | None = None) -> dict[str, Any]:
    """Return the last message of a chat prefix completion: the model continues from ``content``.

    Args:
        content: the start of the answer, e.g. a code fence opening ``"```python"`` plus a newline.
        reasoning: in thinking mode, the start of the chain of thought to continue from.

    Returns:
        ``{"role": "assistant", "content": content, "prefix": True, "reasoning_content"?: reasoning}``.
    """
    message: dict[str, Any] = {"role": "assistant", "content": content, "prefix": True}
    if reasoning is not None:
        message["reasoning_content"] = reasoning
    return message


def _is_strict(tool: Any) -> bool:
    return bool(field(field(tool, "function"), "strict"))


def _check_tools(tools: list[Any], thinking: bool, tool_choice: Any, beta: bool) -> None:
    if len(tools) > MAX_TOOLS:
        _apply("too_many_tools", f"{len(tools)} tools were given; DeepSeek takes at most {MAX_TOOLS}.")
    strict = [_is_strict(tool) for tool in tools]
    if any(strict) and (not beta or not all(strict)):
        # The main base answered 200 to strict tools (§18 of the API digest): warn, as strict is enforced on beta only.
        where = "some tools lack strict: true" if beta else "this client is not on the beta base URL"
        _apply("strict_not_beta", f"Strict function calling: {where}, so DeepSeek may not enforce the schemas.")
    # Thinking mode cannot be forced to call a tool (guides/thinking_mode: "Disable thinking mode first").
    if thinking and (tool_choice == "required" or isinstance(tool_choice, Mapping)):
        _apply("tool_choice_thinking", f"tool_choice={tool_choice!r} is refused while thinking is on.")


def check_messages(
    messages: Iterable[Any],
    *,
    tools: Iterable[Any] | None = None,
    thinking: bool = True,
    tool_choice: Any = None,
    beta: bool = False,
) -> None:
    """Raise before the network when DeepSeek would refuse this chat request; warn where it only might.

    Checks, in DeepSeek's order: roles (``developer`` is not one), tool count, strict tools on the beta base,
    ``tool_choice`` while thinking, prefix completion, tool messages answering an earlier call, and — with tools
    and thinking on — the ``reasoning_content`` passback on every earlier assistant turn (``""`` counts as sent).
    Only rules DeepSeek is known to refuse raise (``RULES[id].refuses``, from each row's ``evidence``); the others
    (strict tools off the beta base, a prefix message that is not last) warn with a ``UserWarning`` and the request
    is left as it is.

    Args:
        messages: the history, as dicts or SDK message objects.
        tools: the request's ``tools``, if any.
        thinking: whether the request thinks (DeepSeek's default is on).
        tool_choice: the request's ``tool_choice``, if any.
        beta: whether the client uses the beta base URL (``create_client(beta=True)``).

    Raises:
        InvalidRequestError: with ``.rule`` the id in :data:`RULES` and ``.fix`` saying what to change; also when
            ``messages`` or ``tools`` is not a list of messages / tools.
    """
    history = _listed(messages, "messages", "a list of message dicts or SDK messages")
    tool_list = _listed(tools or (), "tools", "a list of tool dicts")
    for index, message in enumerate(history):
        if field(message, "role") == "developer":
            _apply("developer_role", f"messages[{index}] has role 'developer', which DeepSeek does not know.")
    _check_tools(tool_list, thinking, tool_choice, beta)
    prefixed = [i for i, m in enumerate(history) if field(m, "prefix")]
    if prefixed and not beta:
        _apply("prefix_not_beta", f"messages[{prefixed[0]}] has prefix: true, but the client is not beta.")
    if prefixed and (prefixed != [len(history) - 1] or field(history[-1], "role") != "assistant"):
        _apply("prefix_not_last", f"messages[{prefixed[0]}] has prefix: true but is not the last assistant turn.")
    _check_tool_messages(history)
    if tool_list and thinking:
        # With tools, every earlier assistant turn must carry its reasoning_content (guides/thinking_mode).
        for index, message in enumerate(history[:-1] if prefixed else history):
            if field(message, "role") == "assistant" and reasoning_of(message) is None:
                _apply(
                    "passback", f"messages[{index}] (assistant) has no reasoning_content; {RULES['passback'].message}"
                )


def _listed(items: Any, name: str, what: str) -> list[Any]:
    # A string or a single dict iterates into characters or keys: say what was meant instead of checking those.
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Iterable):
        raise InvalidRequestError(
            f"{name} must be {what}, not {type(items).__name__}.", fix=f"pass {name}=[...], one item per element."
        )
    return list(items)


def _check_tool_messages(history: list[Any]) -> None:
    # A tool message must answer a tool_call id of the assistant turn right before it (guides/tool_calls).
    pending: set[Any] | None = None
    for index, message in enumerate(history):
        role = field(message, "role")
        if role == "assistant":
            pending = {field(call, "id") for call in field(message, "tool_calls") or ()}
        elif role == "tool":
            call_id = field(message, "tool_call_id")
            if pending is None or call_id not in pending:
                _apply(
                    "tool_without_call",
                    f"messages[{index}] (tool) answers tool_call_id={call_id!r}, which no assistant turn "
                    "right before it called.",
                )
                return  # one report per history is enough (when the rule only warns)
        else:
            pending = None


def _prefix_request(
    client: Any, messages: Iterable[Any], prefix: str | Mapping[str, Any], stop: Any, kwargs: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    if not str(client.base_url).rstrip("/").endswith("/beta"):
        where = f"this client uses {client.base_url}"
        _apply("prefix_not_beta", f"Prefix completion needs the beta base URL; {where}.")
    if kwargs.get("stream"):
        raise InvalidRequestError("complete_prefix() does not stream.", fix="leave stream out.")
    if not isinstance(prefix, (str, Mapping)):
        raise InvalidRequestError(
            f"prefix must be a string or a prefix_message(...), not {type(prefix).__name__}.",
            fix="pass the start of the answer as a string, e.g. '```python\\n'.",
        )
    last = prefix_message(prefix) if isinstance(prefix, str) else {**prefix, "prefix": True}
    history = [*messages, last]
    check_messages(
        history,
        tools=kwargs.get("tools"),
        thinking=thinking_requested(kwargs),
        tool_choice=kwargs.get("tool_choice"),
        beta=True,  # the base URL was checked above
    )
    if stop is not None:
        kwargs["stop"] = stop
    return str(last.get("content") or ""), {"messages": history, **kwargs}


def complete_prefix(
    client: Any,
    messages: Iterable[Any],
    prefix: str | Mapping[str, Any],
    *,
    model: str = DEEPSEEK_FLASH,
    stop: str | list[str] | None = None,
    **create_kwargs: Any,
) -> str:
    """Have the model continue an answer that starts with ``prefix`` (DeepSeek chat prefix completion, beta).

    Args:
        client: an ``openai.OpenAI`` on the beta base: ``create_client(beta=True)``.
        messages: the history before the answer (dicts or SDK messages); not modified.
        prefix: the start of the answer, or a :func:`prefix_message` (to seed ``reasoning_content`` too).
        model: the model id.
        stop: where to stop, e.g. ``"```"`` after a ``"```python"`` prefix.
        **create_kwargs: passed to ``chat.completions.create`` (``max_tokens``, ``**thinking(False)``, ...).

    Returns:
        The whole answer: ``prefix`` followed by the model's continuation (DeepSeek returns only the latter).

    Raises:
        InvalidRequestError: the client is not on the beta base, ``stream`` was asked for, the prefix is not text,
            or :func:`check_messages` refuses the request.
    """
    start, request = _prefix_request(client, messages, prefix, stop, create_kwargs)
    completion = client.chat.completions.create(model=model, **request)
    return start + (field(field(first_choice(completion), "message"), "content") or "")


async def acomplete_prefix(
    client: Any,
    messages: Iterable[Any],
    prefix: str | Mapping[str, Any],
    *,
    model: str = DEEPSEEK_FLASH,
    stop: str | list[str] | None = None,
    **create_kwargs: Any,
) -> str:
    """Async twin of :func:`complete_prefix`, for an ``openai.AsyncOpenAI`` from ``create_async_client(beta=True)``."""
    start, request = _prefix_request(client, messages, prefix, stop, create_kwargs)
    completion = await client.chat.completions.create(model=model, **request)
    return start + (field(field(first_choice(completion), "message"), "content") or "")
