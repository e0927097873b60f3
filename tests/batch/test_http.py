"""The batch runner's bytes-level HTTP path (issue 19 item 11): replies of every shape, failures, timeouts, keep-alive,
isolation from the user's OpenAI set-up, and the SDK path kept where it matters (proxies, rewrites, own clients).

Raw replies come from a small asyncio server on loopback that answers each request with scripted bytes; the rest
runs ``run_batch`` against the double.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import random
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from deepseek_openai import arun_batch, create_async_client, run_batch
from deepseek_openai._usage import cost
from deepseek_openai.batch._budget import price
from deepseek_openai.batch._http import FastReply, FastSender, HttpFailure, HttpTimeout, fast_sender
from deepseek_openai.batch._limit import AdaptiveLimit
from deepseek_openai.testing import FakeDeepSeek

KEY = "sk-test-fastpath-0123456789abcdef"
REPLY = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1_790_000_000,
    "model": "deepseek-flash",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
}
BODY = json.dumps(REPLY).encode()

Answer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Raw:
    """A loopback server that reads each request and answers with ``answer`` (scripted per test)."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.connections = 0
        self.requests: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(next(x for x in head.split(b"\r\n") if x.lower().startswith(b"content-length:"))[15:])
                self.requests.append(head + await reader.readexactly(length))
                await self.answer(reader, writer)
                if writer.is_closing():
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def raw() -> AsyncIterator[Callable[[Answer], Awaitable[tuple[Raw, str]]]]:
    servers: list[asyncio.AbstractServer] = []

    async def start(answer: Answer) -> tuple[Raw, str]:
        state = Raw(answer)
        server = await asyncio.start_server(state.handle, "127.0.0.1", 0)
        servers.append(server)
        port = server.sockets[0].getsockname()[1]
        return state, f"http://127.0.0.1:{port}/v1"

    yield start
    for server in servers:
        server.close()


def sender(url: str, *, read_timeout: float | None = 5.0) -> FastSender:
    return FastSender(url, KEY, None, connect_timeout=5.0, read_timeout=read_timeout, pool_size=4)


def reply_with(data: bytes) -> Answer:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(data)
        await writer.drain()

    return answer


def length_reply(status: int, body: bytes, *headers: str) -> bytes:
    extra = "".join(f"{h}\r\n" for h in headers)
    return f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode() + body


# -- replies of every shape --------------------------------------------------------------------------------------


async def test_a_content_length_reply_and_the_request_sent(raw: Any) -> None:
    server, url = await raw(reply_with(length_reply(200, BODY, "X-Request-Id: rid-1")))
    fast = sender(url)
    got = await fast.post(b'{"model":"deepseek-flash"}')
    assert (got.status_code, got.headers["x-request-id"], got.json()) == (200, "rid-1", REPLY)
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /v1/chat/completions HTTP/1.1" and body == b'{"model":"deepseek-flash"}'
    assert f"Authorization: Bearer {KEY}" in lines and "Accept-Encoding: identity" in lines
    assert KEY not in repr(fast) and KEY not in repr(got)
    await fast.aclose()


async def test_a_chunked_reply_with_extensions_and_trailers(raw: Any) -> None:
    half = len(BODY) // 2
    data = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"%x;ext=1\r\n%s\r\n" % (half, BODY[:half])
        + b"%x\r\n%s\r\n" % (len(BODY) - half, BODY[half:])
        + b"0\r\nX-Trailer: t\r\n\r\n"
    )

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for i in range(0, len(data), 7):  # in small pieces: the parser must wait for each part
            writer.write(data[i : i + 7])
            await writer.drain()

    server, url = await raw(answer)
    fast = sender(url)
    assert (await fast.post(b"{}")).json() == REPLY
    assert (await fast.post(b"{}")).json() == REPLY  # the connection is reusable after a chunked body
    assert server.connections == 1
    await fast.aclose()


async def test_a_gzip_body_is_decoded_and_a_100_continue_skipped(raw: Any) -> None:
    packed = gzip.compress(BODY)
    _, url = await raw(
        reply_with(b"HTTP/1.1 100 Continue\r\n\r\n" + length_reply(200, packed, "Content-Encoding: gzip"))
    )
    fast = sender(url)
    assert (await fast.post(b"{}")).json() == REPLY
    await fast.aclose()


