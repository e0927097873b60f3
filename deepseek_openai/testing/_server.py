"""HTTP/1.1 plumbing for the double: a threaded stdlib server that can stop at once and leaves nothing behind.

Two stdlib defaults would hurt: ``http.server`` writes headers and body in separate sends, which with Nagle's
algorithm and delayed ACKs stalls each request ~40 ms on loopback (we set ``TCP_NODELAY`` and write each
response in one send), and a listen backlog of 5 refuses bursts of concurrent connections (we use 128).
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import socketserver
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Handler", "Server"]

_HOLD_POLL = 0.02  # seconds between checks of a held connection: how soon a client hanging up is noticed


def _status_line(status: int) -> bytes:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    return f"HTTP/1.1 {status} {phrase}\r\n".encode()


def _head(status: int, headers: Iterable[tuple[str, str]]) -> bytes:
    lines = b"".join(f"{name}: {value}\r\n".encode("latin-1") for name, value in headers)
    return _status_line(status) + lines + b"\r\n"


class Handler(BaseHTTPRequestHandler):
    """One keep-alive connection; every method is passed to the server's ``app`` callable."""

    protocol_version = "HTTP/1.1"
    server_version = "FakeDeepSeek"

    sent = False
    """Whether any byte of the current response has been written."""

    def _dispatch(self) -> None:
        server = self.server
        assert isinstance(server, Server)
        self.sent = False
        server.app(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        """Stay silent: request lines and headers never reach stderr (and so no key does)."""

    def read_body(self) -> bytes:
        """Read the request body (``Content-Length`` or chunked)."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(parts)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_all(self, status: int, headers: Iterable[tuple[str, str]], body: bytes = b"") -> None:
        """Write a complete response (status, headers and body) in one send."""
        head = _head(status, [*headers, ("Content-Length", str(len(body)))])
        self.write(head + body)

    def send_head(self, status: int, headers: Iterable[tuple[str, str]]) -> None:
        """Write only status and headers; the caller sends the body (chunks or a declared length)."""
        self.write(_head(status, headers))

    def send_chunk(self, data: bytes) -> None:
        """Write one piece of a ``Transfer-Encoding: chunked`` body (empty ``data`` ends the body)."""
        self.write(b"%x\r\n%s\r\n" % (len(data), data))

    def write(self, data: bytes) -> None:
        """Write raw bytes to the client."""
        self.sent = True
        self.wfile.write(data)

    def hold(self, wait: Callable[[float], bool]) -> None:
        """Send nothing more until the client hangs up or ``wait(seconds)`` returns ``False``; then :meth:`drop`."""
        with selectors.DefaultSelector() as selector:  # not select.select: it fails on descriptors above 1023
            selector.register(self.connection, selectors.EVENT_READ)
            while wait(_HOLD_POLL):
                if selector.select(0) and self._peer_closed():
                    break
        self.drop()

    def _peer_closed(self) -> bool:
        try:
            # Readable with nothing to read means the client closed its end (a reset raises instead).
            peeked: bytes = self.connection.recv(1, socket.MSG_PEEK)
        except OSError:
            return True
        return not peeked

    def drop(self) -> None:
        """Close the connection now, mid-response if need be (the client sees a broken body)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class Server(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` on daemon threads that tracks its connections, so ``stop()`` can end them all."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, port: int, app: Callable[[Handler], None]) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._workers: set[threading.Thread] = set()
        self._acceptor: threading.Thread | None = None
        super().__init__(("127.0.0.1", port), Handler)
        self._wake_r, self._wake_w = socket.socketpair()  # wakes the accept loop on stop()

    def server_bind(self) -> None:
        """Bind without ``HTTPServer``'s reverse DNS lookup of the host name (it can take seconds)."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept a connection with Nagle's algorithm off, and remember it."""
        conn, address = self.socket.accept()
        conn.setblocking(True)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._connections.add(conn)
        return conn, address

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the connection on a tracked daemon thread."""
        worker = threading.Thread(
            target=self._work, args=(request, client_address), name="FakeDeepSeek-connection", daemon=True
        )
        with self._lock:
            self._workers.add(worker)
        worker.start()

    def _work(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._lock:
                self._workers.discard(threading.current_thread())

    def shutdown_request(self, request: Any) -> None:
        """Forget and close a finished connection."""
        with self._lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay silent: a client hanging up mid-reply is normal for a test double."""

    def start(self) -> None:
        """Start accepting on a background daemon thread."""
        self._acceptor = threading.Thread(target=self._accept_loop, name="FakeDeepSeek-accept", daemon=True)
        self._acceptor.start()

    def _accept_loop(self) -> None:
        self.socket.setblocking(False)
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while True:
                for key, _ in selector.select():
                    if key.fileobj is self._wake_r:
                        return
                    try:
                        request, address = self.get_request()
                    except OSError:
                        continue
                    self.process_request(request, address)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, cut every open connection and wait for every thread to end."""
        self._wake_w.send(b"x")
        if self._acceptor is not None:
            self._acceptor.join(timeout)
        self.server_close()
        with self._lock:
            connections, workers = list(self._connections), list(self._workers)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for worker in workers:
            worker.join(timeout)
        self._wake_r.close()
        self._wake_w.close()
