"""What the double remembers about each request: a small frozen record with case-insensitive headers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Headers", "RecordedRequest"]


class Headers(Mapping[str, str]):
    """Read-only request headers; lookups ignore case (openai 1.x sends ``Authorization``, 3.x ``authorization``).

    Iteration yields the names as they arrived on the wire. A repeated header keeps its last value.
    """

    __slots__ = ("_items", "_names")

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: dict[str, str] = {}
        self._names: dict[str, str] = {}
        for name, value in items:
            key = name.lower()
            self._items[key] = value
            self._names[key] = name

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._names.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        # The key must never reach a log or a test report.
        shown = {n: ("<redacted>" if k == "authorization" else self._items[k]) for k, n in self._names.items()}
        return f"Headers({shown!r})"


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request the double received, in arrival order (rejected ones included)."""

    method: str
    """``"GET"`` or ``"POST"`` (anything else is recorded too, then answered 405)."""
    path: str
    """The URL path without the query string, e.g. ``"/chat/completions"`` or ``"/beta/completions"``."""
    headers: Headers
    """The request headers; ``headers["authorization"]`` works whatever case the SDK used."""
    body: bytes = field(repr=False)
    """The raw request body (``b""`` for none)."""
    json: Any = None
    """The parsed JSON body, or ``None`` when there was no body or it was not valid JSON."""
    query: str = ""
    """The raw query string (``"q=1"``), empty when there was none."""
    received: float = 0.0
    """When the request arrived: ``time.time()`` (Unix seconds), for tests that check when something was sent."""
