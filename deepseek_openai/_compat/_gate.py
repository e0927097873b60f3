"""The hook's gate: which request bodies may need a rewrite or a warning, decided without loading the rewrites.

Most requests need nothing; for them the hook must cost next to nothing and send the body as written. The gate
answers "maybe" or "no" from cheap checks, one per row of ``REWRITES`` (``GATE``, by row id: the row's byte
needles, or a small byte test where no needle alone decides, and the same check over fields), over the serialised
bytes openai 2.x/3.x hand httpx (:func:`may_need`) or the dict openai 1.x hands it (:func:`fields_may_need`).
"Maybe" loads ``_rewrites`` and applies the rows; "no" must be right: a body a row would rewrite (or warn about)
never gets "no". A new ``REWRITES`` row needs its entry here; ``tests/compat/test_gate.py`` sends a body that
triggers each row through the installed SDK, and checks both gates against the rows over many bodies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["GATE", "SAMPLING", "endpoint_of", "fields_may_need", "may_need"]


def endpoint_of(url: object) -> str | None:
    """Return which DeepSeek endpoint a request URL is (``"chat"``, ``"fim"``, ``"responses"``), or ``None``."""
    path = str(url).split("?", 1)[0]
    if path.endswith("/chat/completions"):
        return "chat"
    if path.endswith("/completions"):
        return "fim"
    return "responses" if path.endswith("/responses") else None


class Check:
    """How the gate spots the bodies one row may apply to: over JSON bytes, and over the parsed fields.

    Over bytes: any of ``needles`` present, or ``in_bytes`` (for a row no needle alone can decide) says so. A plain
    class with slots: a module every client imports stays cheap to load (a ``NamedTuple`` costs ten times more).
    """

    __slots__ = ("endpoints", "in_bytes", "in_fields", "needles")

    def __init__(
        self,
        endpoints: tuple[str, ...],
        needles: tuple[bytes, ...],
        in_bytes: Callable[[bytes], bool] | None,
        in_fields: Callable[[Mapping[str, Any]], bool],
    ) -> None:
        self.endpoints, self.needles, self.in_bytes, self.in_fields = endpoints, needles, in_bytes, in_fields


_RETIRED = ("deepseek-chat", "deepseek-reasoner")  # status "retired" in _models.MODELS (a test keeps them equal)
SAMPLING = ("temperature", "presence_penalty", "frequency_penalty")
"""The sampling fields DeepSeek accepts in thinking mode and ignores (the ``ignored_sampling`` warning)."""


def _messages(body: Mapping[str, Any]) -> list[Any]:
    messages = body.get("messages")
    return messages if isinstance(messages, list) else []


def _forces_a_tool(content: bytes) -> bool:
    # Any "tool_choice" key whose value is not "auto", "none" or null (spacing allowed, as JSON does).
    at = content.find(b'"tool_choice"')
    while at >= 0:
        value = content[at + 13 : at + 40].lstrip(b" \t\r\n")
        value = value[1:].lstrip(b" \t\r\n") if value.startswith(b":") else b"?"
        if not value.startswith((b'"auto"', b'"none"', b"null")):
            return True
        at = content.find(b'"tool_choice"', at + 13)
    return False


def _forced_in_fields(body: Mapping[str, Any]) -> bool:
    return body.get("tool_choice") not in (None, "auto", "none")


def _may_lack_reasoning(content: bytes) -> bool:
    # With tools and thinking not switched off, an assistant turn without a reasoning string may need one. Thinking
    # counts as off only for the compact toggle the SDK writes; anything else (an effort of "none", spacing) is left
    # to the rewrite, which applies the whole rule (_thinking.thinks). A string "assistant" counts as a turn and
    # only a compact reasoning string as its reasoning, so spacing errs towards "maybe".
    return (
        b'"tools"' in content
        and b'"thinking":{"type":"disabled"}' not in content
        and content.count(b'"assistant"') > content.count(b'"reasoning_content":"')
    )


def _lacks_in_fields(body: Mapping[str, Any]) -> bool:
    if not body.get("tools") or body.get("thinking") == {"type": "disabled"}:
        return False
    return any(
        isinstance(m, Mapping) and m.get("role") == "assistant" and not isinstance(m.get("reasoning_content"), str)
        for m in _messages(body)
    )


def _developer_in_fields(body: Mapping[str, Any]) -> bool:
    return any(isinstance(m, Mapping) and m.get("role") == "developer" for m in _messages(body))


def _schema_in_fields(body: Mapping[str, Any]) -> bool:
    response_format = body.get("response_format")
    return isinstance(response_format, Mapping) and response_format.get("type") == "json_schema"


_LEGACY = Check(
    ("chat", "fim", "responses"),
    tuple(f'"{model}"'.encode() for model in _RETIRED),
    None,
    lambda body: body.get("model") in _RETIRED,
)
_TOOL_TURNS = Check(("chat",), (), _may_lack_reasoning, _lacks_in_fields)

GATE: Mapping[str, Check] = {
    "legacy_model": _LEGACY,
    "responses_legacy_model": _LEGACY,
    "developer_role": Check(("chat",), (b'"developer"',), None, _developer_in_fields),
    "max_completion_tokens": Check(
        ("chat",), (b'"max_completion_tokens"',), None, lambda body: "max_completion_tokens" in body
    ),
    "forced_tool_choice": Check(("chat",), (), _forces_a_tool, _forced_in_fields),
    "json_schema": Check(("chat",), (b'"json_schema"',), None, _schema_in_fields),
    "reasoning_memory": _TOOL_TURNS,
    "turn_without_reasoning": _TOOL_TURNS,
    # Not a rewrite: the warning of RULES["ignored_sampling"] (sampling settings sent while thinking).
    "ignored_sampling": Check(
        ("chat",),
        tuple(f'"{name}"'.encode() for name in SAMPLING),
        None,
        lambda body: any(body.get(name) is not None for name in SAMPLING),
    ),
}
"""Each ``REWRITES`` row's check (and the sampling warning's), by id; the gate says "maybe" when any applies."""


def _for(endpoint: str) -> tuple[tuple[bytes, ...], tuple[Callable[[bytes], bool], ...], tuple[Check, ...]]:
    # Per endpoint: every needle in one tuple (one pass over the body), the other byte checks, and the checks.
    checks = tuple({id(c): c for c in GATE.values() if endpoint in c.endpoints}.values())
    needles = tuple(dict.fromkeys(n for c in checks for n in c.needles))
    return needles, tuple(c.in_bytes for c in checks if c.in_bytes is not None), checks


_BY_ENDPOINT = {endpoint: _for(endpoint) for endpoint in ("chat", "fim", "responses")}


def may_need(content: bytes, endpoint: str) -> bool:
    """Return whether a JSON request body (bytes, as openai 2.x/3.x send it) may need a rewrite or a warning."""
    needles, tests, _ = _BY_ENDPOINT[endpoint]
    return any(needle in content for needle in needles) or any(test(content) for test in tests)


def fields_may_need(body: Mapping[str, Any], endpoint: str) -> bool:
    """Return whether a request body as a dict (openai 1.x) may need a rewrite or a warning."""
    return any(check.in_fields(body) for check in _BY_ENDPOINT[endpoint][2])
