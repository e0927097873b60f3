"""``strict_tool``: a strict function tool whose schema stays inside DeepSeek's strict subset (beta)."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from ._errors import InvalidRequestError
from ._rules import RULES

__all__ = ["strict_tool"]

# DeepSeek's strict subset (guides/tool_calls, "strict mode"): allowed types and keywords per type.
_TYPES = {"object", "string", "number", "integer", "boolean", "array"}
_COMMON = {"type", "description", "enum", "anyOf", "$ref", "$defs"}
_BY_TYPE = {
    "object": {"properties", "required", "additionalProperties"},
    "string": {"pattern", "format"},
    "number": {"const", "default", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"},
    "array": {"items"},
    "boolean": set(),
}
_BY_TYPE["integer"] = _BY_TYPE["number"]
_FORMATS = {"email", "hostname", "ipv4", "ipv6", "uuid"}
# Function names: at most 64 characters of [A-Za-z0-9_-] (guides/tool_calls).
_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _where(path: str) -> str:
    return path or "(root)"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class _Walker:
    """Normalise one schema in place and collect every construct DeepSeek's strict mode refuses."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.problems: list[str] = []

    def bad(self, what: str, path: str) -> None:
        self.problems.append(f"{what} at {_where(path)}")

    def node(self, node: Any, path: str) -> None:
        if not isinstance(node, dict):
            self.bad(f"a schema must be an object, not {type(node).__name__}", path)
            return
        node.pop("title", None)  # an annotation only; pydantic adds one everywhere
        if len(node.get("allOf") or ()) == 1 and isinstance(node["allOf"][0], dict):
            node.update(node.pop("allOf")[0])  # pydantic wraps a described $ref in a one-item allOf
        types = node.get("type")
        type_list = types if isinstance(types, list) else [types] if types is not None else []
        numeric = bool(type_list) and all(t in ("number", "integer") for t in type_list)
        if "const" in node and not numeric:
            node["enum"] = [node.pop("const")]  # same meaning; DeepSeek allows const on numbers only
        if "default" in node and not numeric:
            del node["default"]  # every property is required in strict mode, so a default never applies
        if not type_list and not ({"enum", "anyOf", "$ref"} & node.keys()):
            self.bad("a schema without type, enum, anyOf or $ref", path)
        allowed = set(_COMMON)
        for kind in type_list:
            if kind in _TYPES:
                allowed |= _BY_TYPE[kind]
            else:
                self.bad(f"type {kind!r}", path)
        for key in node:
            if key not in allowed:
                self.bad(key, path)
        self.children(node, path, type_list)

    def children(self, node: dict[str, Any], path: str, types: list[Any]) -> None:
        if "format" in node and node["format"] not in _FORMATS:
            self.bad(f"format {node['format']!r}", path)
        for name, sub in (node.get("$defs") or {}).items():
            self.node(sub, _join(_join(path, "$defs"), name))
        for index, sub in enumerate(node.get("anyOf") or ()):
            self.node(sub, f"{_join(path, 'anyOf')}[{index}]")
        if "$ref" in node:
            self.ref(node["$ref"], path)
        if "items" in node:
            self.node(node["items"], _join(path, "items"))
        if "object" in types:
            properties = node.setdefault("properties", {})
            for name, sub in properties.items():
                self.node(sub, _join(_join(path, "properties"), name))
            node["required"] = list(properties)
            if node.get("additionalProperties", False) is not False:
                self.bad("additionalProperties other than false", path)
            node["additionalProperties"] = False

    def ref(self, ref: Any, path: str) -> None:
        if ref == "#":
            return  # recursion to the root
        name = ref[len("#/$defs/") :] if isinstance(ref, str) and ref.startswith("#/$defs/") else None
        if name is None or name not in (self.root.get("$defs") or {}):
            self.bad(f"$ref {ref!r} (only #/$defs/<name> of this schema)", path)


def _schema_of(parameters: Any) -> dict[str, Any]:
    if isinstance(parameters, type) and hasattr(parameters, "model_json_schema"):
        schema: Any = parameters.model_json_schema()
    elif isinstance(parameters, type) and hasattr(parameters, "schema"):
        schema = parameters.schema()  # a pydantic v1 model
    elif isinstance(parameters, Mapping):
        schema = copy.deepcopy(dict(parameters))
    else:
        raise InvalidRequestError(
            f"strict_tool() got parameters of type {type(parameters).__name__}.",
            fix="pass a JSON-schema dict or a pydantic model class.",
        )
    if "definitions" in schema:  # the older spelling; DeepSeek documents $defs
        schema["$defs"] = schema.pop("definitions")
        _rename_refs(schema)
    return dict(schema)


def _rename_refs(node: Any) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            node["$ref"] = "#/$defs/" + ref[len("#/definitions/") :]
        for value in node.values():
            _rename_refs(value)
    elif isinstance(node, list):
        for value in node:
            _rename_refs(value)


def strict_tool(name: str, parameters: Any, *, description: str | None = None) -> dict[str, Any]:
    """Return a strict function tool for DeepSeek, its schema checked against the strict subset.

    Every object gets ``additionalProperties: false`` and all its properties in ``required``, recursively
    (``properties``, ``items``, ``anyOf``, ``$defs``). Titles are dropped, a ``const`` on a non-number becomes a
    one-value ``enum``, and defaults other than on numbers are dropped (with every property required they never
    apply). Strict tools work only on the beta base (``create_client(beta=True)``), and then every tool in the
    request must be strict.

    Args:
        name: the function name: at most 64 characters of letters, digits, ``_`` and ``-``.
        parameters: a JSON-schema dict (not modified) or a pydantic model class (``model_json_schema()``; its
            docstring becomes the description unless one is given).
        description: what the function does, for the model.

    Returns:
        ``{"type": "function", "function": {"name", "description"?, "parameters", "strict": True}}``.

    Raises:
        InvalidRequestError: a bad name (rule ``tool_name``) or schema constructs DeepSeek's strict mode refuses
            (rule ``strict_schema``); the message names each keyword and its path, e.g. ``minLength at
            properties.name``.
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidRequestError(
            RULES["tool_name"].message.format(name=name) + ".", fix=RULES["tool_name"].fix, rule="tool_name"
        )
    schema = _schema_of(parameters)
    if description is None and not isinstance(parameters, Mapping):
        description = schema.pop("description", None)
    walker = _Walker(schema)
    walker.node(schema, "")
    if schema.get("type") != "object":
        walker.bad("a top-level type other than object", "")
    if walker.problems:
        detail = "not in DeepSeek's strict subset: " + "; ".join(walker.problems) + "."
        raise InvalidRequestError(
            RULES["strict_schema"].message.format(name=name, detail=detail),
            fix=RULES["strict_schema"].fix,
            rule="strict_schema",
        )
    function: dict[str, Any] = {"name": name}
    if description is not None:
        function["description"] = description
    function.update(parameters=schema, strict=True)
    return {"type": "function", "function": function}
