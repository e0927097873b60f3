"""How one HTTP client's request hook behaves: the options every client is created with, checked and resolved.

Kept apart from ``_rewrites`` (the rewrite table and how its rows are applied) and ``_stores`` so that creating a
client loads neither: the hook imports the rewrites only for a request body its gate (``_gate``) says may need
them, and the stores only when ``reasoning_store=`` / ``DEEPSEEK_REASONING_STORE`` asks for one.
"""

from __future__ import annotations

import os
from typing import Any, Literal, NamedTuple, get_args

from .._errors import InvalidRequestError
from .._settings import STORE_VAR

__all__ = [
    "LEGACY_MODES",
    "MISSING_REASONING",
    "HookOptions",
    "LegacyMode",
    "MissingReasoning",
    "resolve_store",
]

LegacyMode = Literal["translate", "error", "pass"]
MissingReasoning = Literal["error", "disable_thinking"]
LEGACY_MODES: tuple[str, ...] = get_args(LegacyMode)
"""The values ``legacy_models=`` takes (checked by the factories before a client is built)."""
MISSING_REASONING: tuple[str, ...] = get_args(MissingReasoning)
"""The values ``missing_reasoning=`` takes."""


class HookOptions(NamedTuple):
    """How one HTTP client's hook behaves (set by ``create_client`` / ``create_http_client``).

    A ``NamedTuple``: immutable like a frozen dataclass, and it costs a fraction of one to define at import.
    """

    legacy_models: LegacyMode = "translate"
    compat: bool = True
    missing_reasoning: MissingReasoning = "error"


def resolve_store(value: Any) -> Any:
    """Return the store a client was asked for: ``None`` for the process memory alone, else a ``ReasoningStore``.

    Raises:
        InvalidRequestError: not ``"memory"``, a store URL, or an object with the store's methods.
    """
    if value is None:
        value = os.environ.get(STORE_VAR) or "memory"
    if isinstance(value, str):
        if value.strip() == "memory":
            return None
        from ._stores import open_store  # the store code loads only when a store is asked for

        return open_store(value.strip())
    if all(callable(getattr(value, name, None)) for name in ("get", "put", "aget", "aput")):
        return value
    raise InvalidRequestError(
        f"reasoning_store={type(value).__name__} object is not a store.",
        fix="pass 'memory', 'sqlite:///path', 'redis://host:port/db', or an object with get/put/aget/aput "
        "(see ReasoningStore).",
    )
