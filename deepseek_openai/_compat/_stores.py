"""Durable reasoning stores: where remembered reasoning lives beyond one process.

``open_store(url)`` turns a store URL (``reasoning_store=`` / ``DEEPSEEK_REASONING_STORE``) into a store:
``"memory"`` (nothing durable: the in-process memory only), ``"sqlite:///path"`` (the processes of one machine,
surviving restarts) or ``"redis://host:port/db"`` (several machines). A store maps short digest keys, computed by
the caller and never message text, to the reasoning text exactly as received. A key saved with a value different
from the one it holds (two reasonings, or a reasoning and ``""``: received with thinking off) becomes ambiguous,
``AMBIGUOUS_REASONING``, and fills nothing until it expires (``_memory.merged``).

Which store a client uses is decided at its creation (``_hook_options.resolve_store``), which imports this module
only when a durable store is asked for. Even then only light parts of the standard library load here: ``sqlite3``
in the SQLite store's methods, redis-py (the ``[redis]`` extra) in the Redis store's.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from .._errors import InvalidRequestError, ReasoningStoreError
from .._settings import STORE_VAR
from ._memory import AMBIGUOUS_REASONING

if TYPE_CHECKING:
    import sqlite3

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TTL",
    "REDIS_KEY_PREFIX",
    "REDIS_TIMEOUT",
    "SQLITE_BUSY_TIMEOUT",
    "ReasoningStore",
    "RedisStore",
    "SQLiteStore",
    "open_store",
    "store_error",
]

DEFAULT_TTL = 7 * 24 * 3600.0
"""Seconds an entry lives after its last save, unless the store URL says ``?ttl=SECONDS``."""
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
"""Bound of a SQLite store (keys and reasoning, UTF-8 bytes), unless the URL says ``?max_bytes=N``."""
SQLITE_BUSY_TIMEOUT = 5.0
"""Seconds a SQLite store waits for a database another process holds locked before giving up with an error."""
REDIS_TIMEOUT = 1.5
"""Seconds a Redis store waits to connect, and for each reply, before giving up with an error."""
REDIS_KEY_PREFIX = "deepseek_openai:r:"
"""Namespace of the Redis store's keys."""

_STORE_FIX = (
    "check that the store is reachable and writable, or point DEEPSEEK_REASONING_STORE / reasoning_store= at "
    "another store ('memory' keeps reasoning in this process only)."
)
_FORMS = (
    "'memory', 'sqlite:///relative/path.db', 'sqlite:////absolute/path.db', "
    "'redis://[:password@]host:port/db' or 'rediss://...' (TLS), with optional ?ttl=SECONDS "
    "(and ?max_bytes=N for sqlite)"
)
_SQL_CHUNK = 500  # keys per SELECT: under SQLite's oldest limit of 999 bound variables
_PRUNE_LIMIT = 100  # expired rows dropped per write at most, so a write never stalls on a big sweep


@runtime_checkable
class ReasoningStore(Protocol):
    """What a reasoning store does; a store of your own implements these five methods.

    Keys are short hex digests computed by the caller (never message text). Values are reasoning text exactly as
    received (``""`` means "received with thinking off"; values may hold lone surrogates, so encode them with
    ``surrogatepass``). ``put`` merges per key, atomically: an absent or expired key, or one holding the same
    value, takes the value; a key holding a different value becomes :data:`AMBIGUOUS_REASONING` (two replies with
    one conversation came with different reasoning: neither is filled) and stays so; every save renews the time to
    live. ``aget`` / ``aput`` must not block the event loop. Failures raise :class:`ReasoningStoreError` (or any
    exception, which the hook reports as one).
    """

    def get(self, keys: Sequence[str]) -> dict[str, str]:
        """Return the entries found for ``keys`` (expired and missing keys are left out)."""
        ...

    def put(self, entries: Mapping[str, str]) -> None:
        """Save ``entries`` by the merge rule."""
        ...

    async def aget(self, keys: Sequence[str]) -> dict[str, str]:
        """Async twin of :meth:`get`."""
        ...

    async def aput(self, entries: Mapping[str, str]) -> None:
        """Async twin of :meth:`put`."""
        ...

    def close(self) -> None:
        """Release connections (a later call may open new ones)."""
        ...