async def test_a_body_delimited_by_closing_the_connection(raw: Any) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.0 200 OK\r\n\r\n" + BODY)
        await writer.drain()
        writer.close()

    server, url = await raw(answer)
    fast = sender(url)
    assert (await fast.post(b"{}")).json() == REPLY
    assert (await fast.post(b"{}")).json() == REPLY
    assert server.connections == 2  # not reused: the body's end was the connection's
    await fast.aclose()


@pytest.mark.parametrize("status", [400, 402, 429, 500, 503])
async def test_error_statuses_come_back_with_their_body_and_headers(raw: Any, status: int) -> None:
    error = json.dumps({"error": {"message": "nope", "type": "x"}}).encode()
    _, url = await raw(reply_with(length_reply(status, error, "Retry-After: 2", "x-request-id: r9")))
    fast = sender(url)
    got = await fast.post(b"{}")
    assert (got.status_code, got.headers["retry-after"], got.headers["x-request-id"]) == (status, "2", "r9")
    assert got.error_message() == f"Error code: {status} - nope"
    await fast.aclose()


def test_a_reply_that_is_not_json_says_so() -> None:
    got = FastReply(200, {}, b"<html>502</html>")
    with pytest.raises(ValueError):
        got.json()
    assert got.text == "<html>502</html>" and got.error_message() == "Error code: 200 - <html>502</html>"


# -- failures ----------------------------------------------------------------------------------------------------


async def test_a_reset_before_any_answer_is_a_connection_failure(raw: Any) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.transport.abort()

    _, url = await raw(answer)
    fast = sender(url)
    with pytest.raises(HttpFailure, match="before any answer") as caught:
        await fast.post(b"{}")
    assert KEY not in str(caught.value)
    await fast.aclose()


async def test_a_body_cut_short_is_a_connection_failure(raw: Any) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(length_reply(200, BODY)[:-10])
        await writer.drain()
        writer.close()

    _, url = await raw(answer)
    fast = sender(url)
    with pytest.raises(HttpFailure, match="mid-reply"):
        await fast.post(b"{}")
    await fast.aclose()


