"""Reasoning passback: which assistant turns of a request lack their reasoning, and what a reply teaches.

The request hook asks :func:`missing_turns` for the turns to fill and :func:`recall` for each; the reply tap hands
each received choice to :meth:`Scope.entries`. Both sides key a turn the same way (``_memory.Transcript``), so a
reasoning only ever returns to the conversation it was received in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from ._memory import AMBIGUOUS_REASONING, ReasoningMemory, Transcript, account_of, call_key

__all__ = ["Scope", "StoreLookup", "Turn", "missing_turns", "recall", "scope_of"]


class StoreLookup(Exception):
    """Raised by the rewrite of an async client's request: these store keys must be read first (in ``send``).

    It carries the rewrite so far, so ``send`` resumes it after the read instead of running it again: ``pending``
    (set by the rewrite of the body) and ``request`` (set by the hook: how to rebuild the request's keywords).
    """

    def __init__(self, keys: list[str]) -> None:
        super().__init__(keys)
        self.keys = keys
        self.pending: Any = None
        self.request: Any = None


class Turn(NamedTuple):
    """An assistant turn sent back without ``reasoning_content``: its index and its keys."""

    at: int
    key: bytes
    call_keys: tuple[bytes, ...]

    def store_keys(self) -> list[str]:
        """Return the turn's keys as a durable store names them (hex digests)."""
        return [self.key.hex(), *(k.hex() for k in self.call_keys)]


class Scope(NamedTuple):
    """Where one request's turns are remembered: the account's scope, the process memory, an optional store."""

    account: bytes
    memory: ReasoningMemory
    store: Any  # a ReasoningStore (see _stores), or None for the process memory alone

    def entries(self, transcript: Transcript | None, message: Mapping[str, Any], bare: bool) -> list[tuple[bytes, str]]:
        """Return the ``(key, reasoning)`` pairs one received assistant message teaches (none without reasoning).

        ``bare``: the request was a tool request with thinking off, so a message without reasoning is saved as
        ``""`` (received without reasoning), which the hook tells apart from an unknown turn.
        """
        reasoning = message.get("reasoning_content")
        if reasoning is None and bare:
            reasoning = ""
        if not isinstance(reasoning, str):
            return []
        pairs: list[tuple[bytes, str]] = []
        if transcript is not None:
            turn = transcript.copy()
            turn.add({**message, "role": "assistant"})
            pairs.append((turn.key(), reasoning))
        for call_id in _call_ids(message.get("tool_calls")):
            pairs.append((call_key(self.account, call_id), reasoning))
        return pairs

    def remember(self, pairs: Iterable[tuple[bytes, str]]) -> None:
        """Save ``(key, reasoning)`` pairs in the process memory, never for longer than the store keeps them."""
        ttl = getattr(self.store, "ttl", None)  # a store's ?ttl= bounds the copy in the process too
        self.memory.put(pairs, ttl=float(ttl) if isinstance(ttl, (int, float)) and ttl > 0 else None)

    def warm(self, found: Mapping[str, str]) -> None:
        """Copy entries a durable store returned into the process memory."""
        self.remember((bytes.fromhex(key), value) for key, value in found.items())


def _call_ids(calls: Any) -> list[str]:
    if not isinstance(calls, list):
        return []
    return [c["id"] for c in calls if isinstance(c, Mapping) and isinstance(c.get("id"), str) and c["id"]]


def origin_of(url: Any) -> str:
    """Return ``scheme://host:port`` of a URL (an httpx URL or a string), the server half of an account."""
    parts = urlsplit(str(url))
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}".lower()


def authorization_of(headers: Any) -> str | None:
    """Return the ``Authorization`` value of request headers (httpx headers, a mapping, or a list of pairs)."""
    items = headers.items() if hasattr(headers, "items") else headers if isinstance(headers, (list, tuple)) else ()
    for name, value in items:
        name = name.decode("latin-1") if isinstance(name, bytes) else name
        if isinstance(name, str) and name.lower() == "authorization":
            return value.decode("latin-1") if isinstance(value, bytes) else value if isinstance(value, str) else None
    return None


def scope_of(headers: Any, url: Any, memory: ReasoningMemory, store: Any) -> Scope:
    """Return the scope of a request: its account (key and server), the memory and the store it uses."""
    return Scope(account_of(authorization_of(headers), origin_of(url)), memory, store)


def missing_turns(body: Mapping[str, Any], account: bytes) -> tuple[list[Turn], Transcript]:
    """Return the assistant turns of ``body`` sent back without reasoning, and the whole request's transcript."""
    transcript = Transcript(account, body)
    missing: list[Turn] = []
    messages = body.get("messages")
    for index, message in enumerate(messages if isinstance(messages, list) else ()):
        if not isinstance(message, Mapping):
            continue
        transcript.add(message)
        if message.get("role") != "assistant" or message.get("prefix") or message.get("reasoning_content") is not None:
            continue
        calls = tuple(call_key(account, call_id) for call_id in _call_ids(message.get("tool_calls")))
        missing.append(Turn(index, transcript.key(), calls))
    return missing, transcript


def recall(get: Callable[[bytes], str | None], turn: Turn) -> str | None:
    """Return what a turn came with: by its conversation, else by its intact tool-call ids, else ``None``.

    ``get`` reads one key (``ReasoningMemory.get``, or what a store returned). An ambiguous conversation key
    (:data:`AMBIGUOUS_REASONING`) falls back to the ids like an unknown one: DeepSeek's ids are unique per reply,
    so they still name one reply; without them the answer stays ambiguous.
    """
    found = get(turn.key)
    if (found is not None and found != AMBIGUOUS_REASONING) or not turn.call_keys:
        return found
    by_id = {get(key) for key in turn.call_keys}
    return by_id.pop() if len(by_id) == 1 and None not in by_id else found


def transcript_of(content: bytes | None, account: bytes) -> Transcript | None:
    """Return the transcript of a sent request body (bytes), or ``None`` when it is not a chat request."""
    if not content:
        return None
    try:
        body = json.loads(content)
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        return None
    return missing_turns(body, account)[1]


def hex_entries(pairs: Iterable[tuple[bytes, str]]) -> dict[str, str]:
    """Return ``(key, reasoning)`` pairs as a durable store takes them."""
    return {key.hex(): value for key, value in pairs}
