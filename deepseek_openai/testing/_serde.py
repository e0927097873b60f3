"""A body that is not JSON, described the way DeepSeek's server (Rust, serde_json) describes it.

DeepSeek answers 400 ``Failed to parse the request body as JSON: <serde_json error>``, and serde_json ends every
error with ``at line L column C``: ``C`` counts bytes on the line, up to and including the offending byte, or up to
the end of the body when the body ended too early (so an empty body is ``line 1 column 0``).
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["parse_body"]

_EOF_IN = {"[": "EOF while parsing a list", "{": "EOF while parsing an object", "": "EOF while parsing a value"}
_CLOSER = {"[": "]", "{": "}"}


def _container(text: str, end: int) -> str:
    """Return the innermost open bracket before ``end`` (``""`` at top level), skipping strings."""
    stack: list[str] = []
    in_string = escaped = False
    for ch in text[:end]:
        if in_string:
            escaped, in_string = (False, True) if escaped else (ch == "\\", ch != '"')
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            stack.append(ch)
        elif ch in "]}" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def _serde_text(text: str, msg: str, at: int) -> tuple[str, int]:
    """Map Python's decoder message at char ``at`` to serde_json's wording and the char index it points at."""
    eof = at >= len(text.rstrip(" \t\r\n")) and not msg.startswith(("Invalid", "Extra"))
    before = text[:at].rstrip(" \t\r\n")[-1:]
    inside = _container(text, at)
    if msg.startswith("Unterminated string") or (eof and msg.startswith("Invalid control")):
        return "EOF while parsing a string", len(text)
    if eof:
        # serde: right after "[" or "{" the container is unfinished; after "," or ":" a value is missing.
        if (msg.startswith("Expecting value") and before != "[") or before == ",":
            return _EOF_IN[""], len(text)
        return _EOF_IN[inside], len(text)
    if text[at] == _CLOSER.get(inside) and before == ",":
        return "trailing comma", at  # Python < 3.13 says "Expecting value" / "Expecting property name" here
    if msg.startswith("Illegal trailing comma"):
        return "trailing comma", len(text) - len(text[at + 1 :].lstrip(" \t\r\n"))
    for python, serde in (
        ("Expecting value", "expected value"),
        ("Extra data", "trailing characters"),
        ("Expecting property name", "key must be a string"),
        ("Expecting ':'", "expected `:`"),
        ("Invalid control", "control character (\\u0000-\\u001F) found while parsing a string"),
    ):
        if msg.startswith(python):
            return serde, at
    if msg.startswith("Expecting ','"):
        return f"expected `,` or `{_CLOSER.get(inside, ']')}`", at
    return "invalid escape", min(at + 1, len(text) - 1)  # serde points at the letter after the backslash


def _position(text: str, index: int) -> tuple[int, int]:
    # serde_json counts bytes: the column of the byte at `index` (1-based), or of the last byte at the end.
    head = text[: min(index + 1, len(text))].encode("utf-8", "surrogateescape")
    line_start = head.rfind(b"\n") + 1
    return head.count(b"\n", 0, line_start) + 1, len(head) - line_start


def parse_body(raw: bytes) -> tuple[Any, str]:
    """Return ``(parsed body, "")``, or ``(None, serde-style error text)`` when ``raw`` is not one JSON value."""
    text = raw.decode("utf-8", "surrogateescape")
    try:
        return json.loads(text), ""
    except json.JSONDecodeError as exc:
        message, index = _serde_text(text, exc.msg, exc.pos)
    line, column = _position(text, index)
    return None, f"{message} at line {line} column {column}"
