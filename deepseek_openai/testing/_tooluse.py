"""The default reply to chat requests with tools: call a function like a model would, then answer with its results.

Call: when a request carries ``tools``, ``tool_choice`` is not ``"none"`` and the last message is the user's, the
default reply calls the first function (or the one a named ``tool_choice`` names) once. Its arguments fill every
``required`` property of the function's JSON schema with a placeholder by type: string → the last user text (or
``"example"``), number and integer → ``1``, boolean → ``true``, array → ``[]``, object → ``{}``; an ``enum`` gives
its first value, a ``const`` its value, ``anyOf``/``oneOf`` their first non-null branch, and ``$ref`` is followed.

Answer: when the last message is a tool result, the default answer quotes the results of that round.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ._script import ToolCall

__all__ = ["default_call", "text_of", "tool_results"]

_EXAMPLE = "example"
_BY_TYPE: dict[str, Any] = {"number": 1, "integer": 1, "boolean": True, "null": None}
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


def _placeholder(schema: Any, said: str, root: Mapping[str, Any], depth: int = 0) -> Any:
    if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
        return said or _EXAMPLE
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        return _placeholder(_resolve(ref, root), said, root, depth + 1)
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    if "const" in schema:
        return schema["const"]
    for key in ("anyOf", "oneOf", "allOf"):
        options = [o for o in schema.get(key) or () if isinstance(o, Mapping) and o.get("type") != "null"]
        if options:
            return _placeholder(options[0], said, root, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):  # e.g. ["string", "null"]: the first non-null type
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "array":
        return []
    if kind == "object":
        return {}
    return _BY_TYPE.get(kind, said or _EXAMPLE) if isinstance(kind, str) else said or _EXAMPLE


def _arguments(function: Mapping[str, Any], said: str) -> dict[str, Any]:
    parameters = function.get("parameters")
    if not isinstance(parameters, Mapping):
        return {}  # omitted parameters mean a function without arguments (guides/tool_calls)
    properties = parameters.get("properties")
    properties = properties if isinstance(properties, Mapping) else {}
    required = [name for name in parameters.get("required") or () if isinstance(name, str)]
    return {name: _placeholder(properties.get(name), said, parameters) for name in required}


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
