"""Read fields from SDK objects and plain dicts alike (pydantic v1 and v2 SDK objects included)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["field", "first_choice"]


def field(obj: Any, name: str) -> Any:
    """Return ``obj[name]`` for a mapping, else ``getattr(obj, name, None)``; ``None`` when absent."""
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(name)
    # Extras such as reasoning_content are plain attributes on SDK objects; model_extra is v2-only.
    return getattr(obj, name, None)


def first_choice(obj: Any) -> Any:
    """Return choice 0 of a completion or chunk (SDK object or dict), or ``None`` when there is none."""
    choices = field(obj, "choices")
    if not choices:
        return None
    for choice in choices:
        if (field(choice, "index") or 0) == 0:
            return choice
    return None
