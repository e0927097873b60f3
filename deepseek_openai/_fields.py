"""Reading fields from SDK objects and plain dicts alike (pydantic v1 and v2 SDK objects included)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["field", "first_choice"]


_MISSING = object()


def field(obj: Any, name: str) -> Any:
    """Return ``obj[name]`` for a mapping, else ``getattr(obj, name, None)``; ``None`` when absent.

    Used per stream chunk, so the common cases come first: a dict, then an attribute (SDK objects); the
    ``Mapping`` check runs only when the attribute is missing. Field names here never clash with mapping methods.
    """
    if obj is None:
        return None
    if type(obj) is dict:
        return obj.get(name)
    # Extras such as reasoning_content are plain attributes on SDK objects; model_extra is v2-only.
    value = getattr(obj, name, _MISSING)
    if value is _MISSING:
        return obj.get(name) if isinstance(obj, Mapping) else None
    return value


def first_choice(obj: Any) -> Any:
    """Return choice 0 of a completion or chunk (SDK object or dict), or ``None`` when there is none."""
    choices = field(obj, "choices")
    if not choices:
        return None
    for choice in choices:
        if (field(choice, "index") or 0) == 0:
            return choice
    return None
