"""Shared fixtures: every test starts with a clean environment, in an empty folder, with warnings reset."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from deepseek_openai import _hook

_PREFIXES = ("DEEPSEEK_", "OPENAI_", "PYTHON_DOTENV")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Remove DEEPSEEK_* / OPENAI_* variables, run in tmp_path, and forget which warnings were shown."""
    for name in list(os.environ):
        if name.startswith(_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    _hook._WARNED.clear()
    yield
    _hook._WARNED.clear()


# A minimal recording server for the factory tests: it answers every POST with one canned chat completion and
# every GET with an empty list. The full DeepSeek double lives in deepseek_openai.testing.
_CANNED = {
    "id": "rec-1",
    "object": "chat.completion",
    "created": 1,
    "model": "deepseek-flash",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}
_STREAM = (
    b'data: {"id":"rec-1","object":"chat.completion.chunk","created":1,"model":"deepseek-flash",'
    b'"choices":[{"index":0,"delta":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}\n\n'
    b"data: [DONE]\n\n"
)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    json: Any


@dataclass
class Recorder:
    base_url: str
    seen: list[Seen] = field(default_factory=list)

    @property
    def last(self) -> Seen:
        return self.seen[-1]


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    """A loopback HTTP server that records each request (headers lower-cased) and answers a canned completion."""
    rec = Recorder("")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, body: bytes, ctype: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            data = json.loads(raw) if raw else None
            rec.seen.append(Seen("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, data))
            if isinstance(data, dict) and data.get("stream"):
                self._answer(_STREAM, "text/event-stream")
            else:
                self._answer(json.dumps(_CANNED).encode(), "application/json")

        def do_GET(self) -> None:
            rec.seen.append(Seen("GET", self.path, {k.lower(): v for k, v in self.headers.items()}, None))
            self._answer(b'{"object":"list","data":[]}', "application/json")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    rec.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
