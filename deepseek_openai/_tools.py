"""``run_tools`` / ``arun_tools``: the tool-call loop with Python functions, reasoning passback kept.

The pure core (:class:`_Run`) builds each request and turns each completion into the next step; the sync and
async functions only call the model and the Python functions.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ._errors import DeepSeekError, InvalidRequestError
from ._fields import field, first_choice
from ._messages import assistant_turn, check_messages
from ._models import DEEPSEEK_FLASH
from ._strict import strict_tool
from ._thinking import thinking_requested

__all__ = ["ToolRoundsExceededError", "ToolRunResult", "arun_tools", "run_tools", "strict_tool"]


@dataclass(frozen=True)
class ToolRunResult:
    """How a tool-call loop ended."""

    completion: Any
    """The last ``ChatCompletion``: the one without tool calls (or the last one, on the error's ``.result``)."""
    content: str
    """Its answer text (``""`` when none)."""
    messages: list[Any]
    """The whole history: your messages, then each assistant turn and tool message, ending with the answer's turn.
    Append a user message and send it again to continue the conversation."""
    rounds: int
    """How many times the model was called."""


class ToolRoundsExceededError(DeepSeekError):
    """The model still asked for tools after ``max_rounds`` calls; ``.result`` holds the history so far."""

    def __init__(self, message: str, *, result: ToolRunResult, fix: str = "") -> None:
        self.result = result
        super().__init__(message, fix=fix)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self.fix, self.result))


def _rebuild(cls: type[ToolRoundsExceededError], message: str, fix: str, result: ToolRunResult) -> DeepSeekError:
    return cls(message, result=result, fix=fix)


@dataclass(frozen=True)
class _Call:
    """One tool call of the model, resolved against the functions: ``error`` is set when it cannot run."""

    id: str
    function: Callable[..., Any] | None
    arguments: dict[str, Any]
    error: str | None


def _functions(functions: Mapping[str, Callable[..., Any]] | Iterable[Callable[..., Any]]) -> dict[str, Any]:
    if isinstance(functions, Mapping):
        named = dict(functions)
    elif isinstance(functions, Iterable) and not isinstance(functions, str):
        named = {getattr(function, "__name__", repr(function)): function for function in functions}
    else:
        named = {"": functions}  # one function (or something else) instead of a list: refused just below
    bad = next((name for name, function in named.items() if not callable(function) or not name), None)
    if bad is not None:
        raise InvalidRequestError(
            f"functions must be a list of functions or a dict of them by tool name; got {type(functions).__name__}"
            + (f" with {bad!r} not callable." if bad else "."),
            fix="pass functions=[get_weather, ...] (named like their tools) or {'get_weather': get_weather}.",
        )
    return named


def _error_text(exc: BaseException) -> str:
    return f"Error: {type(exc).__name__}: {exc}"


