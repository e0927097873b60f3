"""A schema-valid example value for a JSON schema: what the double answers in JSON mode when the prompt carries one.

The request hook turns ``response_format: json_schema`` into ``json_object`` plus a system message holding the
schema (``deepseek_openai._compat._rewrites.schema_instruction``); a model that follows it answers with a matching
object, so the double does too, and ``chat.completions.parse(response_format=Model)`` round-trips against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["example_of"]

_SCALARS: dict[str, Any] = {"string": "example", "integer": 1, "number": 1.5, "boolean": True, "null": None}


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = schema.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return schema
    node: Any = root
    for part in ref[2:].split("/"):
        node = node.get(part, {}) if isinstance(node, Mapping) else {}
    return node if isinstance(node, Mapping) else {}


def example_of(schema: Any, root: Any = None, depth: int = 0) -> Any:
    """Return a value that validates against ``schema`` (objects, arrays, enums, const, anyOf, ``$ref``/``$defs``)."""
    root = schema if root is None else root
    if not isinstance(schema, Mapping) or depth > 12:
        return None
    schema = _resolve(schema, root)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            # Prefer a non-null branch near the top, so Optional fields carry a value; deeper, stop recursive models.
            typed = [o for o in options if not (isinstance(o, Mapping) and o.get("type") == "null")]
            if typed and (depth < 3 or len(typed) == len(options)):
                return example_of(typed[0], root, depth + 1)
            return None
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        return {name: example_of(sub, root, depth + 1) for name, sub in properties.items()}
    if kind == "array":
        count = max(int(schema.get("minItems", 1)), 1)
        return [example_of(schema.get("items") or {}, root, depth + 1) for _ in range(count)]
    if kind == "string" and schema.get("format") in ("date-time", "date"):
        return "2026-12-02T00:00:00Z" if schema["format"] == "date-time" else "2026-12-02"
    return _SCALARS.get(kind, "example") if isinstance(kind, str) else {}
