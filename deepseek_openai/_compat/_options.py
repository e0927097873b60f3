"""How one HTTP client's request hook behaves: the small part of the compat layer every client needs at creation.

Kept apart from ``_compat`` (the rewrite table) and ``_rewrite`` so that creating a client does not load the
tables; they are imported by the hook on the first request that may need a rewrite.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

__all__ = ["LegacyMode", "MissingReasoning", "Options"]

LegacyMode = Literal["translate", "error", "pass"]
MissingReasoning = Literal["error", "disable_thinking"]


class Options(NamedTuple):
    """How one HTTP client's hook behaves (set by ``create_client`` / ``create_http_client``).

    A ``NamedTuple``: immutable like a frozen dataclass, and it costs a fraction of one to define at import.
    """

    legacy_models: LegacyMode = "translate"
    compat: bool = True
    missing_reasoning: MissingReasoning = "error"
