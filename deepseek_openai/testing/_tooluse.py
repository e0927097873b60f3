"""The default reply to chat requests with tools: call a function like a model would, then answer with its results.

Call: when a request carries ``tools``, ``tool_choice`` is not ``"none"`` and the last message is the user's, the
default reply calls the first function (or the one a named ``tool_choice`` names) once. Its arguments fill every
``required`` property of the function's JSON schema with a plausible value, as a model would pick one: ``const``,
the first ``enum`` value, ``default`` or the first of ``examples`` when given; a number inside ``minimum``/``maximum``
(their middle; ``1`` when unbounded) on ``multipleOf``; ``true``; an array of one item; an object of its required
properties; a string by ``format`` (email, date, uuid, ...) or by property name (``city``/``location`` → a
capitalised place the user named, else ``"Paris"``; ``query``/``q`` → the user's first words; ``date``, ``email``,
``url``, ``language``, ``unit`` ...), else ``"example"``. ``anyOf``/``oneOf`` take their first non-null branch and
``$ref`` is followed.

Answer: when the last message is a tool result, the default answer quotes the results of that round.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ._script import ToolCall

__all__ = ["default_call", "text_of", "tool_results"]

_EXAMPLE = "example"
_BY_TYPE: dict[str, Any] = {"boolean": True, "null": None}
_MAX_DEPTH = 16  # a recursive $ref must not loop forever


def text_of(content: Any) -> str:
    """Return the text of a message ``content``: a string, or the text parts of a list (other parts as ``[type]``)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(p.get("text", "")) if p.get("type") == "text" else f"[{p.get('type')}]"
            for p in content
            if isinstance(p, Mapping)
        )
    return ""


def _resolve(ref: str, root: Mapping[str, Any]) -> Any:
    target: Any = root
    for part in ref.removeprefix("#/").split("/"):
        target = target.get(part) if isinstance(target, Mapping) else None
    return target


# Plausible strings by property name (lower-cased, "_"/"-" removed), then by JSON-schema ``format``.
_BY_NAME: dict[str, str] = {
    **dict.fromkeys(("city", "location", "place", "town", "destination", "origin", "address"), "Paris"),
    **dict.fromkeys(("country", "region"), "France"),
    **dict.fromkeys(("date", "day", "startdate", "enddate"), "2026-01-15"),
    **dict.fromkeys(("time", "datetime", "timestamp"), "2026-01-15T09:30:00Z"),
    **dict.fromkeys(("email", "mail"), "user@example.com"),
    **dict.fromkeys(("url", "uri", "link", "website"), "https://example.com/"),
    **dict.fromkeys(("lang", "language", "locale"), "en"),
    **dict.fromkeys(("name", "username", "person"), "Ada"),
    "currency": "USD",
    "timezone": "Asia/Shanghai",
    "unit": "celsius",
    "id": "1",
}
_BY_FORMAT = {
    "email": "user@example.com",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "uuid": "123e4567-e89b-12d3-a456-426614174000",
    "date": "2026-01-15",
    "date-time": "2026-01-15T09:30:00Z",
    "uri": "https://example.com/",
}
_QUERY_NAMES = ("query", "q", "search", "question", "prompt", "text", "topic", "keywords", "expression")
_CAPITALISED = re.compile(r"(?<=[\s,])([A-Z][\w'-]*(?: [A-Z][\w'-]*)*)")


def _string(name: str, schema: Mapping[str, Any], said: str) -> str:
    key = name.lower().replace("_", "").replace("-", "")
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in _BY_FORMAT:
        return _BY_FORMAT[fmt]
    if key in _QUERY_NAMES or key.endswith("query"):
        return " ".join(said.split()[:12]).rstrip("?.!") or _EXAMPLE  # a short query made of the user's words
    if key in _BY_NAME:
        if _BY_NAME[key] == "Paris":  # a place the user named (a capitalised word past the first) beats the default
            named = _CAPITALISED.findall(" " + said.split(" ", 1)[-1] if " " in said else "")
            return named[-1] if named else "Paris"
        return _BY_NAME[key]
    return _EXAMPLE


