"""DeepSeek's error answers in the double: :class:`ApiError` and the defaults of a status scripted alone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from .._rules import RULES

__all__ = ["ApiError", "error_for_status"]

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
