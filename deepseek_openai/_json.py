"""JSON Output: ``json_completion`` / ``ajson_completion`` ask for JSON the way DeepSeek supports and check the reply.

DeepSeek offers ``response_format={"type": "json_object"}`` only (no ``json_schema``), needs the word "json" in the
prompt, and may answer with blank content; these helpers handle all three and validate with pydantic themselves.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

import openai

from ._errors import DeepSeekError, InvalidRequestError
from ._models import DEEPSEEK_FLASH, ModelName
from ._rules import RULES

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion
    from pydantic import BaseModel

__all__ = ["JSONOutputError", "ajson_completion", "json_completion"]

M = TypeVar("M", bound="BaseModel")
_BLANK = object()


class JSONOutputError(DeepSeekError):
    """DeepSeek's JSON reply was blank, cut off, not JSON, or did not match the schema.

    Attributes:
        content: the reply text as received (``""`` when there was none).
        completion: the whole ``ChatCompletion`` of the last attempt, or ``None``.
    """

    def __init__(
        self,
        message: str,
        *,
        fix: str = "",
        rule: str | None = None,
        content: str = "",
        completion: ChatCompletion | None = None,
    ) -> None:
        super().__init__(message, fix=fix, rule=rule)
        self.content = content
        self.completion = completion

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.message, self.fix, self.rule, self.content, self.completion))


def _rebuild(message: str, fix: str, rule: str | None, content: str, completion: Any) -> JSONOutputError:
    return JSONOutputError(message, fix=fix, rule=rule, content=content, completion=completion)


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def mentions_json(message: Any) -> bool:
    """Return whether a message (dict or SDK object) has the word "json" in its text."""
    # Any role counts: DeepSeek's 400 says "the prompt", and which roles it reads is not documented.
    content = _field(message, "content")
    parts = [content] if isinstance(content, str) else [_field(p, "text") for p in content or ()]
    return any(isinstance(p, str) and "json" in p.casefold() for p in parts)


def _check_format(value: Any) -> None:
    if value is None or (isinstance(value, Mapping) and value.get("type") == "json_object"):
        return
    kind = value.get("type") if isinstance(value, Mapping) else type(value).__name__
    rule = RULES["json_schema"]
    raise InvalidRequestError(
        f"response_format {kind!r} is not usable here: DeepSeek has no json_schema and json_completion always "
        "sends {'type': 'json_object'}.",
        fix="drop response_format and pass schema=YourModel to json_completion to validate the reply; " + rule.fix,
        rule=rule.id,
    )


def _is_model_class(schema: object) -> bool:
    import pydantic  # only when a schema is given: keeps `import deepseek_openai` cheap

    return isinstance(schema, type) and issubclass(schema, pydantic.BaseModel)


def _json_kwargs(
    messages: list[Any], schema: object, model: str, retries: int, create_kwargs: dict[str, Any]
) -> dict[str, Any]:
    if schema is not None and not _is_model_class(schema):
        raise TypeError(f"schema must be a pydantic model class or None, not {schema!r}")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be an int >= 0, got {retries!r}")
    if "stream" in create_kwargs:
        raise InvalidRequestError("json_completion does not stream.", fix="drop stream=; the reply is read whole.")
    extra = create_kwargs.get("extra_body")
    _check_format(create_kwargs.pop("response_format", None))
    if isinstance(extra, Mapping):
        _check_format(extra.get("response_format"))
    if not any(mentions_json(m) for m in messages):
        # JSON Output needs the word "json" in the prompt, or the model may emit only whitespace (guides/json_mode).
        raise InvalidRequestError(
            "No message mentions JSON, which DeepSeek's JSON Output requires (it answers 400 otherwise).",
            fix="put the word 'json' in a system or user message, with an example of the JSON you want.",
            rule="json_word",
        )
    return {"model": model, "messages": messages, "response_format": {"type": "json_object"}, **create_kwargs}


def _validate(schema: Any, data: Any, content: str, completion: ChatCompletion) -> Any:
    import pydantic

    validate = getattr(schema, "model_validate", None) or schema.parse_obj  # pydantic v2, else v1
    try:
        return validate(data)
    except pydantic.ValidationError as exc:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": str(exc)}
        where = ".".join(str(p) for p in first["loc"]) or "(root)"
        raise JSONOutputError(
            f"DeepSeek's JSON does not match {schema.__name__}: {len(errors)} error(s), first at {where}: "
            f"{first['msg']}.",
            fix="show the model an example of the exact JSON shape in the prompt; the text is on error.content.",
            content=content,
            completion=completion,
        ) from exc


def _read(completion: ChatCompletion, schema: object) -> Any:
    choice = completion.choices[0] if completion.choices else None
    content = (choice.message.content or "") if choice is not None else ""
    finish = choice.finish_reason if choice is not None else None
    blank = not content.strip()
    if finish == "length":
        what = "only whitespace up to max_tokens" if blank else "JSON cut off at max_tokens"
        raise JSONOutputError(
            f"DeepSeek returned {what} (finish_reason 'length').",
            fix="raise max_tokens (in thinking mode the reasoning counts toward it) or ask for less output"
            + (f"; {RULES['blank_json'].fix}" if blank else "."),
            rule="blank_json" if blank else None,
            content=content,
            completion=completion,
        )
    if blank:
        return _BLANK
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise JSONOutputError(
            f"DeepSeek's reply is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}, "
            f"finish_reason {finish!r}).",
            fix="show an example of the JSON you want in the prompt; the text is on error.content.",
            content=content,
            completion=completion,
        ) from exc
    return data if schema is None else _validate(schema, data, content, completion)


def _blank_error(completion: ChatCompletion, attempts: int) -> JSONOutputError:
    # DeepSeek replaces output it cannot recognise as JSON with spaces, finish_reason "stop" (guides/json_mode).
    content = completion.choices[0].message.content or "" if completion.choices else ""
    rule = RULES["blank_json"]
    return JSONOutputError(
        f"DeepSeek's JSON output came back blank {attempts} time(s) in a row.",
        fix=rule.fix,
        rule=rule.id,
        content=content,
        completion=completion,
    )


@overload
def json_completion(
    client: openai.OpenAI,
    messages: Iterable[Any],
    *,
    schema: type[M],
    model: ModelName | str = ...,
    retries: int = ...,
    **create_kwargs: Any,
) -> M: ...
@overload
def json_completion(
    client: openai.OpenAI,
    messages: Iterable[Any],
    *,
    schema: None = None,
    model: ModelName | str = ...,
    retries: int = ...,
    **create_kwargs: Any,
) -> Any: ...
def json_completion(
    client: openai.OpenAI,
    messages: Iterable[Any],
    *,
    schema: type[BaseModel] | None = None,
    model: ModelName | str = DEEPSEEK_FLASH,
    retries: int = 2,
    **create_kwargs: Any,
) -> Any:
    """Ask for a JSON reply with ``response_format={"type": "json_object"}`` and return it parsed.

    Blank replies (DeepSeek may send only whitespace) are retried up to ``retries`` times.

    Args:
        client: a client from :func:`create_client`.
        messages: the chat messages; a system or user message must mention "json" (show an example, too).
        schema: a pydantic model class to validate the reply into; ``None`` returns the parsed JSON as is.
        model: the model id.
        retries: extra attempts after a blank reply (default 2, so at most 3 requests).
        **create_kwargs: passed to ``client.chat.completions.create`` (``max_tokens``, ``extra_body``, ...).

    Returns:
        An instance of ``schema``, or the parsed Python object (dict, list, ...) when ``schema`` is ``None``.

    Raises:
        InvalidRequestError: no message mentions json, a ``json_schema`` (or other) ``response_format`` was
            given, or ``stream=``; all before anything is sent.
        JSONOutputError: the reply stayed blank, was cut off (``finish_reason`` ``length``: raise ``max_tokens``),
            was not JSON, or did not match ``schema``; ``.content`` and ``.completion`` keep what came back.
        openai.APIError: DeepSeek or the network failed; see :func:`explain`.
    """
    kwargs = _json_kwargs(list(messages), schema, model, retries, create_kwargs)
    for _ in range(retries + 1):
        completion = client.chat.completions.create(**kwargs)
        result = _read(completion, schema)
        if result is not _BLANK:
            return result
    raise _blank_error(completion, retries + 1)


@overload
async def ajson_completion(
    client: openai.AsyncOpenAI,
    messages: Iterable[Any],
    *,
    schema: type[M],
    model: ModelName | str = ...,
    retries: int = ...,
    **create_kwargs: Any,
) -> M: ...
@overload
async def ajson_completion(
    client: openai.AsyncOpenAI,
    messages: Iterable[Any],
    *,
    schema: None = None,
    model: ModelName | str = ...,
    retries: int = ...,
    **create_kwargs: Any,
) -> Any: ...
async def ajson_completion(
    client: openai.AsyncOpenAI,
    messages: Iterable[Any],
    *,
    schema: type[BaseModel] | None = None,
    model: ModelName | str = DEEPSEEK_FLASH,
    retries: int = 2,
    **create_kwargs: Any,
) -> Any:
    """Ask for a JSON reply and return it parsed; the async twin of :func:`json_completion` (same args and errors)."""
    kwargs = _json_kwargs(list(messages), schema, model, retries, create_kwargs)
    for _ in range(retries + 1):
        completion = await client.chat.completions.create(**kwargs)
        result = _read(completion, schema)
        if result is not _BLANK:
            return result
    raise _blank_error(completion, retries + 1)