async def test_a_stalled_reply_hits_the_read_timeout_and_the_connection_is_dropped(raw: Any) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{")  # then nothing
        await writer.drain()
        await reader.read()  # until the client hangs up

    server, url = await raw(answer)
    fast = sender(url, read_timeout=0.2)
    with pytest.raises(HttpTimeout, match="read timeout"):
        await fast.post(b"{}")
    with pytest.raises(HttpTimeout):
        await fast.post(b"{}")
    assert server.connections == 2  # a timed-out connection is never reused


async def test_nothing_listening_is_a_connection_failure() -> None:
    fast = sender("http://127.0.0.1:1/v1")
    with pytest.raises(HttpFailure, match=r"could not connect to 127\.0\.0\.1:1 "):
        await fast.post(b"{}")


async def test_garbage_instead_of_http_is_a_failure(raw: Any) -> None:
    _, url = await raw(reply_with(b"SSH-2.0-OpenSSH\r\n\r\n"))
    fast = sender(url)
    with pytest.raises(HttpFailure, match="not valid HTTP"):
        await fast.post(b"{}")
    await fast.aclose()


async def test_keep_alive_reuses_connections_and_replaces_one_the_server_closed(raw: Any) -> None:
    served = 0

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal served
        served += 1
        closing = served == 3
        writer.write(length_reply(200, BODY, *(["Connection: close"] if closing else [])))
        await writer.drain()
        if closing:
            writer.close()

    server, url = await raw(answer)
    fast = sender(url)
    for _ in range(6):
        assert (await fast.post(b"{}")).status_code == 200
    assert server.connections == 2 and fast.connections_made == 2
    await fast.aclose()


# -- through run_batch -------------------------------------------------------------------------------------------


def write_lines(path: Path, bodies: list[dict[str, Any]]) -> Path:
    items = [
        {"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions", "body": b} for i, b in enumerate(bodies)
    ]
    path.write_text("".join(json.dumps(x) + "\n" for x in items))
    return path


def plain(n: int) -> list[dict[str, Any]]:
    return [{"model": "deepseek-flash", "messages": [{"role": "user", "content": f"q{i} é"}]} for i in range(n)]


def counting(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    sent: list[bytes] = []
    original = FastSender.post

    async def post(self: FastSender, content: bytes) -> FastReply:
        sent.append(content)
        return await original(self, content)

    monkeypatch.setattr(FastSender, "post", post)
    return sent


def test_run_batch_takes_the_fast_path_and_sends_the_bodies_the_sdk_would(
    ds: FakeDeepSeek, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = counting(monkeypatch)
    bodies = plain(6)
    summary = run_batch(
        write_lines(tmp_path / "in.jsonl", bodies),
        tmp_path / "out.jsonl",
        api_key=ds.api_key,
        base_url=ds.base_url,
        concurrency=2,
    )
    assert summary.ok == 6 and len(sent) == 6
    assert sorted(r.json["messages"][0]["content"] for r in ds.requests) == sorted(
        b["messages"][0]["content"] for b in bodies
    )
    fast = {r.json["messages"][0]["content"]: r.body for r in ds.requests}

    async def through_sdk() -> None:
        async with create_async_client(ds.api_key, base_url=ds.base_url) as client:
            await client.post("/chat/completions", body=bodies[0], cast_to=object)

    ds.reset()
    asyncio.run(through_sdk())
    assert json.loads(fast[bodies[0]["messages"][0]["content"]]) == ds.requests[0].json


def test_a_body_the_hook_rewrites_still_goes_through_the_sdk(
    ds: FakeDeepSeek, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = counting(monkeypatch)
    bodies = [{"model": "deepseek-flash", "messages": [{"role": "developer", "content": "be brief"}]}, *plain(2)]
    summary = run_batch(
        write_lines(tmp_path / "in.jsonl", bodies), tmp_path / "out.jsonl", api_key=ds.api_key, base_url=ds.base_url
    )
    assert summary.ok == 3 and len(sent) == 2  # the developer line took the SDK path
    rewritten = [r.json for r in ds.requests if r.json["messages"][0]["content"] == "be brief"]
    assert rewritten[0]["messages"][0]["role"] == "system"  # the hook's rewrite, as through create_client()


OPENAI_ENV = {
    "OPENAI_API_KEY": "sk-openai-should-never-leave",
    "OPENAI_ORG_ID": "org-leak",
    "OPENAI_PROJECT_ID": "proj-leak",
    "OPENAI_ADMIN_KEY": "sk-admin-should-never-leave",
    "OPENAI_CUSTOM_HEADERS": "X-Leak: custom\nAuthorization: Bearer sk-custom-should-never-leave",
    "OPENAI_BASE_URL": "http://127.0.0.1:1/v1",
}


def test_nothing_of_the_openai_environment_reaches_deepseek(
    ds: FakeDeepSeek, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in OPENAI_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DEEPSEEK_API_KEY", ds.api_key)
    monkeypatch.setenv("DEEPSEEK_BASE_URL", ds.base_url)
    sent = counting(monkeypatch)
    summary = run_batch(write_lines(tmp_path / "in.jsonl", plain(4)), tmp_path / "out.jsonl", env_file=False)
    assert summary.ok == 4 and len(sent) == 4 and len(ds.requests) == 4  # all at DeepSeek, none at OPENAI_BASE_URL
    for request in ds.requests:
        assert request.headers["authorization"] == f"Bearer {ds.api_key}"
        names = {n.lower() for n in request.headers}
        assert not names & {"openai-organization", "openai-project", "x-leak"}
        shown = json.dumps(dict(request.headers.items())) + request.body.decode()
        assert not any(v in shown for v in ("should-never-leave", "org-leak", "proj-leak"))


class _Proxy(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.seen.append(self.path)
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_with_a_proxy_in_the_environment_requests_go_through_it(
    ds: FakeDeepSeek, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    _Proxy.seen = []
    try:
        for name in ("HTTP_PROXY", "http_proxy"):
            monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.server_address[1]}")
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        sent = counting(monkeypatch)
        summary = run_batch(
            write_lines(tmp_path / "in.jsonl", plain(3)),
            tmp_path / "out.jsonl",
            api_key=ds.api_key,
            base_url=ds.base_url,
        )
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert summary.ok == 3 and sent == [] and ds.requests == []
    assert len(_Proxy.seen) == 3 and all(p.endswith("/chat/completions") for p in _Proxy.seen)


def test_fast_sender_declines_what_it_cannot_send_the_same_way(monkeypatch: pytest.MonkeyPatch) -> None:
    client = create_async_client(KEY, base_url="http://127.0.0.1:9/v1")
    assert fast_sender(client, 4) is not None
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    assert fast_sender(client, 4) is None
    monkeypatch.delenv("HTTPS_PROXY")
    openai_host = create_async_client(KEY, base_url="https://api.openai.com/v1")
    assert fast_sender(openai_host, 4) is None  # the SDK path refuses each line, naming the fix


async def test_a_client_passed_in_keeps_the_sdk_path(
    ds: FakeDeepSeek, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = counting(monkeypatch)
    async with create_async_client(ds.api_key, base_url=ds.base_url) as client:
        summary = await arun_batch(write_lines(tmp_path / "in.jsonl", plain(3)), tmp_path / "out.jsonl", client=client)
    assert summary.ok == 3 and sent == [] and len(ds.requests) == 3


def test_a_stalled_reply_times_out_and_is_retried(ds: FakeDeepSeek, tmp_path: Path) -> None:
    ds.add_fault("hang")
    out = tmp_path / "out.jsonl"
    summary = run_batch(
        write_lines(tmp_path / "in.jsonl", plain(2)),
        out,
        api_key=ds.api_key,
        base_url=ds.base_url,
        timeout=0.3,
        retry_base=0.01,
        concurrency=1,
    )
    assert summary.ok == 2 and summary.retries == 1 and len(ds.requests) == 3


# -- the limit and the price -------------------------------------------------------------------------------------


def test_a_429_lowers_the_limit_below_what_was_in_flight_never_more_than_half() -> None:
    limit = AdaptiveLimit(64, 64)
    limit.on_rate_limit(limit.epoch, sent_with=17)
    assert limit.allowed == 32  # at most halved in one round
    limit.on_rate_limit(limit.epoch, sent_with=17)
    assert limit.allowed == 16  # 17 in flight was one too many
    limit.on_rate_limit(limit.epoch, sent_with=40)
    assert limit.allowed == 15  # never up, always down by one at least


async def test_new_lines_are_admitted_while_others_back_off_but_not_in_a_storm() -> None:
    limit = AdaptiveLimit(4, 4)
    epoch = 0
    for _ in range(4):
        epoch = await limit.admit()
    for _ in range(3):  # three lines get a 429 (one round: one decrease, to 3) and back off, still admitted
        limit.on_rate_limit(epoch, sent_with=4)
        limit.release()
    assert limit.allowed == 3 and limit.admitted == 4 and limit.in_flight == 1
    waiting = asyncio.ensure_future(limit.admit())
    for _ in range(5):
        await asyncio.sleep(0)
    assert not waiting.done()  # nothing but 429s since the decrease (a storm so far): no new line
    limit.on_success()  # the fourth line's reply: the limit is finding the cap, not facing a storm
    limit.release()
    limit.retire()
    for _ in range(5):
        await asyncio.sleep(0)
    assert waiting.done() and limit.admitted == 4 and limit.in_flight == 1  # three backing off, one new


def test_batch_prices_match_cost_to_the_digit() -> None:
    rng = random.Random(3)
    for _ in range(300):
        hit, miss = rng.randint(0, 10**6), rng.randint(0, 10**6)
        usage = {
            "prompt_tokens": hit + miss,
            "prompt_cache_hit_tokens": hit,
            "completion_tokens": rng.randint(0, 10**5),
        }
        body = {
            "model": rng.choice(["deepseek-flash", "deepseek-v4-pro"]),
            "created": rng.randint(1_750_000_000, 1_800_000_000),
            "usage": usage,
        }
        got = price(body, "")
        assert {c: str(v) for c, v in got.items()} == {
            c: str(cost(body, body["model"], currency=c)) for c in ("USD", "CNY")
        }
        assert got["USD"] > Decimal(0) or not any(usage.values())
