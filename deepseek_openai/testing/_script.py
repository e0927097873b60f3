"""Scripted behaviour: a FIFO of exact replies and errors that chat and FIM requests consume in order."""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal

from .._rules import RULES

__all__ = ["ApiError", "Fault", "Reply", "Script", "ScriptedError", "ToolCall", "error_for_status"]

UsageLayout = Literal["final_chunk", "separate_chunk"]

# Which rule supplies the default message and type when a test scripts an error by status only.
_RULE_BY_STATUS = {401: "auth", 402: "balance", 429: "rate_limit", 500: "server_error", 503: "overloaded"}


@dataclass(frozen=True)
class ApiError:
    """An error reply: status, DeepSeek's body fields and extra response headers."""

    status: int
    message: str
    type: str = "invalid_request_error"
    code: str | None = "invalid_request_error"
    headers: Mapping[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        """Return DeepSeek's error body (api-docs quick_start/error_codes; shape observed, not documented)."""
        return {"error": {"message": self.message, "type": self.type, "param": None, "code": self.code}}

    @classmethod
    def from_rule(cls, rule_id: str, **fields: object) -> ApiError:
        """Build the error DeepSeek answers for a rule of ``RULES``, filling ``{...}`` fields of its message."""
        rule = RULES[rule_id]
        if rule.status is None:
            raise ValueError(f"rule {rule_id!r} has no HTTP status: DeepSeek accepts such requests")
        return cls(rule.status, rule.message.format(**fields) if fields else rule.message, rule.error_type)


def error_for_status(status: int, message: str | None, error_type: str | None, code: str | None) -> ApiError:
    """Return a scripted error; message and type default to the ``RULES`` row for that status, else the reason."""
    rule = RULES.get(_RULE_BY_STATUS.get(status, ""))
    default_message = rule.message.replace("{key}", "****") if rule else HTTPStatus(status).phrase
    default_type = rule.error_type if rule else ("server_error" if status >= 500 else "invalid_request_error")
    return ApiError(
        status,
        default_message if message is None else message,
        default_type if error_type is None else error_type,
        code if code is not None else (None if status >= 500 else "invalid_request_error"),
    )


@dataclass(frozen=True)
class ToolCall:
    """One scripted tool call; ``arguments`` is already a JSON string (or any text: DeepSeek's may be invalid)."""

    name: str
    arguments: str
    id: str | None = None

    @classmethod
    def coerce(cls, raw: Mapping[str, Any]) -> ToolCall:
        """Accept ``{"name", "arguments" (str or dict), "id"?}``; a dict of arguments is JSON-encoded."""
        args = raw.get("arguments", "{}")
        if not isinstance(args, str):
            args = json.dumps(args, ensure_ascii=False)
        return cls(str(raw["name"]), args, raw.get("id"))


@dataclass(frozen=True)
class Reply:
    """One scripted chat or FIM reply; ``None`` fields fall back to the deterministic defaults."""

    content: str | None = None
    reasoning: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str | None = None
    usage: Mapping[str, Any] | None = None
    delay: float = 0.0
    keepalive: int = 0
    cut_after: int | None = None
    usage_layout: UsageLayout = "final_chunk"
    json_blank: bool = False
    hold_after: int | None = None

    def __post_init__(self) -> None:
        if self.usage_layout not in ("final_chunk", "separate_chunk"):
            raise ValueError(f"usage_layout must be 'final_chunk' or 'separate_chunk', got {self.usage_layout!r}")
        counts = (self.delay, self.keepalive, self.cut_after or 0, self.hold_after or 0)
        if any(n < 0 for n in counts):
            raise ValueError("delay, keepalive, cut_after and hold_after must not be negative")
        if self.cut_after is not None and self.hold_after is not None:
            raise ValueError("give cut_after (drop the connection) or hold_after (stall it), not both")


@dataclass(frozen=True)
class Fault:
    """A fault below HTTP errors (``_faults.FaultKind``): a reset, a hang, a body that is not JSON or is cut."""

    kind: str
    status: int = 200
    """The status of an ``html`` page."""


@dataclass(frozen=True)
class ScriptedError:
    """One scripted error answer, or a fault."""

    error: ApiError | Fault


class Script:
    """Thread-safe FIFO of scripted items; errors are served before validation, replies only to valid requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: deque[Reply | ScriptedError] = deque()

    def push(self, items: Sequence[Reply | ScriptedError]) -> None:
        """Append items at the end of the queue."""
        with self._lock:
            self._items.extend(items)

    def take_error(self) -> ApiError | Fault | None:
        """Pop and return the head of the queue if it is an error or a fault."""
        with self._lock:
            head = self._items[0] if self._items else None
            if isinstance(head, ScriptedError):
                self._items.popleft()
                return head.error
        return None

    def take_reply(self) -> Reply | None:
        """Pop and return the head of the queue if it is a reply."""
        with self._lock:
            head = self._items[0] if self._items else None
            if isinstance(head, Reply):
                self._items.popleft()
                return head
        return None

    def clear(self) -> None:
        """Forget every queued item."""
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
