"""Reasoning memory: the ``reasoning_content`` of the replies a client received, to fill back in later requests.

With tools in a request and thinking on, DeepSeek wants every earlier assistant turn back with its
``reasoning_content`` (guides/thinking_mode); most OpenAI code rebuilds the turn from ``content`` + ``tool_calls``
and drops it. The transport remembers each reply's reasoning, keyed by its tool-call ids (or, for a turn without
calls, by a hash of its content), and the request hook fills it back in.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["MAX_CHARS", "MAX_ENTRIES", "ReasoningMemory", "recall_message", "remember_message"]

MAX_ENTRIES = 100_000
"""At most this many keys (one per tool call, or one per turn without calls); least recently used go first."""
MAX_CHARS = 50_000_000
"""At most this many characters of reasoning text in all (about 50 MB of ASCII); least recently used go first."""


def content_key(content: str) -> int:
    """Return the key of a turn without tool calls: the content's 64-bit hash, so the text itself is not kept.

    Python's string hash is keyed per process (SipHash); two different replies colliding among 100,000 entries has
    a chance of about 1 in 10^9, and the keys never leave the process.
    """
    return hash(content)


class ReasoningMemory:
    """A bounded, thread-safe LRU map from a turn's key to the reasoning it came with.

    Keys are tool-call ids (``str``) or content hashes (``int``), so the two kinds never collide. One memory
    belongs to one HTTP client; copies of an SDK client (``with_options()``, ``copy()``) share it.
    """

    def __init__(self, max_entries: int = MAX_ENTRIES, max_chars: int = MAX_CHARS) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._items: OrderedDict[str | int, str] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def remember(self, reasoning: str, call_ids: Iterable[str], content: str | None) -> None:
        """Store ``reasoning`` under each tool-call id, or under the content when there are no calls."""
        keys: list[str | int] = list(call_ids)
        if not keys and content is not None:
            keys.append(content_key(content))
        with self._lock:
            for key in keys:
                old = self._items.pop(key, None)
                if old is not None:
                    self._chars -= len(old)
                self._items[key] = reasoning
                self._chars += len(reasoning)
            while self._items and (len(self._items) > self.max_entries or self._chars > self.max_chars):
                self._chars -= len(self._items.popitem(last=False)[1])

    def recall(self, call_ids: Iterable[str], content: str | None) -> str | None:
        """Return the reasoning of a turn with these tool-call ids (or, without calls, this content), or ``None``."""
        keys: list[str | int] = list(call_ids)
        if not keys and isinstance(content, str):
            keys.append(content_key(content))
        with self._lock:
            for key in keys:
                found = self._items.get(key)
                if found is not None:
                    self._items.move_to_end(key)
                    return found
        return None


def _call_ids(calls: Any) -> list[str]:
    if not isinstance(calls, list):
        return []
    return [c["id"] for c in calls if isinstance(c, Mapping) and isinstance(c.get("id"), str)]


def _text(content: Any) -> str | None:
    # Some frameworks send the content back as a list of text parts; join them to match the reply's string.
    if isinstance(content, str) or content is None:
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, Mapping) and p.get("type") == "text")
    return None


def remember_message(memory: ReasoningMemory, message: Any, bare: bool = False) -> None:
    """Remember the reasoning of one assistant message (a dict from a reply); ``bare``: none counts as ``""``."""
    if not isinstance(message, Mapping):
        return
    reasoning = message.get("reasoning_content")
    if reasoning is None and bare:
        reasoning = ""
    if isinstance(reasoning, str):
        memory.remember(reasoning, _call_ids(message.get("tool_calls")), _text(message.get("content")))


def recall_message(memory: ReasoningMemory, message: Mapping[str, Any]) -> str | None:
    """Return the remembered reasoning of an assistant turn being sent back, or ``None``."""
    return memory.recall(_call_ids(message.get("tool_calls")), _text(message.get("content")))
