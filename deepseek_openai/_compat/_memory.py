"""Reasoning memory: the ``reasoning_content`` of the replies an account received, to fill back in later requests.

With tools in a request and thinking on, DeepSeek wants every earlier assistant turn back with its
``reasoning_content`` (guides/thinking_mode); most OpenAI code rebuilds the turn from ``content`` + ``tool_calls``
and drops it. The request hook remembers each reply's reasoning and fills it back in.

A turn is keyed by a digest of its conversation up to and including it (:class:`Transcript`), scoped to the account
(API key and server) and to the request's ``user_id`` / ``user``, in a canonical form that ignores what frameworks
change: tool-call ids, argument JSON formatting, string or text-part content, ``reasoning_content`` itself, field
order. So a reasoning is only ever filled into the conversation it was received in. DeepSeek's own tool-call ids
(24 random characters) are a second key, used where they come back intact. Keys are digests, never message text.
Two replies with one key and different reasoning (two users with identical conversations, or one request answered
twice) make the key ambiguous (:data:`AMBIGUOUS_REASONING`): it fills nothing until it expires (:func:`merged`).

One :class:`ReasoningMemory` serves the whole process (:func:`process_memory`): every client the factories make,
sync or async, copies, and framework clients over ``create_http_client()``, so a client per request works.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = [
    "AMBIGUOUS_REASONING",
    "DEFAULT_TTL",
    "MAX_BYTES",
    "MAX_ENTRIES",
    "ReasoningMemory",
    "Transcript",
    "account_of",
    "call_key",
    "merged",
    "process_memory",
    "utf8_size",
    "whole_characters",
]

MAX_ENTRIES = 100_000
"""At most this many keys in the process (two per turn with tool calls: conversation and ids); LRU first out."""
MAX_BYTES = 50_000_000
"""At most this many bytes (UTF-8) of reasoning text in the process; least recently used go first."""
DEFAULT_TTL = 7 * 24 * 3600.0
"""Seconds an entry lives after it was last saved (in the process, and in a durable store unless set there)."""

AMBIGUOUS_REASONING = "\udc00ambiguous"
"""What a key holds once two different values were saved under it: it fills nothing. No reply carries it (no text
decoded from a reply starts with a lone low surrogate); it round-trips through ``surrogatepass`` UTF-8."""

_DIGEST = 16  # bytes: 128-bit keys, so two different conversations never meet by chance


def utf8_size(text: str) -> int:
    """Return the UTF-8 size of ``text`` in bytes (free for ASCII, which is most reasoning)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


_SURROGATE = re.compile("[\ud800-\udfff]")


def whole_characters(text: str) -> str:
    """Return ``text`` with each surrogate pair joined into the one character it encodes; lone halves stay.

    A stream may split a character outside the BMP (an emoji) into its two escaped halves in two chunks; joined
    back, the text is the one the whole reply would have carried, and it has a UTF-8 form.
    """
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass")


def merged(old: str | None, new: str) -> str:
    """Return what a key holds after saving ``new`` over ``old``: the value, or :data:`AMBIGUOUS_REASONING`.

    An absent (or expired) key takes ``new``, and so does a key already holding it. A key holding another value
    (two different reasonings, or a reasoning and ``""``, which marks a turn received with thinking off, in either
    order) becomes ambiguous and stays so: the memory cannot tell whose turn a later request sends back, so it
    fills neither (one user's reasoning never reaches another user's request).
    """
    return new if old is None or old == new else AMBIGUOUS_REASONING


def account_of(authorization: str | None, origin: str) -> bytes:
    """Return the scope of one account: a digest of the ``Authorization`` value and the server's origin."""
    seed = f"{authorization or ''}\n{origin}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(seed, digest_size=_DIGEST, person=b"ds-account").digest()


def call_key(account: bytes, call_id: str) -> bytes:
    """Return the key of one tool-call id within an account (the second, id-based key of a turn)."""
    seed = account + call_id.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(seed, digest_size=_DIGEST, person=b"ds-call").digest()


_ENCODE = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode


def _text(content: Any) -> str:
    # A string, or a list of parts (text parts joined, as frameworks split them); other parts count by their JSON.
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    pieces = []
    for part in content:
        if isinstance(part, Mapping) and part.get("type") == "text":
            pieces.append(str(part.get("text", "")))
        else:
            pieces.append("\x00" + _ENCODE(part))
    return "".join(pieces)


def _arguments(raw: Any) -> Any:
    # Arguments as data: frameworks re-serialise the JSON (spacing, key order), the values stay.
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw.strip()


