"""What the tests share to drive a client and read what went out on the wire.

``Recorder``: a minimal loopback server (the ``recorder`` fixture of conftest.py) that records each request and
answers with the bytes a test queued, else one canned completion. The full DeepSeek double lives in
``deepseek_openai.testing``; the helpers below work with either.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import openai

from deepseek_openai.testing import FakeDeepSeek

TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}
WEATHER_TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}},
}
ASK = {"role": "user", "content": "go"}


def rebuilt(message: Any) -> dict[str, Any]:
    """The assistant turn as most OpenAI code keeps it: content and tool calls, no reasoning."""
    turn: dict[str, Any] = {"role": "assistant", "content": message.content}
    if message.tool_calls:
        turn["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.function.name, "arguments": c.function.arguments}}
            for c in message.tool_calls
        ]
    return turn


def tool_round(
    ds: FakeDeepSeek, client: openai.OpenAI, reasoning: str | None = "Call f.", **create: Any
) -> list[dict[str, Any]]:
    """Run one round that ends in a call of ``TOOL``; return the history as most code keeps it (no reasoning)."""
    ds.add_reply(reasoning=reasoning, tool_calls=[{"name": "f", "arguments": {}}])
    reply = client.chat.completions.create(model="deepseek-flash", messages=[ASK], tools=[TOOL], **create)  # type: ignore[list-item]
    call = reply.choices[0].message.tool_calls[0]  # type: ignore[index]
    return [ASK, rebuilt(reply.choices[0].message), {"role": "tool", "tool_call_id": call.id, "content": "done"}]


def sent_reasoning(ds: FakeDeepSeek, request: int = -1) -> list[str | None]:
    """The reasoning_content of each assistant turn of a request the double received."""
    return assistant_reasoning(ds.requests[request].json)


def assistant_reasoning(body: Any) -> list[str | None]:
    """The reasoning_content of each assistant turn of a sent chat body."""
    return [m.get("reasoning_content") for m in body["messages"] if m["role"] == "assistant"]


# -- A canned loopback server -----------------------------------------------------------------------------------------

CANNED = {
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
    """One request the server received (header names lower-cased; the body parsed as JSON)."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any


@dataclass
class Recorder:
    """The server's state: what it received, and the replies queued for the next POSTs."""

    base_url: str = ""
    seen: list[Seen] = field(default_factory=list)
    queue: list[tuple[str, bytes, str]] = field(default_factory=list)

    @property
    def last(self) -> Seen:
        return self.seen[-1]

    def reply(self, body: bytes, ctype: str = "application/json", encoding: str = "") -> None:
        """Answer the next POST with ``body`` (gzip- or deflate-encoded on the wire when ``encoding`` says so)."""
        if encoding == "gzip":
            body = gzip.compress(body)
        elif encoding == "deflate":
            body = zlib.compress(body)
        self.queue.append((ctype, body, encoding))

    def sent_reasoning(self) -> list[str | None]:
        """The reasoning_content of each assistant turn of the last request."""
        return assistant_reasoning(self.last.json)


@contextlib.contextmanager
def serving() -> Iterator[Recorder]:
    """Run a :class:`Recorder` on 127.0.0.1 (a free port) until the block ends."""
    rec = Recorder()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, body: bytes, ctype: str, encoding: str = "") -> None:
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            if encoding:
                self.send_header("Content-Encoding", encoding)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _record(self, data: Any) -> None:
            rec.seen.append(Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, data))

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            data = json.loads(raw) if raw else None
            self._record(data)
            if rec.queue:
                ctype, body, encoding = rec.queue.pop(0)
                self._answer(body, ctype, encoding)
            elif isinstance(data, dict) and data.get("stream"):
                self._answer(_STREAM, "text/event-stream")
            else:
                self._answer(json.dumps(CANNED).encode(), "application/json")

        def do_GET(self) -> None:
            self._record(None)
            self._answer(b'{"object":"list","data":[]}', "application/json")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with loopback(Handler) as rec.base_url:
        yield rec


@contextlib.contextmanager
def loopback(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on 127.0.0.1 (a free port) in a thread until the block ends; yield its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
