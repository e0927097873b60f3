"""``explain``: turn an SDK error, one of our errors or a finish reason into DeepSeek's cause and the fix.

Status errors are matched against the rows of ``RULES`` only (each row's ``message`` and older wordings in
``also``; its ``cause`` and ``fix`` are what is said): teaching ``explain`` a new refusal is adding a row there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import openai

from ._errors import DeepSeekError, redact
from ._fields import field, first_choice
from ._models import MODELS
from ._rules import DOCS, RULES, Rule
from ._stream import explain_finish

__all__ = ["explain"]

# DeepSeek's names for its statuses (quick_start/error_codes).
_TITLES: Mapping[int, str] = {
    400: "Invalid Format",
    401: "Authentication Fails",
    402: "Insufficient Balance",
    404: "Not Found",
    422: "Invalid Parameters",
    429: "Rate Limit Reached",
    500: "Server Error",
    503: "Server Overloaded",
}
_BY_STATUS: Mapping[int, str] = {401: "auth", 402: "balance", 429: "rate_limit", 500: "server_error", 503: "overloaded"}
_GENERIC_FIX: Mapping[int, str] = {
    400: f"fix the request field the message names (see {DOCS}/api/create-chat-completion).",
    404: "check the base URL: https://api.deepseek.com (or create_client(beta=True) for /beta features), "
    "with no /chat/completions or /v1/chat/completions appended yourself.",
    422: "a parameter has a value DeepSeek does not accept: fix the field the message names.",
}
# Finish reasons explain_finish() leaves alone, and "length" when the answer text is not known.
_FINISH: Mapping[str, str] = {
    "stop": "The reply ended normally (finish_reason 'stop'); nothing to fix.",
    "tool_calls": "The model asked for tool calls (finish_reason 'tool_calls'). Fix: run them and send one "
    "role='tool' message per call (run_tools does this).",
    "length": "The reply reached max_tokens (finish_reason 'length'). Fix: raise max_tokens. If the answer is "
    "empty, the reasoning used the whole budget: raise max_tokens or lower the effort (thinking(effort='low')).",
}
_KEY = re.compile(r"sk-[A-Za-z0-9_\-]{6,}")


def _scrub(text: str) -> str:
    # Never echo a key: DeepSeek's own 401 text shows ****abcd, but a proxy might echo more.
    return _KEY.sub(lambda m: redact(m.group(0)), text)


def _wording_regex(wording: str) -> str:
    # serde's "expected one of ..." tail lists variants that change over time; match up to it. Each ``{field}``
    # becomes a named group; one at the very end takes a whole word (a lazy group there would match nothing).
    parts = re.split(r"\{([a-z_]+)\}", wording.split("`, expected one of", 1)[0])
    regex = ""
    for i, part in enumerate(parts):
        if i % 2 == 0:
            regex += re.escape(part)
        else:
            regex += rf"(?P<{part}>[\w*-]+)" if i == len(parts) - 2 and not parts[-1] else f"(?P<{part}>.*?)"
    return regex


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[re.Pattern[str], Rule], ...]:
    # One pattern per wording of each row of RULES (its message, then older ones in ``also``), so explain() can
    # also quote a field such as the message index of a passback refusal.
    out = []
    for r in RULES.values():
        if r.status is None or r.message.casefold() == _TITLES.get(r.status, "").casefold():
            continue  # accepted requests, and status-only rows whose message is just the status title
        for wording in (r.message, *r.also):
            out.append((re.compile(_wording_regex(wording), re.IGNORECASE), r))
    return tuple(out)


def _body_message(err: openai.APIError) -> str:
    body = err.body
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        msg = inner.get("message") if isinstance(inner, Mapping) else None
        if isinstance(msg, str):
            return msg
        # The 2024 shape {"detail": "..."} (FastAPI-style; a list of {"msg": ...} when it is a validation error).
        detail = body.get("detail")
        if isinstance(detail, str):
            return detail
        if isinstance(detail, list):
            return "; ".join(str(d.get("msg", d)) if isinstance(d, Mapping) else str(d) for d in detail)
    if isinstance(body, str):
        return body
    return ""


def _request_json(err: openai.APIError) -> Mapping[str, Any]:
    try:
        data = json.loads(err.request.content or b"{}")
    except Exception:  # noqa: BLE001 - a streamed or odd request body just means "no details"
        return {}
    return data if isinstance(data, Mapping) else {}


def _request_path(err: openai.APIError) -> str:
    try:
        return str(err.request.url).split("?", 1)[0].rstrip("/")
    except Exception:  # noqa: BLE001 - errors built by hand may lack a request
        return ""


def _match(status: int, message: str, err: openai.APIStatusError) -> tuple[Rule | None, Mapping[str, str]]:
    if (
        status == 404
        and _request_path(err).endswith("/completions")
        and not _request_path(err).endswith(("/beta/completions", "/chat/completions"))
    ):
        return RULES["fim_not_beta"], {}
    for pattern, r in _patterns():
        found = pattern.search(message)
        if found:
            if r.id == "unknown_model":
                model = _request_json(err).get("model")
                info = MODELS.get(model) if isinstance(model, str) else None
                if info is not None and info.status == "retired":
                    return RULES["retired_model"], {}
            return r, found.groupdict()
    rule_id = _BY_STATUS.get(status)
    return (RULES[rule_id] if rule_id else None), {}


def _explain_status(err: openai.APIStatusError) -> str:
    status = err.status_code
    message = _body_message(err).strip()
    title = _TITLES.get(status, "")
    r, fields = _match(status, message, err)
    said = f": {message.rstrip('.')}" if message and message.casefold() != title.casefold() else ""
    cause = f"DeepSeek answered {status} {title}{said}." if title else f"DeepSeek answered HTTP {status}{said}."
    if r is not None:
        cause += f" {r.cause}" if r.cause else ""
        index = fields.get("index", "").strip()
        fix = f"messages[{index}] is the turn to fix: {r.fix}" if index.isdigit() else r.fix
        if r.id == "rate_limit":
            model = _request_json(err).get("model")
            info = MODELS.get(model) if isinstance(model, str) else None
            if info is not None:
                fix += f" ({info.served_by} allows {info.concurrency_limit} requests at once per account.)"
    else:
        fix = _GENERIC_FIX.get(status, "retry after a pause if it is a server error; otherwise fix the request.")
    return _scrub(f"{cause} Fix: {fix}")


def _explain_finish(reason: str, content: str | None) -> str | None:
    if content is None and reason in _FINISH:
        return _FINISH[reason]
    return explain_finish(reason, content=content or "") or _FINISH.get(reason)


def _finish_of(x: object) -> tuple[str, str] | None:
    # A completion (finish reason on choice 0) or a collected stream (finish reason on the result).
    if field(x, "object") == "response":  # Responses API: status and incomplete_details
        from ._responses import response_finish

        return response_finish(x)
    reason, content = field(x, "finish_reason"), field(x, "content")
    if reason is None:
        choice = first_choice(x)
        reason = field(choice, "finish_reason")
        content = field(field(choice, "message"), "content") or field(choice, "text")
    return (str(reason), str(content or "")) if reason is not None else None


def explain(x: object) -> str:
    """Return one or two sentences of DeepSeek-specific cause and fix for an error or a finish reason.

    Args:
        x: an ``openai.APIStatusError`` (matched by status and message against :data:`RULES`), an
            ``openai.APIConnectionError`` / ``APITimeoutError``, any other ``openai.APIError``, one of this package's
            errors, a ``finish_reason`` string such as ``"length"``, a completion, a Responses API ``Response`` or
            a collected stream (its finish reason or status, read together with its answer text), or anything else.

    Returns:
        Plain text leading with the cause, then ``Fix: ...``. It never contains more of a key than ``…abcd``.
    """
    if isinstance(x, DeepSeekError):
        return _scrub(f"{x.message} Fix: {x.fix}" if x.fix else x.message)
    if isinstance(x, openai.APIStatusError):
        return _explain_status(x)
    if isinstance(x, openai.APITimeoutError):
        return (
            "No answer from DeepSeek within the client's timeout. Fix: raise timeout= (a non-streaming thinking "
            "reply can take many minutes with no bytes sent) or use stream=True; DeepSeek itself gives up on "
            "requests not started within 10 minutes."
        )
    if isinstance(x, openai.APIConnectionError):
        path = _request_path(x)
        where = f" ({path})" if path else ""
        return _scrub(
            f"Could not connect to DeepSeek{where}. Fix: check the network or proxy and the base URL "
            "(DEEPSEEK_BASE_URL, default https://api.deepseek.com)."
        )
    if isinstance(x, openai.APIError):
        message = _body_message(x) or x.message
        return _scrub(
            f"DeepSeek reported an error: {message.rstrip('.')}. Fix: retry the request; if it was a "
            "stream, the partial output before the error is incomplete."
        )
    if isinstance(x, str):
        text = _explain_finish(x, None)
        if text is not None:
            return text
        return f"{x!r} is not a finish reason DeepSeek documents. Fix: none known; check the response as a whole."
    finish = _finish_of(x)
    if finish is not None:
        return _explain_finish(*finish) or f"finish_reason {finish[0]!r}: nothing to fix."
    if isinstance(x, BaseException):
        return _scrub(f"{type(x).__name__}: {x}. Fix: nothing DeepSeek-specific is known for this error.")
    return f"No DeepSeek-specific explanation for {type(x).__name__}."
