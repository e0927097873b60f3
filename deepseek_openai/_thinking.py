"""Request keywords for DeepSeek's thinking toggle, effort and ``user_id``, and reading ``reasoning_content`` back.

``thinking()`` and ``user_id()`` return ``{"extra_body": {...}}`` to splat into ``create(...)``; each takes an
``extra_body`` to merge into, so they compose: ``create(..., **thinking(False, **user_id("u1")))``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from typing import Any, Literal, TypedDict

from ._errors import InvalidRequestError
from ._fields import field, first_choice
from ._models import EFFORT_LEVELS
from ._rules import RULES
from ._warnings import user_stacklevel

__all__ = ["Effort", "ExtraBodyKwargs", "reasoning_of", "thinking", "user_id"]

Effort = Literal["none", "low", "high", "max"]
"""DeepSeek's ``reasoning_effort`` values; signatures take ``Effort | str`` so new levels still type-check."""

# Compat aliases DeepSeek maps itself (api/create-chat-completion); we name the target instead of sending them.
_ALIASES = {"minimal": "low", "medium": "high", "xhigh": "high", "ultra": "max"}
# user_id: [A-Za-z0-9_-], at most 512 bytes of UTF-8 (quick_start/rate_limit).
_USER_ID = re.compile(r"[A-Za-z0-9_-]*")  # the empty string is an id of its own
USER_ID_MAX_BYTES = 512


class ExtraBodyKwargs(TypedDict):
    """Keywords for ``create(...)``: a typed dict, so ``**`` splatting keeps the SDK's typed return value."""

    extra_body: dict[str, Any]


def _merged(extra_body: Mapping[str, Any] | None, **fields: Any) -> ExtraBodyKwargs:
    if extra_body is not None and not isinstance(extra_body, Mapping):
        raise InvalidRequestError(
            f"extra_body must be a dict, not {type(extra_body).__name__}.", fix="pass extra_body={...} or leave it out."
        )
    body = dict(extra_body or {})
    body.update(fields)
    return {"extra_body": body}


def thinking(
    enabled: bool = True,
    *,
    effort: Effort | str | None = None,
    extra_body: Mapping[str, Any] | None = None,
) -> ExtraBodyKwargs:
    """Return ``create(...)`` keywords that turn DeepSeek's thinking mode on or off, optionally with an effort.

    Both fields travel in ``extra_body`` (which the SDK merges into the top level of the JSON body):
    ``thinking: {"type": "enabled" | "disabled"}`` and, when ``effort`` is given, ``reasoning_effort``. The SDK's
    own ``reasoning_effort=`` keyword is not used because openai 1.57 (our floor) does not have it; on the wire
    the two are identical. ``effort="none"`` goes with ``enabled=False`` only; any other effort needs thinking
    on, because DeepSeek silently drops the effort when the toggle says disabled.

    Args:
        enabled: thinking on (DeepSeek's default) or off.
        effort: ``"none"``, ``"low"``, ``"high"`` (DeepSeek's default) or ``"max"``; ``None`` sends none.
        extra_body: other body fields to keep (for example ``**user_id("u1")``); not modified. The thinking
            fields replace same-named keys in it.

    Returns:
        ``{"extra_body": {..., "thinking": {...}, "reasoning_effort"?: ...}}``, to splat into ``create(...)``.

    Raises:
        InvalidRequestError: ``enabled`` is not a bool, ``effort`` is not one of :data:`EFFORT_LEVELS` (a compat
            alias such as ``"medium"`` is sent as given, with a ``UserWarning`` naming the level it means), or
            ``effort`` contradicts ``enabled``.
    """
    if not isinstance(enabled, bool):  # thinking("no") would be truthy: thinking on
        raise InvalidRequestError(
            f"thinking(enabled={enabled!r}): enabled must be True or False.",
            fix="use thinking(False) to turn thinking off, or thinking() / thinking(True) to keep it on.",
        )
    fields: dict[str, Any] = {"thinking": {"type": "enabled" if enabled else "disabled"}}
    if effort is not None:
        _check_effort(effort, enabled)
        fields["reasoning_effort"] = effort
    return _merged(extra_body, **fields)