def store_error(err: BaseException) -> ReasoningStoreError:
    """Return a store's failure as :class:`ReasoningStoreError` (as it is, if it already is one)."""
    if isinstance(err, ReasoningStoreError):
        return err
    return ReasoningStoreError(
        f"The reasoning store failed ({type(err).__name__}: {err}).",
        fix=f"check that the store is up and reachable ({STORE_VAR} / reasoning_store=).",
    )


def redact_url(url: str) -> str:
    """Return ``url`` with any password replaced by ``***`` (the only form a store URL is ever shown in)."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "(unparseable URL)"
    if not password:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def _bad_url(url: str, problem: str, fix: str | None = None) -> InvalidRequestError:
    return InvalidRequestError(
        f"Reasoning store {redact_url(url)!r}: {problem}.",
        fix=fix or f"set DEEPSEEK_REASONING_STORE / reasoning_store= to one of {_FORMS}.",
    )


# -- open_store --------------------------------------------------------------------------------------------------

_CACHE: dict[tuple[Any, ...], ReasoningStore] = {}
_CACHE_LOCK = threading.Lock()
# Objects inherited across a fork: kept referenced and never used, so no finalizer closes the parent's handles.
_INHERITED: list[object] = []


def open_store(url: str) -> ReasoningStore | None:
    """Open the reasoning store a URL names; every caller in a process gets the same instance.

    Args:
        url: ``"memory"`` (returns ``None``: reasoning stays in the process), ``"sqlite:///relative/path.db"`` or
            ``"sqlite:////absolute/path.db"`` (SQLAlchemy's form; the file is created with mode 0600), or
            ``"redis://[[user]:password@]host:port/db"`` / ``"rediss://..."`` (needs the ``[redis]`` extra). Query
            parameters: ``ttl=SECONDS`` (default :data:`DEFAULT_TTL`, one week) and, for SQLite,
            ``max_bytes=N`` (default :data:`DEFAULT_MAX_BYTES`, 256 MiB).

    Returns:
        The store, or ``None`` for ``"memory"``. Instances are shared per URL and process (a forked child gets its
        own); a relative SQLite path is resolved against the working directory of the first call.

    Raises:
        InvalidRequestError: the URL is not one of the forms above, a parameter is out of range, the SQLite file's
            folder does not exist, or redis-py is not installed.
        ReasoningStoreError: the SQLite file cannot be opened or set up (not a database, locked past the timeout).
    """
    if not isinstance(url, str):
        raise InvalidRequestError(
            f"reasoning_store must be a string URL, not {type(url).__name__}.",
            fix=f"pass one of {_FORMS}.",
        )
    url = url.strip()
    if url == "memory":
        return None
    scheme = url.partition(":")[0].lower()
    if scheme == "sqlite":
        path, ttl, max_bytes = _parse_sqlite(url)
        cache_key: tuple[Any, ...] = ("sqlite", str(path), ttl, max_bytes, os.getpid())
        with _CACHE_LOCK:
            store = _CACHE.get(cache_key)
            if store is None:
                store = _CACHE[cache_key] = SQLiteStore(path, ttl=ttl, max_bytes=max_bytes)
        return store
    if scheme in ("redis", "rediss"):
        server_url, ttl = _parse_redis(url)
        cache_key = ("redis", server_url, ttl, os.getpid())
        with _CACHE_LOCK:
            store = _CACHE.get(cache_key)
            if store is None:
                store = _CACHE[cache_key] = RedisStore(server_url, ttl=ttl)
        return store
    raise _bad_url(url, "not a store URL this package knows")


def _params(url: str, query: str, allowed: tuple[str, ...]) -> dict[str, str]:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise _bad_url(url, f"its query {query!r} is not name=value pairs") from None
    params: dict[str, str] = {}
    for name, value in pairs:
        if name not in allowed or name in params:
            problem = f"parameter {name!r} is {'repeated' if name in params else 'not known'}"
            raise _bad_url(url, problem, f"use only {', '.join(n + '=' for n in allowed)} in the query, once each.")
        params[name] = value
    return params


def _ttl(url: str, params: Mapping[str, str]) -> float:
    raw = params.get("ttl")
    if raw is None:
        return DEFAULT_TTL
    try:
        ttl = float(raw)
    except ValueError:
        ttl = math.nan
    if not (math.isfinite(ttl) and ttl > 0):
        raise _bad_url(
            url,
            f"ttl={raw!r} is not a positive number of seconds",
            "write ttl=SECONDS in the store URL, e.g. sqlite:///reasoning.db?ttl=86400 (one day).",
        )
    return ttl


def _parse_sqlite(url: str) -> tuple[Path, float, int]:
    parts = urlsplit(url)
    if parts.netloc:
        raise _bad_url(url, "a sqlite URL has no host (three slashes, then the path)")
    raw_path = parts.path[1:]  # "/rel/path" -> "rel/path", "//abs/path" -> "/abs/path" (SQLAlchemy's convention)
    if not raw_path or raw_path == ":memory:":
        raise _bad_url(
            url,
            "it names no file (an in-memory SQLite database is not durable)",
            "name a file, e.g. sqlite:///reasoning.db, or use 'memory' for reasoning kept in this process only.",
        )
    params = _params(url, parts.query, ("ttl", "max_bytes"))
    ttl = _ttl(url, params)
    raw_bytes = params.get("max_bytes")
    max_bytes = DEFAULT_MAX_BYTES
    if raw_bytes is not None:
        if not raw_bytes.isdigit() or int(raw_bytes) <= 0:
            raise _bad_url(
                url,
                f"max_bytes={raw_bytes!r} is not a positive whole number of bytes",
                "write max_bytes=N (bytes) in the store URL, e.g. sqlite:///reasoning.db?max_bytes=268435456.",
            )
        max_bytes = int(raw_bytes)
    path = Path(os.path.abspath(raw_path))
    if path.is_dir():
        raise _bad_url(url, f"{path} is a folder", "name a file inside it, e.g. sqlite:///reasoning.db.")
    if not path.parent.is_dir():
        tilde = " (~ is not expanded: write the absolute path)" if "~" in raw_path else ""
        raise _bad_url(
            url,
            f"the folder {path.parent} does not exist{tilde}",
            f"create the folder {path.parent} first, or point DEEPSEEK_REASONING_STORE / reasoning_store= at a file in "
            "an existing folder.",
        )
    return path, ttl, max_bytes


def _parse_redis(url: str) -> tuple[str, float]:
    parts = urlsplit(url)
    params = _params(url, parts.query, ("ttl",))
    ttl = _ttl(url, params)
    try:
        port = parts.port  # ValueError for a port that is not a number from 0 to 65535
    except ValueError:
        port = -1
    if not parts.hostname or port == -1:
        problem = "it names no host" if not parts.hostname else "its port is not a number from 0 to 65535"
        raise _bad_url(url, problem, "write redis://host:port/db, e.g. redis://127.0.0.1:6379/0.")
    db = parts.path.lstrip("/")
    if db and not db.isdigit():
        raise _bad_url(url, f"database {db!r} is not a number", "write the database as a number: redis://host:port/0.")
    try:
        import redis  # noqa: F401
    except ImportError:
        raise InvalidRequestError(
            f"Reasoning store {redact_url(url)!r} needs redis-py, which is not installed.",
            fix="pip install -e '.[redis]' in a checkout (from PyPI, once published: "
            "pip install 'deepseek-openai[redis]').",
        ) from None
    return urlunsplit(parts._replace(query="", fragment="")), ttl


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _encode(value: str) -> bytes:
    # surrogatepass: a stream can split a surrogate pair across chunks; the text comes back exactly as it went in.
    return value.encode("utf-8", "surrogatepass")


def _decode(value: bytes | str) -> str:
    return value if isinstance(value, str) else value.decode("utf-8", "surrogatepass")


# -- SQLite ------------------------------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reasoning (
    key TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL,
    size INTEGER NOT NULL,
    expires REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS reasoning_by_expiry ON reasoning (expires);
CREATE TABLE IF NOT EXISTS reasoning_total (id INTEGER PRIMARY KEY CHECK (id = 0), bytes INTEGER NOT NULL);
INSERT OR IGNORE INTO reasoning_total VALUES (0, 0);
CREATE TRIGGER IF NOT EXISTS reasoning_added AFTER INSERT ON reasoning
    BEGIN UPDATE reasoning_total SET bytes = bytes + new.size; END;
CREATE TRIGGER IF NOT EXISTS reasoning_removed AFTER DELETE ON reasoning
    BEGIN UPDATE reasoning_total SET bytes = bytes - old.size; END;
CREATE TRIGGER IF NOT EXISTS reasoning_resized AFTER UPDATE OF size ON reasoning
    BEGIN UPDATE reasoning_total SET bytes = bytes + new.size - old.size; END;
PRAGMA user_version = 1;
"""
# The merge rule (_memory.merged) in one statement: an absent key (or one whose row expired but is not pruned yet),
# or one holding the same value, takes the value; one holding a different value becomes ambiguous; expiry renews.
# (SET expressions read the row as it was before the update.)
_UPSERT = """
INSERT INTO reasoning (key, value, size, expires) VALUES (:key, :value, :size, :expires)
ON CONFLICT (key) DO UPDATE SET
    value = CASE WHEN expires <= :now OR value = excluded.value THEN excluded.value ELSE :ambiguous END,
    size = CASE WHEN expires <= :now OR value = excluded.value THEN excluded.size ELSE :ambiguous_size END,
    expires = excluded.expires
"""
_AMBIGUOUS = AMBIGUOUS_REASONING.encode("utf-8", "surrogatepass")
_PRUNE = (
    "DELETE FROM reasoning WHERE key IN "
    f"(SELECT key FROM reasoning WHERE expires <= ? ORDER BY expires LIMIT {_PRUNE_LIMIT})"
)


class SQLiteStore:
    """A reasoning store in one SQLite file, shared by the processes of a machine and surviving restarts.

    WAL mode, one connection per thread (a new one after a fork), writes in ``BEGIN IMMEDIATE`` transactions that
    wait at most ``busy_timeout`` seconds for a lock. Each write drops up to 100 expired rows, then the rows that
    expire first while the keys and reasoning stored exceed ``max_bytes`` (UTF-8 bytes).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        ttl: float = DEFAULT_TTL,
        max_bytes: int = DEFAULT_MAX_BYTES,
        busy_timeout: float = SQLITE_BUSY_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Open (creating with mode 0600 when missing) the store file at ``path``.

        Args:
            path: the database file; its folder must exist.
            ttl: seconds an entry lives after its last save.
            max_bytes: bound of the stored keys and reasoning, in UTF-8 bytes.
            busy_timeout: seconds to wait for a lock held by another connection.
            clock: wall-clock seconds (shared by every process using the file); tests pass their own.

        Raises:
            ReasoningStoreError: the file cannot be created, is not a SQLite database, or stays locked.
        """
        self.path = Path(os.path.abspath(path))
        self.ttl = float(ttl)
        self.max_bytes = int(max_bytes)
        self.busy_timeout = float(busy_timeout)
        self._clock = clock
        self._shown = "sqlite:///" + str(self.path)
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._conns: dict[int, sqlite3.Connection] = {}
        try:
            # Reasoning is the user's data: the file is created private; SQLite gives -wal/-shm the same mode.
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        except OSError as err:
            raise self._error(f"cannot open or create the file ({err.strerror})") from None
        self._setup()

    def __repr__(self) -> str:
        return f"SQLiteStore({self._shown!r}, ttl={self.ttl:g})"

    def _error(self, detail: str) -> ReasoningStoreError:
        return ReasoningStoreError(f"The reasoning store {self._shown} failed: {detail}.", fix=_STORE_FIX)

    def _setup(self) -> None:
        import sqlite3  # on use: creating a client (which imports this module) never loads sqlite3

        conn = self._conn()
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, 1):
                raise self._error(f"the file is a SQLite database of another kind (user_version {version})")
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            if version == 0:  # in one transaction, so processes opening a new file at once set it up once
                conn.executescript("BEGIN IMMEDIATE;" + _SCHEMA + "COMMIT;")
        except sqlite3.Error as err:
            conn.rollback()
            raise self._error(str(err)) from None

    def _conn(self) -> sqlite3.Connection:
        import sqlite3

        if self._pid != os.getpid():  # forked: the parent's connections (and lock) are not ours to use or close
            _INHERITED.append((self._lock, self._conns))
            self._pid, self._lock, self._conns = os.getpid(), threading.Lock(), {}
        thread = threading.get_ident()
        conn = self._conns.get(thread)
        if conn is None:
            try:
                # check_same_thread=False only so close() may close it; each thread uses only its own connection.
                conn = sqlite3.connect(
                    self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
                )
                conn.execute("PRAGMA synchronous=NORMAL")  # WAL: durable across crashes of the process
            except sqlite3.Error as err:
                raise self._error(str(err)) from None
            with self._lock:
                self._conns[thread] = conn
        return conn

    def get(self, keys: Sequence[str]) -> dict[str, str]:
        """Return the unexpired entries found for ``keys``.

        Raises:
            ReasoningStoreError: the database cannot be read.
        """
        import sqlite3

        wanted = list(dict.fromkeys(keys))
        found: dict[str, str] = {}
        if not wanted:
            return found
        now = self._clock()
        conn = self._conn()
        try:
            for chunk in _chunks(wanted, _SQL_CHUNK):
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT key, value FROM reasoning WHERE expires > ? AND key IN ({marks})"
                for key, value in conn.execute(sql, (now, *chunk)):
                    found[key] = _decode(value)
        except sqlite3.Error as err:
            raise self._error(str(err)) from None
        return found

    def put(self, entries: Mapping[str, str]) -> None:
        """Save ``entries`` by the merge rule, in one transaction.

        Raises:
            ReasoningStoreError: the database cannot be written (locked past the busy timeout, read-only, full).
        """
        import sqlite3

        if not entries:
            return
        now = self._clock()
        expires = now + self.ttl
        rows = []
        for key, value in entries.items():
            data = _encode(value)
            rows.append(
                {
                    "key": key,
                    "value": data,
                    "size": len(key) + len(data),
                    "expires": expires,
                    "now": now,
                    "ambiguous": _AMBIGUOUS,
                    "ambiguous_size": len(key) + len(_AMBIGUOUS),
                }
            )
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(_UPSERT, rows)
                conn.execute(_PRUNE, (now,))
                total = conn.execute("SELECT bytes FROM reasoning_total").fetchone()[0]
                if total > self.max_bytes:
                    self._evict(conn, total - self.max_bytes)
                conn.execute("COMMIT")
            except BaseException:
                conn.rollback()
                raise
        except sqlite3.Error as err:
            raise self._error(str(err)) from None

    @staticmethod
    def _evict(conn: sqlite3.Connection, excess: int) -> None:
        doomed: list[tuple[str]] = []
        freed = 0
        for key, size in conn.execute("SELECT key, size FROM reasoning ORDER BY expires, key"):
            doomed.append((key,))
            freed += size
            if freed >= excess:
                break
        conn.executemany("DELETE FROM reasoning WHERE key = ?", doomed)

    async def aget(self, keys: Sequence[str]) -> dict[str, str]:
        """Async twin of :meth:`get`: the file is read in a worker thread, so the event loop never waits on it."""
        return await asyncio.to_thread(self.get, list(keys))

    async def aput(self, entries: Mapping[str, str]) -> None:
        """Async twin of :meth:`put`: the file is written in a worker thread."""
        await asyncio.to_thread(self.put, dict(entries))

    def close(self) -> None:
        """Close this process's connections; a later call opens new ones."""
        if self._pid != os.getpid():
            return
        with self._lock:
            conns, self._conns = list(self._conns.values()), {}
        for conn in conns:
            conn.close()

    def __del__(self) -> None:
        # Python 3.13 warns about a connection collected unclosed: a store dropped without close() closes its own.
        with contextlib.suppress(Exception):  # nothing useful to do at garbage collection
            self.close()

    def stored_bytes(self) -> int:
        """Return the UTF-8 bytes of keys and reasoning held now (expired rows not yet dropped included)."""
        import sqlite3

        try:
            return int(self._conn().execute("SELECT bytes FROM reasoning_total").fetchone()[0])
        except sqlite3.Error as err:
            raise self._error(str(err)) from None


