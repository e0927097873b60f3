"""How one HTTP client's request hook behaves: the small part of the compat layer every client needs at creation.

Kept apart from ``_rewrites`` (the rewrite table and how its rows are applied) so that creating a client does not
load the table; the hook imports it only for a request body its gate (``_gate``) says may need a rewrite.
"""

from __future__ import annotations

from typing import Literal, NamedTuple, get_args

__all__ = ["LEGACY_MODES", "MISSING_REASONING", "HookOptions", "LegacyMode", "MissingReasoning"]

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