def _check_effort(effort: object, enabled: bool) -> None:
    if isinstance(effort, str) and effort in _ALIASES:
        # DeepSeek accepts its compat aliases (§3 of the API digest): send as given, but name the real level.
        warnings.warn(
            f"effort={effort!r} is a compat alias DeepSeek reads as {_ALIASES[effort]!r}. "
            f"Fix: pass effort={_ALIASES[effort]!r} to say what is sent.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
        effort = _ALIASES[effort]  # checked against enabled as the level it means
    elif effort not in EFFORT_LEVELS:
        allowed = ", ".join(repr(level) for level in EFFORT_LEVELS)
        raise InvalidRequestError(
            f"effort={effort!r} is not a DeepSeek reasoning_effort; allowed: {allowed}.",
            fix=RULES["reasoning_effort"].fix,
            rule="reasoning_effort",
        )
    if enabled and effort == "none":
        raise InvalidRequestError(
            "thinking(enabled=True, effort='none') contradicts itself: effort 'none' turns thinking off.",
            fix="use thinking(False) to turn thinking off, or effort 'low', 'high' or 'max' to keep it on.",
            rule="reasoning_effort",
        )
    if not enabled and effort != "none":
        raise InvalidRequestError(
            f"thinking(enabled=False, effort={effort!r}): DeepSeek ignores the effort when thinking is disabled.",
            fix="drop effort (or pass effort='none'), or use thinking(True, effort=...) to think with that effort.",
            rule="reasoning_effort",
        )


def user_id(value: str, *, extra_body: Mapping[str, Any] | None = None) -> ExtraBodyKwargs:
    """Return ``create(...)`` keywords carrying DeepSeek's ``user_id`` isolation key.

    ``user_id`` is DeepSeek's own body field (not OpenAI's ``user``): it isolates content safety, KV cache and
    scheduling per end user, and on expanded accounts gives each id its own concurrency limit. Never put personal
    data in it.

    Args:
        value: at most 512 bytes, preferably letters, digits, ``_`` and ``-`` (others get a ``UserWarning``:
            DeepSeek's docs disagree on them); ``""`` is an id of its own.
        extra_body: other body fields to keep (for example ``**thinking(False)``); not modified.

    Returns:
        ``{"extra_body": {..., "user_id": value}}``, to splat into ``create(...)``.

    Raises:
        InvalidRequestError: the value is not a string, or is longer than 512 bytes.
    """
    if not isinstance(value, str):
        raise InvalidRequestError(
            f"user_id must be a string, not {type(value).__name__}.", fix=RULES["user_id"].fix, rule="user_id"
        )
    if len(value.encode()) > USER_ID_MAX_BYTES:
        RULES["user_id"].enforce(f"user_id of {len(value.encode())} bytes is longer than DeepSeek's 512.")
    if not _USER_ID.fullmatch(value):
        # The newest docs only prefer [A-Za-z0-9_-]; an older page required it (§12 of the API digest): warn.
        RULES["user_id_chars"].enforce(f"user_id={value!r} has characters other than letters, digits, '_' and '-'.")
    return _merged(extra_body, user_id=value)


def reasoning_of(x: Any) -> str | None:
    """Return the ``reasoning_content`` of a completion, message, chunk, delta, stream result or dict.

    Works with SDK objects under pydantic v1 and v2 (the field is an undeclared extra) and with plain dicts.
    For a completion or chunk, choice 0 is read.

    Args:
        x: a ``ChatCompletion``, ``ChatCompletionMessage``, ``ChatCompletionChunk``, ``ChoiceDelta``, a
            :class:`StreamResult`, a Responses API ``Response`` or reasoning item (its ``reasoning_text`` joined),
            or the dict form of any of these.

    Returns:
        The reasoning text (``""`` included, as DeepSeek sent it), or ``None`` when there is none.
    """
    if x is None:
        return None
    if hasattr(x, "reasoning_seen"):  # a StreamResult
        return str(x.reasoning) if x.reasoning_seen else None
    if field(x, "output") is not None or field(x, "type") == "reasoning":  # Responses API: reasoning items
        from ._responses import response_reasoning

        return response_reasoning(x)
    if field(x, "choices") is not None:
        x = first_choice(x)
    for inner in ("message", "delta"):
        if field(x, inner) is not None:
            x = field(x, inner)
            break
    value = field(x, "reasoning_content")
    return value if isinstance(value, str) else None


def thinks(body: Mapping[str, Any]) -> bool:
    """Whether a request body thinks, as DeepSeek decides: the ``thinking`` toggle wins, else effort ``"none"`` is off.

    The one rule the request hook, :func:`thinking_requested` and the test double share (guides/thinking_mode:
    with ``thinking.type=disabled`` an effort is ignored; without a toggle, ``reasoning_effort="none"`` turns it off).
    """
    toggle = body.get("thinking")
    if isinstance(toggle, Mapping) and toggle.get("type") in ("enabled", "disabled"):
        return bool(toggle["type"] == "enabled")
    return body.get("reasoning_effort") != "none"


def thinking_requested(create_kwargs: Mapping[str, Any]) -> bool:
    """Whether ``create(**create_kwargs)`` would think: on by default, off by the toggle or ``effort="none"``."""
    return thinks({**create_kwargs, **(create_kwargs.get("extra_body") or {})})  # extra_body wins, as in the SDK