# -- Redis -------------------------------------------------------------------------------------------------------

# The merge rule (_memory.merged) for a whole batch in one script, so it runs atomically on the server. KEYS: the
# namespaced keys; ARGV: time to live (ms), the ambiguous marker, then one value per key. A key holding a value
# different from the one saved becomes ambiguous (and stays so); the same value, or an absent key, takes it.
_PUT_SCRIPT = """
local ttl = ARGV[1]
for i = 1, #KEYS do
    local value = ARGV[i + 2]
    local old = redis.call('GET', KEYS[i])
    if old and old ~= value then
        value = ARGV[2]
    end
    redis.call('SET', KEYS[i], value, 'PX', ttl)
end
return #KEYS
"""


class _LoopClient:
    """One ``redis.asyncio`` client and its put script, bound to one event loop."""

    __slots__ = ("client", "closer", "script")

    def __init__(self, client: Any, script: Any, closer: AsyncIterator[None]) -> None:
        self.client = client
        self.script = script
        self.closer = closer


class RedisStore:
    """A reasoning store on a Redis server, shared by every process and machine that reaches it.

    Entries expire ``ttl`` seconds after their last save (Redis ``PX``); the server's ``maxmemory`` and
    ``maxmemory-policy`` bound the rest (every key has a time to live, so ``volatile-ttl`` or ``volatile-lru``
    evicts them; with ``noeviction`` a full server makes saves fail). Sync calls share one connection pool
    (redis-py starts a new one in a forked child); async calls use one ``redis.asyncio`` client per event loop,
    closed when that loop shuts down (``asyncio.run`` does). Every wait is bounded by :data:`REDIS_TIMEOUT`.
    """

    def __init__(self, url: str, *, ttl: float = DEFAULT_TTL, timeout: float = REDIS_TIMEOUT) -> None:
        """Prepare a store on the server at ``url`` (nothing is sent until the first call).

        Args:
            url: ``redis://[[user]:password@]host:port/db`` or ``rediss://...``, without query parameters.
            ttl: seconds an entry lives after its last save.
            timeout: seconds to wait to connect and for each reply.

        Raises:
            InvalidRequestError: redis-py does not accept the URL.
        """
        import redis

        self.ttl = float(ttl)
        self.timeout = float(timeout)
        self._url = url  # may hold a password: never shown, only redact_url(url) is
        self._shown = redact_url(url)
        self._ttl_ms = max(1, round(self.ttl * 1000))
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._loops: dict[asyncio.AbstractEventLoop, _LoopClient] = {}
        try:
            self._client: Any = redis.Redis.from_url(url, **self._options(asynchronous=False))
        except ValueError as err:
            raise _bad_url(url, self._scrub(str(err))) from None
        self._script: Any = self._client.register_script(_PUT_SCRIPT)

    def __repr__(self) -> str:
        return f"RedisStore({self._shown!r}, ttl={self.ttl:g})"

    def _options(self, *, asynchronous: bool) -> dict[str, Any]:
        from redis.asyncio.retry import Retry as AsyncRetry
        from redis.backoff import NoBackoff
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.retry import Retry

        # One immediate retry on a dropped connection (a server restart leaves stale pooled connections); none
        # on a timeout, so an unreachable server costs one timeout, not several with backoff.
        kind: Any = AsyncRetry if asynchronous else Retry
        retry = kind(NoBackoff(), 1, supported_errors=(RedisConnectionError,))
        return {"socket_connect_timeout": self.timeout, "socket_timeout": self.timeout, "retry": retry}

    def _scrub(self, text: str) -> str:
        try:
            password = urlsplit(self._url).password
        except ValueError:
            password = None
        return text.replace(password, "***") if password else text

    def _error(self, err: BaseException) -> ReasoningStoreError:
        detail = self._scrub(f"{type(err).__name__}: {err}").rstrip(".")
        return ReasoningStoreError(f"The reasoning store {self._shown} failed: {detail}.", fix=_STORE_FIX)

    def _check_fork(self) -> None:
        if self._pid != os.getpid():  # forked: the parent's async clients belong to the parent's loops
            _INHERITED.append((self._lock, self._loops))
            self._pid, self._lock, self._loops = os.getpid(), threading.Lock(), {}

    def get(self, keys: Sequence[str]) -> dict[str, str]:
        """Return the unexpired entries found for ``keys``.

        Raises:
            ReasoningStoreError: the server is unreachable, times out or refuses.
        """
        import redis

        wanted = list(dict.fromkeys(keys))
        found: dict[str, str] = {}
        try:
            for chunk in _chunks(wanted, _SQL_CHUNK):
                values = self._client.mget([REDIS_KEY_PREFIX + key for key in chunk])
                found.update(
                    (key, _decode(value)) for key, value in zip(chunk, values, strict=True) if value is not None
                )
        except redis.RedisError as err:
            raise self._error(err) from None
        return found

    def put(self, entries: Mapping[str, str]) -> None:
        """Save ``entries`` by the merge rule (one atomic script per batch of up to 500 keys).

        Raises:
            ReasoningStoreError: the server is unreachable, times out, or refuses (e.g. out of memory).
        """
        import redis

        try:
            for keys, args in self._batches(entries):
                self._script(keys=keys, args=args)
        except redis.RedisError as err:
            raise self._error(err) from None

    def _batches(self, entries: Mapping[str, str]) -> Iterator[tuple[list[str], list[Any]]]:
        items = list(entries.items())
        for start in range(0, len(items), _SQL_CHUNK):
            batch = items[start : start + _SQL_CHUNK]
            keys = [REDIS_KEY_PREFIX + key for key, _ in batch]
            yield keys, [self._ttl_ms, _AMBIGUOUS, *(_encode(value) for _, value in batch)]

    async def _loop_client(self) -> _LoopClient:
        loop = asyncio.get_running_loop()
        self._check_fork()
        found = self._loops.get(loop)
        if found is not None:
            return found
        import redis.asyncio

        client = redis.asyncio.Redis.from_url(self._url, **self._options(asynchronous=True))
        closer = self._close_with_loop(loop, client)
        holder = _LoopClient(client, client.register_script(_PUT_SCRIPT), closer)
        with self._lock:
            for old in [old for old in self._loops if old.is_closed()]:  # a loop closed without shutting down
                del self._loops[old]
            self._loops[loop] = holder
        # Started once, the generator is one the loop closes at shutdown (asyncio.run calls shutdown_asyncgens):
        # its finally block then closes the client's connections on the loop they belong to.
        await closer.__anext__()
        return holder

    async def _close_with_loop(self, loop: asyncio.AbstractEventLoop, client: Any) -> AsyncIterator[None]:
        try:
            yield
        finally:
            with self._lock:
                if self._loops.get(loop) is not None and self._loops[loop].client is client:
                    del self._loops[loop]
            close = getattr(client, "aclose", None) or client.close  # aclose() since redis-py 5.0.1
            await close()

    async def aget(self, keys: Sequence[str]) -> dict[str, str]:
        """Async twin of :meth:`get`, on this event loop's ``redis.asyncio`` client."""
        import redis

        wanted = list(dict.fromkeys(keys))
        found: dict[str, str] = {}
        try:
            client = (await self._loop_client()).client
            for chunk in _chunks(wanted, _SQL_CHUNK):
                values = await client.mget([REDIS_KEY_PREFIX + key for key in chunk])
                found.update(
                    (key, _decode(value)) for key, value in zip(chunk, values, strict=True) if value is not None
                )
        except redis.RedisError as err:
            raise self._error(err) from None
        return found

    async def aput(self, entries: Mapping[str, str]) -> None:
        """Async twin of :meth:`put`, on this event loop's ``redis.asyncio`` client."""
        import redis

        try:
            script = (await self._loop_client()).script
            for keys, args in self._batches(entries):
                await script(keys=keys, args=args)
        except redis.RedisError as err:
            raise self._error(err) from None

    def close(self) -> None:
        """Close the sync connections (a later call opens new ones); async clients close with their loops."""
        self._check_fork()
        self._client.connection_pool.disconnect()