def _number(schema: Mapping[str, Any], integer: bool) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    low = low if isinstance(low, (int, float)) and not isinstance(low, bool) else None
    high = high if isinstance(high, (int, float)) and not isinstance(high, bool) else None
    if low is not None and high is not None:
        value: float = (low + high) / 2
    elif low is not None:
        value = low + (1 if "exclusiveMinimum" in schema and "minimum" not in schema else 0)
    elif high is not None:
        value = min(1, high - (1 if "exclusiveMaximum" in schema and "maximum" not in schema else 0))
    else:
        value = 1
    step = schema.get("multipleOf")
    if isinstance(step, (int, float)) and not isinstance(step, bool) and step > 0:
        value = max(1, round(value / step)) * step
    return int(value) if integer else value


def _placeholder(schema: Any, said: str, root: Mapping[str, Any], name: str = "", depth: int = 0) -> Any:
    if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
        return _EXAMPLE
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        return _placeholder(_resolve(ref, root), said, root, name, depth + 1)
    if "const" in schema:
        return schema["const"]
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    if "default" in schema:
        return schema["default"]
    examples = schema.get("examples")
    if isinstance(examples, list) and examples:
        return examples[0]
    for key in ("anyOf", "oneOf", "allOf"):
        options = [o for o in schema.get(key) or () if isinstance(o, Mapping) and o.get("type") != "null"]
        if options:
            return _placeholder(options[0], said, root, name, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):  # e.g. ["string", "null"]: the first non-null type
        kind = next((k for k in kind if k != "null"), "null")
    if kind in ("number", "integer"):
        return _number(schema, kind == "integer")
    if kind == "array":
        items = schema.get("items")
        return [_placeholder(items, said, root, name.rstrip("s"), depth + 1)] if isinstance(items, Mapping) else []
    if kind == "object":
        return _object(schema, said, root, depth + 1)
    if kind in _BY_TYPE:
        return _BY_TYPE[kind]
    return _string(name, schema, said)


def _object(schema: Mapping[str, Any], said: str, root: Mapping[str, Any], depth: int) -> dict[str, Any]:
    properties = schema.get("properties")
    properties = properties if isinstance(properties, Mapping) else {}
    required = [name for name in schema.get("required") or () if isinstance(name, str)]
    return {name: _placeholder(properties.get(name), said, root, name, depth) for name in required}


def _arguments(function: Mapping[str, Any], said: str) -> dict[str, Any]:
    parameters = function.get("parameters")
    if not isinstance(parameters, Mapping):
        return {}  # omitted parameters mean a function without arguments (guides/tool_calls)
    return _object(parameters, said, parameters, 0)


def default_call(body: Mapping[str, Any], said: str) -> ToolCall | None:
    """Return the call the default reply makes (see the module docstring), or ``None`` when it answers instead."""
    functions = [
        spec["function"]
        for spec in body.get("tools") or ()
        if isinstance(spec, Mapping) and isinstance(spec.get("function"), Mapping)
    ]
    choice = body.get("tool_choice")
    messages = body["messages"]
    if not functions or choice == "none" or not messages or messages[-1].get("role") != "user":
        return None
    function = functions[0]
    if isinstance(choice, Mapping):
        named = (choice.get("function") or {}).get("name")
        function = next((f for f in functions if f.get("name") == named), function)
    return ToolCall(str(function.get("name")), json.dumps(_arguments(function, said), ensure_ascii=False))


def tool_results(messages: Sequence[Mapping[str, Any]]) -> list[str]:
    """Return the contents of the tool messages that end ``messages`` (the last round's results), in order."""
    results: list[str] = []
    for message in reversed(messages):
        if message.get("role") != "tool":
            break
        results.append(text_of(message.get("content")))
    return results[::-1]
