"""A lean HTTP/1.1 path for batch requests: request bytes in, status, headers and body bytes out.

The SDK builds typed requests and httpx/httpcore check every pooled connection on each request: together about
2.5 ms of CPU a request, which caps one process far below an account's concurrency at short latencies. A batch line
needs none of that: its body is JSON bytes and its answer is a status, two headers and a body. This module sends
them over a keep-alive pool of asyncio connections (TLS from the same context the SDK's clients use).

It is used only when it sends exactly what the SDK path sends (see :func:`fast_sender`): the key and base URL the
package resolved, no proxy set in the environment, and a body the request hook would leave as it is.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import zlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies

__all__ = ["FastReply", "FastSender", "HttpFailure", "HttpTimeout", "fast_sender"]

_MAX_HEAD = 64 * 1024  # a reply head longer than this is not an HTTP server we talk to


class HttpFailure(Exception):
    """No HTTP answer: the connection failed, was reset or closed mid-reply, or the reply was not HTTP."""


class HttpTimeout(HttpFailure):
    """No byte arrived for the read timeout (or the connection took longer than the connect timeout)."""


class FastReply:
    """One HTTP answer: ``status_code``, ``headers`` (lower-case names) and the body bytes (``content``)."""

    __slots__ = ("content", "headers", "status_code")

    def __init__(self, status_code: int, headers: dict[str, str], content: bytes) -> None:
        self.status_code, self.headers, self.content = status_code, headers, content

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (bad bytes replaced)."""
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        """Return the body parsed as JSON.

        Raises:
            ValueError: the body is not JSON.
        """
        return json.loads(self.content)

    def error_message(self) -> str:
        """Return the SDK's text for a status error: ``Error code: N - <error.message>`` (or the body's text)."""
        shown = f"Error code: {self.status_code}"
        try:
            body = self.json()
        except ValueError:
            text = self.text.strip()
            return f"{shown} - {text[:500]}" if text else shown
        error = body.get("error", body) if isinstance(body, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
        return f"{shown} - {message}" if isinstance(message, str) and message else shown

    def __repr__(self) -> str:
        return f"FastReply(status_code={self.status_code}, {len(self.content)} bytes)"


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: writes a request, parses the reply as it arrives, resolves a future with it."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[FastReply] | None = None
        self.closed = False
        self.received = False  # any byte of the current reply
        self.last = 0.0
        self.timer: asyncio.TimerHandle | None = None
        self.read_timeout: float | None = None
        self._reset()

    def _reset(self) -> None:
        self.buf = bytearray()
        self.status = 0
        self.headers: dict[str, str] = {}
        self.mode = ""  # "" head, "length", "chunked", "close"
        self.need = 0
        self.parts: list[bytes] = []
        self.keep = True

    # -- asyncio.Protocol ----------------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if self.waiter is None or self.waiter.done():
            self.abort()  # bytes nobody asked for: the connection is not in a state we know
            return
        self.received = True
        self.last = self.loop.time()
        self.buf += data
        try:
            self._parse()
        except (ValueError, IndexError) as exc:
            self._fail(HttpFailure(f"the reply is not valid HTTP/1.1 ({exc})"))
            self.abort()

    def eof_received(self) -> bool:
        self._lost("the server closed the connection")
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost(f"the connection was lost ({type(exc).__name__}: {exc})" if exc else "the connection closed")

    # -- one exchange --------------------------------------------------------------------------------------------

    def request(self, data: bytes, read_timeout: float | None) -> asyncio.Future[FastReply]:
        assert self.transport is not None
        self._reset()
        self.received = False
        self.waiter = self.loop.create_future()
        self.read_timeout = read_timeout
        self.last = self.loop.time()
        if read_timeout is not None:
            self.timer = self.loop.call_at(self.last + read_timeout, self._check_timeout)
        self.transport.write(data)
        return self.waiter

    def done_with(self) -> None:
        """Stop the read timer after an exchange (whatever its outcome)."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.waiter = None

    def _check_timeout(self) -> None:
        # The read timeout is per silence, as httpx's: a long generation that keeps sending is not cut.
        self.timer = None
        if self.waiter is None or self.waiter.done() or self.read_timeout is None:
            return
        due = self.last + self.read_timeout
        if self.loop.time() < due:
            self.timer = self.loop.call_at(due, self._check_timeout)
            return
        self._fail(HttpTimeout(f"no answer for {self.read_timeout:g} s (read timeout)"))
        self.abort()

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def _fail(self, exc: HttpFailure) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)

    def _lost(self, why: str) -> None:
        self.closed = True
        if self.waiter is None or self.waiter.done():
            return
        if self.mode == "close":  # a body delimited by the end of the connection
            self._finish(bytes(self.buf))
        else:
            self._fail(HttpFailure(why + (" mid-reply" if self.received else " before any answer")))

    # -- parsing -------------------------------------------------------------------------------------------------

    def _parse(self) -> None:
        while True:
            if not self.mode:
                end = self.buf.find(b"\r\n\r\n")
                if end < 0:
                    if len(self.buf) > _MAX_HEAD:
                        raise ValueError("the reply head is too long")
                    return
                head, self.buf = bytes(self.buf[:end]).decode("latin-1"), self.buf[end + 4 :]
                if not self._head(head):
                    continue  # a 1xx interim answer: the real one follows
            if self.mode == "length":
                if len(self.buf) < self.need:
                    return
                if len(self.buf) > self.need:
                    self.keep = False  # more bytes than announced: do not trust the connection again
                self._finish(bytes(self.buf[: self.need]))
                return
            if self.mode == "chunked":
                self._chunks()
            return  # "close": wait for the end of the connection

    def _head(self, head: str) -> bool:
        lines = head.split("\r\n")
        version, _, rest = lines[0].partition(" ")
        if not version.startswith("HTTP/1."):
            raise ValueError(f"status line {lines[0][:80]!r}")
        self.status = int(rest[:3])
        if 100 <= self.status < 200:
            return False
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                raise ValueError(f"header line {line[:80]!r}")
            key = name.strip().lower()
            value = value.strip()
            headers[key] = f"{headers[key]}, {value}" if key in headers and key != "content-length" else value
        self.headers = headers
        connection = headers.get("connection", "").lower()
        self.keep = "close" not in connection and (version != "HTTP/1.0" or "keep-alive" in connection)
        if self.status in (204, 304):
            self.mode, self.need = "length", 0
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            self.mode = "chunked"
        elif "content-length" in headers:
            self.mode, self.need = "length", int(headers["content-length"])
            if self.need < 0:
                raise ValueError("negative Content-Length")
        else:
            self.mode, self.keep = "close", False
        return True

    def _chunks(self) -> bool:
        # Returns True when it needs more bytes; finishes the reply when the last chunk and trailers are in.
        while True:
            if self.need < 0:  # after the last chunk: trailers up to an empty line
                end = self.buf.find(b"\r\n")
                if end < 0:
                    return True
                line, self.buf = self.buf[:end], self.buf[end + 2 :]
                if not line:
                    self._finish(b"".join(self.parts))
                    return False
                continue
            end = self.buf.find(b"\r\n")
            if end < 0:
                if len(self.buf) > _MAX_HEAD:
                    raise ValueError("a chunk size line is too long")
                return True
            size = int(bytes(self.buf[:end]).split(b";")[0].strip(), 16)
            if size == 0:
                self.buf = self.buf[end + 2 :]
                self.need = -1
                continue
            if len(self.buf) < end + 2 + size + 2:
                return True
            self.parts.append(bytes(self.buf[end + 2 : end + 2 + size]))
            self.buf = self.buf[end + 2 + size + 2 :]

    def _finish(self, body: bytes) -> None:
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        encoding = self.headers.get("content-encoding", "identity").lower()
        try:
            if encoding in ("gzip", "x-gzip"):
                body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
            elif encoding == "deflate":
                body = zlib.decompress(body)
        except zlib.error as exc:
            waiter.set_exception(HttpFailure(f"the {encoding} body cannot be decoded ({exc})"))
            self.abort()
            return
        if not self.keep:
            self.closed = True
        self.mode = "done"
        waiter.set_result(FastReply(self.status, self.headers, body))


class FastSender:
    """POSTs request bytes to ``<base_url>/chat/completions`` over a keep-alive connection pool.

    Args:
        base_url: the resolved DeepSeek base URL (``http`` or ``https``).
        api_key: the resolved DeepSeek key; it is written into the request head and nowhere else.
        client: the SDK client made from the same key and base URL: lines whose body the request hook would
            rewrite are sent through it.
        connect_timeout: seconds for the TCP/TLS connection (``None``: no limit).
        read_timeout: seconds of silence while waiting for a reply (``None``: no limit).
        pool_size: connections kept open between requests (the job's concurrency).
        user_agent: the ``User-Agent`` header.
        ssl_context: the TLS context for ``https`` (default: the one the SDK's clients share).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        client: Any,
        *,
        connect_timeout: float | None,
        read_timeout: float | None,
        pool_size: int,
        user_agent: str = "deepseek-openai",
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("the base URL is not http(s)://host/...")
        self.client = client
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.tls: ssl.SSLContext | None = None
        if parts.scheme == "https":
            if ssl_context is None:
                from .._compat._hook import shared_ssl_context

                ssl_context = shared_ssl_context()
            self.tls = ssl_context
        default = 443 if parts.scheme == "https" else 80
        shown_host = f"[{self.host}]" if ":" in self.host else self.host
        host_header = shown_host if self.port == default else f"{shown_host}:{self.port}"
        path = parts.path.rstrip("/") + "/chat/completions"
        self._head = (
            f"POST {path} HTTP/1.1\r\nHost: {host_header}\r\nAuthorization: Bearer {api_key}\r\n"
            f"Content-Type: application/json\r\nAccept: application/json\r\nAccept-Encoding: identity\r\n"
            f"User-Agent: {user_agent}\r\nContent-Length: "
        ).encode("latin-1")
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self.pool_size = max(1, pool_size)
        self._idle: list[_Connection] = []
        self._open: set[_Connection] = set()
        self.connections_made = 0

    def __repr__(self) -> str:
        return f"FastSender({self.host}:{self.port}, {len(self._open)} connections)"  # never the key

    @staticmethod
    def encode(body: Mapping[str, Any]) -> bytes | None:
        """Return the body as the SDK serialises it (compact UTF-8 JSON), or ``None`` when it must take the SDK path.

        ``None``: the request hook might rewrite it (a legacy model name, a parameter it adapts:
        ``_compat._gate.may_need``), or it cannot be serialised (the SDK path then gives the line its error row).
        """
        from .._compat._gate import may_need

        try:
            content = json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
        except (TypeError, ValueError):
            return None
        return None if may_need(content, "chat") else content

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        where = f"{self.host}:{self.port}"
        try:
            opening = loop.create_connection(
                lambda: _Connection(loop),
                self.host,
                self.port,
                ssl=self.tls,
                server_hostname=self.host if self.tls else None,
            )
            _, conn = await asyncio.wait_for(opening, self.connect_timeout)
        except asyncio.TimeoutError:
            raise HttpTimeout(f"could not connect to {where} within {self.connect_timeout:g} s") from None
        except (OSError, ssl.SSLError) as exc:
            raise HttpFailure(f"could not connect to {where} ({type(exc).__name__}: {exc})") from None
        self.connections_made += 1
        self._open.add(conn)
        return conn

    async def post(self, content: bytes) -> FastReply:
        """Send one request; return its answer, whatever the status.

        Raises:
            HttpFailure: no HTTP answer (connection refused, reset, closed mid-reply, not HTTP).
            HttpTimeout: no byte for the read timeout, or no connection within the connect timeout.
        """
        data = self._head + str(len(content)).encode() + b"\r\n\r\n" + content
        while self._idle:
            conn = self._idle.pop()
            if conn.closed or conn.transport is None or conn.transport.is_closing():
                self._open.discard(conn)
                continue
            try:
                return await self._exchange(conn, data)
            except HttpTimeout:
                raise
            except HttpFailure:
                if conn.received:
                    raise
                # A kept-alive connection the server closed just as we reused it: once more on a new one.
                break
        return await self._exchange(await self._connect(), data)

    async def _exchange(self, conn: _Connection, data: bytes) -> FastReply:
        ok = False
        try:
            reply = await conn.request(data, self.read_timeout)
            ok = True
            return reply
        finally:
            conn.done_with()
            if ok and not conn.closed and len(self._idle) < self.pool_size:
                self._idle.append(conn)
            else:
                conn.abort()
                self._open.discard(conn)

    async def aclose(self) -> None:
        """Close every connection."""
        for conn in list(self._open):
            conn.abort()
        self._open.clear()
        self._idle.clear()
        await asyncio.sleep(0)


def _seconds(value: Any, part: str) -> float | None:
    if value is None or isinstance(value, (int, float)):
        return None if value is None else float(value)
    got = getattr(value, part, None)
    return None if got is None else float(got)


def fast_sender(client: Any, pool_size: int) -> FastSender | None:
    """Return a :class:`FastSender` for a batch client built by the package, or ``None`` to keep the SDK path.

    ``None`` when the fast path could send something other than what the SDK path sends: a proxy is set in the
    environment (httpx honours ``HTTP(S)_PROXY`` / ``ALL_PROXY``), the key is not a plain string, the base URL is
    not ``http(s)``, or the request hook would refuse the destination (it then refuses each line on the SDK path).

    Args:
        client: an ``AsyncOpenAI`` from ``create_async_client`` (key and base URL resolved by the package).
        pool_size: connections to keep open (the job's concurrency).
    """
    from .._compat._openai_env import check_destination

    proxies = {k: v for k, v in getproxies().items() if k != "no" and v}
    key, base = client.api_key, str(client.base_url)
    if proxies or not isinstance(key, str) or not key:
        return None
    try:
        from .._httpx import http_module

        check_destination(http_module().URL(base), {"authorization": f"Bearer {key}"}, own_client=False)
        timeout = client.timeout
        version = getattr(client, "user_agent", "") or "deepseek-openai"
        return FastSender(
            base,
            key,
            client,
            connect_timeout=_seconds(timeout, "connect"),
            read_timeout=_seconds(timeout, "read"),
            pool_size=pool_size,
            user_agent=version,
        )
    except Exception:  # noqa: BLE001 - anything the fast path cannot take goes the SDK's way, which reports it
        return None