def _output_text(output: Any) -> str:
    if isinstance(output, str):
        return output
    try:
        return json.dumps(output, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(output)


class _Run:
    """The loop's state and every decision in it; no I/O."""

    def __init__(
        self,
        client: Any,
        messages: Iterable[Any],
        tools: Iterable[Any],
        functions: Mapping[str, Callable[..., Any]] | Iterable[Callable[..., Any]],
        max_rounds: int,
        model: str,
        kwargs: dict[str, Any],
    ) -> None:
        if kwargs.get("stream"):
            raise InvalidRequestError("run_tools() does not stream.", fix="leave stream out.")
        if isinstance(max_rounds, bool) or not isinstance(max_rounds, int) or max_rounds < 1:
            raise InvalidRequestError(
                f"max_rounds={max_rounds!r} is not a count of 1 or more.", fix="pass max_rounds=1 or more."
            )
        self.history: list[Any] = list(messages)
        self.tools = list(tools)
        self.functions = _functions(functions)
        self.max_rounds = max_rounds
        self.request = {"model": model, "tools": self.tools, **kwargs}
        self.rounds = 0
        self.completion: Any = None
        check_messages(
            self.history,
            tools=self.tools,
            thinking=thinking_requested(kwargs),
            tool_choice=kwargs.get("tool_choice"),
            beta=str(client.base_url).rstrip("/").endswith("/beta"),
        )

    def next_request(self) -> dict[str, Any]:
        """Return the keywords of the next ``create`` call."""
        self.rounds += 1
        return {**self.request, "messages": list(self.history)}

    def take(self, completion: Any) -> list[_Call]:
        """Record the model's turn (reasoning kept) and return the calls it asks for; none means done."""
        self.completion = completion
        turn = assistant_turn(completion)
        self.history.append(turn)
        return [self._resolve(call) for call in turn.get("tool_calls", ())]

    def _resolve(self, call: dict[str, Any]) -> _Call:
        name, raw = call["function"]["name"], call["function"]["arguments"] or "{}"
        function = self.functions.get(name)
        if function is None:
            known = ", ".join(sorted(self.functions)) or "none"
            return _Call(call["id"], None, {}, f"Error: there is no function {name!r}; available: {known}.")
        try:
            arguments = json.loads(raw)
        except ValueError as exc:
            # DeepSeek's arguments are model output and may not be JSON (guides/tool_calls); the model can retry.
            return _Call(call["id"], None, {}, f"Error: the arguments are not valid JSON ({exc}): {raw}")
        if not isinstance(arguments, dict):
            return _Call(call["id"], None, {}, f"Error: the arguments must be a JSON object, got: {raw}")
        return _Call(call["id"], function, arguments, None)

    def answer(self, call: _Call, output: Any) -> None:
        """Append the tool message for one call."""
        self.history.append({"role": "tool", "tool_call_id": call.id, "content": _output_text(output)})

    def result(self) -> ToolRunResult:
        """Return the loop's outcome so far."""
        message = field(first_choice(self.completion), "message")
        return ToolRunResult(self.completion, field(message, "content") or "", list(self.history), self.rounds)

    def exceeded(self) -> ToolRoundsExceededError:
        """Return the error for a loop that used up its rounds."""
        return ToolRoundsExceededError(
            f"The model still asked for tools after {self.rounds} round(s).",
            result=self.result(),
            fix="raise max_rounds, or continue with run_tools(client, err.result.messages, ...); "
            "the history on .result is complete (every call has its tool message).",
        )


def _call_sync(call: _Call) -> Any:
    if call.function is None:
        return call.error
    try:
        output = call.function(**call.arguments)
    except Exception as exc:  # noqa: BLE001 - a failing tool is reported to the model, which can recover
        return _error_text(exc)
    if inspect.isawaitable(output):
        close = getattr(output, "close", None)
        if callable(close):
            close()  # never awaited: close it so Python does not warn
        return f"Error: {getattr(call.function, '__name__', 'the function')} is async; use arun_tools()."
    return output


async def _call_async(call: _Call) -> Any:
    if call.function is None:
        return call.error
    try:
        output = call.function(**call.arguments)
        if inspect.isawaitable(output):
            output = await output
    except Exception as exc:  # noqa: BLE001 - a failing tool is reported to the model, which can recover
        return _error_text(exc)
    return output


def run_tools(
    client: Any,
    messages: Iterable[Any],
    tools: Iterable[Any],
    functions: Mapping[str, Callable[..., Any]] | Iterable[Callable[..., Any]],
    *,
    model: str = DEEPSEEK_FLASH,
    max_rounds: int = 8,
    **create_kwargs: Any,
) -> ToolRunResult:
    """Call the model, run the functions it asks for, send their results back, until it answers.

    Each assistant turn goes into the history with :func:`assistant_turn`, so DeepSeek's ``reasoning_content``
    passback rule (thinking mode with tools) is kept. A call to an unknown function, arguments that are not a
    JSON object, or a function that raises is not an exception here: the model gets ``"Error: ..."`` as that
    tool's result and can try again. Results that are not strings are sent as JSON.

    Args:
        client: an ``openai.OpenAI`` (``create_client()``; ``beta=True`` for :func:`strict_tool` tools).
        messages: the conversation so far (dicts or SDK messages); not modified.
        tools: the ``tools`` to send.
        functions: the Python functions, by tool name, or a list of functions named like their tools; each is
            called with the call's arguments as keywords.
        model: the model id.
        max_rounds: most model calls before giving up.
        **create_kwargs: passed to every ``chat.completions.create`` (``**thinking(...)``, ``max_tokens``, ...).

    Returns:
        A :class:`ToolRunResult`: final completion and content, the whole history, and the round count.

    Raises:
        InvalidRequestError: :func:`check_messages` refuses the request, ``stream`` was asked for, or
            ``max_rounds`` is below 1.
        ToolRoundsExceededError: the model still called tools in round ``max_rounds``; ``.result`` has the history.
    """
    run = _Run(client, messages, tools, functions, max_rounds, model, create_kwargs)
    while run.rounds < max_rounds:
        calls = run.take(client.chat.completions.create(**run.next_request()))
        if not calls:
            return run.result()
        for call in calls:
            run.answer(call, _call_sync(call))
    raise run.exceeded()


async def arun_tools(
    client: Any,
    messages: Iterable[Any],
    tools: Iterable[Any],
    functions: Mapping[str, Callable[..., Any]] | Iterable[Callable[..., Any]],
    *,
    model: str = DEEPSEEK_FLASH,
    max_rounds: int = 8,
    **create_kwargs: Any,
) -> ToolRunResult:
    """Async twin of :func:`run_tools` for an ``openai.AsyncOpenAI``; functions may be plain or ``async def``.

    Calls of one round run one after another, in the model's order. Args, return value and errors are those of
    :func:`run_tools`.
    """
    run = _Run(client, messages, tools, functions, max_rounds, model, create_kwargs)
    while run.rounds < max_rounds:
        calls = run.take(await client.chat.completions.create(**run.next_request()))
        if not calls:
            return run.result()
        for call in calls:
            run.answer(call, await _call_async(call))
    raise run.exceeded()