def _calls(calls: Any) -> list[Any]:
    if not isinstance(calls, list):
        return []
    out = []
    for call in calls:
        function = call.get("function") if isinstance(call, Mapping) else None
        if isinstance(function, Mapping):
            out.append([function.get("name"), _arguments(function.get("arguments"))])
    return out


def canonical(message: Mapping[str, Any]) -> bytes:
    """Return the canonical bytes of one message: role, text, tool calls (name and arguments), nothing else."""
    role = message.get("role")
    if role == "developer":
        role = "system"  # the request hook sends developer as system: both are the same turn
    text = whole_characters(_text(message.get("content")))
    shape = f"{role}\x00{len(text)}\x00{text}"  # length-prefixed: no text can pass for another's boundary
    calls = message.get("tool_calls")
    if calls:
        shape += "\x00" + _ENCODE(_calls(calls))
    return shape.encode("utf-8", "surrogatepass")


class Transcript:
    """A running digest of one conversation in canonical form; :meth:`key` names the conversation so far."""

    __slots__ = ("_hash",)

    def __init__(self, account: bytes, body: Mapping[str, Any] | None = None) -> None:
        self._hash = hashlib.blake2b(account, digest_size=_DIGEST, person=b"ds-turn")
        if body is not None:
            # An end-user id keeps even two identical conversations of different users apart.
            users = [body.get("user_id"), body.get("user")]
            if users != [None, None]:
                self._hash.update(json.dumps(users, default=str).encode("utf-8", "surrogatepass"))

    def add(self, message: Mapping[str, Any]) -> None:
        """Append one message."""
        shape = canonical(message)
        self._hash.update(b"%d\n" % len(shape))  # length-prefixed, so messages cannot run into each other
        self._hash.update(shape)

    def key(self) -> bytes:
        """Return the key of the conversation so far (the last message added is the turn it names)."""
        return self._hash.digest()

    def copy(self) -> Transcript:
        """Return an independent transcript with the same messages."""
        twin = Transcript.__new__(Transcript)
        twin._hash = self._hash.copy()
        return twin


class ReasoningMemory:
    """A bounded, thread-safe LRU map from a turn's key to the reasoning it came with, with a time to live.

    Bounded by :data:`MAX_ENTRIES` keys and :data:`MAX_BYTES` of UTF-8 reasoning text; entries live
    :data:`DEFAULT_TTL` seconds after they were last saved. Saving a key again follows :func:`merged`.
    """

    def __init__(
        self,
        max_entries: int = MAX_ENTRIES,
        max_bytes: int = MAX_BYTES,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.ttl = ttl
        self._clock = clock
        self._items: OrderedDict[bytes, tuple[str, float]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    @property
    def size(self) -> int:
        """Bytes (UTF-8) of reasoning text held now."""
        return self._bytes

    def put(self, entries: Iterable[tuple[bytes, str]], ttl: float | None = None) -> None:
        """Save ``(key, reasoning)`` pairs by the rule of :func:`merged`; the oldest go when a bound is passed.

        ``ttl``: keep these at most that many seconds (a store's shorter time to live), else the memory's own.
        """
        now = self._clock()
        expires = now + (self.ttl if ttl is None else min(self.ttl, ttl))
        with self._lock:
            for key, reasoning in entries:
                old = self._items.pop(key, None)
                if old is not None:
                    self._bytes -= utf8_size(old[0])
                value = merged(old[0] if old is not None and old[1] > now else None, reasoning)
                self._items[key] = (value, expires)
                self._bytes += utf8_size(value)
            while self._items and (len(self._items) > self.max_entries or self._bytes > self.max_bytes):
                self._bytes -= utf8_size(self._items.popitem(last=False)[1][0])

    def get(self, key: bytes) -> str | None:
        """Return what ``key`` holds (a reasoning, ``""`` or :data:`AMBIGUOUS_REASONING`), or ``None``."""
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            if found[1] <= self._clock():
                del self._items[key]
                self._bytes -= utf8_size(found[0])
                return None
            self._items.move_to_end(key)
            return found[0]

    def clear(self) -> None:
        """Forget everything (the memory of the whole process)."""
        with self._lock:
            self._items.clear()
            self._bytes = 0


_PROCESS: list[ReasoningMemory] = []
_PROCESS_LOCK = threading.Lock()


def process_memory() -> ReasoningMemory:
    """Return the one in-process memory every client of this process shares (made on first use)."""
    if not _PROCESS:
        with _PROCESS_LOCK:
            if not _PROCESS:
                _PROCESS.append(ReasoningMemory())
    return _PROCESS[0]
