"""Scripted errors and faults: DeepSeek's error bodies, SDK retries, delays, cut connections."""

from __future__ import annotations

import http.client
import importlib
import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import openai
import pytest

from deepseek_openai import RULES
from deepseek_openai.testing import FakeDeepSeek

USER = [{"role": "user", "content": "hi"}]
FAST_RETRY = {"retry-after-ms": "1"}  # the SDK honours it, so retry tests take milliseconds
# The SDK's own HTTP library (httpx for openai 1.x/2.x, httpx2 for 3.x), never imported by name.
HX = importlib.import_module(openai.DefaultHttpxClient.__mro__[1].__module__.split(".")[0])
BROKEN = (openai.APIConnectionError, HX.HTTPError)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def chat(ds: FakeDeepSeek, mode: str, *, retries: int = 0, stream: bool = False, **client_kw: Any) -> Any:
    kw: dict[str, Any] = {"model": "deepseek-flash", "messages": USER, "stream": stream}
    if mode == "sync":
        with ds.client(max_retries=retries, **client_kw) as client:
            result = client.chat.completions.create(**kw)
            return list(result) if stream else result
    async with ds.async_client(max_retries=retries, **client_kw) as aclient:
        aresult = await aclient.chat.completions.create(**kw)
        return [c async for c in aresult] if stream else aresult


@pytest.mark.parametrize(
    ("status", "rule_id", "error_class"),
    [
        (401, "auth", openai.AuthenticationError),
        (402, "balance", openai.APIStatusError),
        (429, "rate_limit", openai.RateLimitError),
        (500, "server_error", openai.InternalServerError),
        (503, "overloaded", openai.InternalServerError),
    ],
)
async def test_scripted_error_uses_deepseek_body(
    fake_deepseek: FakeDeepSeek, mode: str, status: int, rule_id: str, error_class: type[Exception]
) -> None:
    fake_deepseek.add_error(status)
    with pytest.raises(error_class) as caught:
        await chat(fake_deepseek, mode)
    err = caught.value
    assert isinstance(err, openai.APIStatusError) and err.status_code == status
    rule = RULES[rule_id]
    assert err.body["message"] == rule.message.replace("{key}", "****")
    assert err.body["type"] == rule.error_type
    assert set(err.body) == {"message", "type", "param", "code"}
    assert len(fake_deepseek.requests) == 1  # max_retries=0


async def test_scripted_error_custom_fields_and_headers(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    fake_deepseek.add_error(
        400, "Invalid Format", error_type="invalid_request_error", code="bad", headers={"x-extra": "1"}
    )
    with pytest.raises(openai.BadRequestError) as caught:
        await chat(fake_deepseek, mode)
    assert caught.value.body == {
        "message": "Invalid Format",
        "type": "invalid_request_error",
        "param": None,
        "code": "bad",
    }
    assert caught.value.response.headers["x-extra"] == "1"


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_failures_then_success_show_sdk_retries(fake_deepseek: FakeDeepSeek, mode: str, status: int) -> None:
    fake_deepseek.add_error(status, times=2, headers=FAST_RETRY)
    fake_deepseek.add_reply("third time lucky")
    reply = await chat(fake_deepseek, mode, retries=2)
    assert reply.choices[0].message.content == "third time lucky"
    assert [r.headers["X-Stainless-Retry-Count"] for r in fake_deepseek.requests] == ["0", "1", "2"]


async def test_retries_exhausted(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    fake_deepseek.add_error(503, times=3, headers=FAST_RETRY)
    with pytest.raises(openai.InternalServerError):
        await chat(fake_deepseek, mode, retries=2)
    assert len(fake_deepseek.requests) == 3


async def test_errors_are_served_before_scripted_replies(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    fake_deepseek.add_reply("after the error")
    fake_deepseek.add_error(500)
    first = await chat(fake_deepseek, mode)  # the queue is FIFO: the reply came first
    with pytest.raises(openai.InternalServerError):
        await chat(fake_deepseek, mode)
    assert first.choices[0].message.content == "after the error"


async def test_stream_cut_mid_way(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    fake_deepseek.add_reply("one two three four five six", cut_after=4)
    received: list[Any] = []
    with pytest.raises(BROKEN):
        if mode == "sync":
            with fake_deepseek.client(max_retries=0) as client:
                for chunk in client.chat.completions.create(model="deepseek-flash", messages=USER, stream=True):
                    received.append(chunk)
        else:
            async with fake_deepseek.async_client(max_retries=0) as aclient:
                async for chunk in await aclient.chat.completions.create(
                    model="deepseek-flash", messages=USER, stream=True
                ):
                    received.append(chunk)
    assert len(received) == 4
    assert all(c.choices[0].finish_reason is None for c in received)


async def test_non_stream_cut_then_sdk_retry_succeeds(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    fake_deepseek.add_reply("lost", cut_after=0, keepalive=2)
    with pytest.raises(openai.APIConnectionError):
        await chat(fake_deepseek, mode, retries=0)
    fake_deepseek.add_reply("lost", cut_after=0)
    reply = await chat(fake_deepseek, mode, retries=1)  # the retry gets the next (default) reply
    assert reply.choices[0].message.content == "Echo: hi"
    assert len(fake_deepseek.requests) == 3


@pytest.mark.parametrize("stream", [False, True])
async def test_delay_longer_than_timeout_times_out(fake_deepseek: FakeDeepSeek, mode: str, stream: bool) -> None:
    fake_deepseek.add_reply("too late", delay=30)
    with pytest.raises(openai.APITimeoutError):
        await chat(fake_deepseek, mode, stream=stream, timeout=0.1)
    # close() interrupts the pending delay instead of waiting 30 s (the fixture's teardown proves it).


@pytest.mark.parametrize("stream", [False, True])
async def test_delay_and_keepalive_still_parse(mode: str, stream: bool) -> None:
    with FakeDeepSeek(keepalive=2) as ds:
        ds.add_reply("patience", delay=0.05, keepalive=3)
        got = await chat(ds, mode, stream=stream)
    text = "".join(c.choices[0].delta.content or "" for c in got) if stream else got.choices[0].message.content
    assert text == "patience"


def test_keepalive_blank_lines_on_the_wire() -> None:
    with FakeDeepSeek(keepalive=3) as ds:
        request = urllib.request.Request(
            ds.base_url + "/chat/completions",
            data=json.dumps({"model": "deepseek-flash", "messages": USER}).encode(),
            headers={"Authorization": f"Bearer {ds.api_key}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
    assert raw.startswith(b"\n\n\n{")
    assert json.loads(raw)["object"] == "chat.completion"


async def test_reset_forgets_script_and_requests(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    fake_deepseek.add_error(500)
    fake_deepseek.add_reply("never")
    fake_deepseek.reset()
    assert fake_deepseek.requests == []
    reply = await chat(fake_deepseek, mode)
    assert reply.choices[0].message.content == "Echo: hi"
    assert len(fake_deepseek.requests) == 1


def test_script_arguments_are_checked(fake_deepseek: FakeDeepSeek) -> None:
    with pytest.raises(ValueError, match="usage_layout"):
        fake_deepseek.add_reply("x", usage_layout="sideways")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="negative"):
        fake_deepseek.add_reply("x", cut_after=-1)
    with pytest.raises(ValueError, match="negative"):
        fake_deepseek.add_reply("x", hold_after=-1)
    with pytest.raises(ValueError, match="not both"):
        fake_deepseek.add_reply("x", cut_after=1, hold_after=1)
    with pytest.raises(ValueError, match="status"):
        fake_deepseek.add_error(200)
    assert fake_deepseek.requests == []


# -- hold_after: a stream that stalls --------------------------------------------------------------------------


def _open_raw_stream(ds: FakeDeepSeek) -> Any:
    request = urllib.request.Request(
        ds.base_url + "/chat/completions",
        data=json.dumps({"model": "deepseek-flash", "messages": USER, "stream": True}).encode(),
        headers={"Authorization": f"Bearer {ds.api_key}", "Content-Type": "application/json"},
    )
    return urllib.request.urlopen(request, timeout=30)


def _connection_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name == "FakeDeepSeek-connection")


@pytest.mark.parametrize("stream", [False, True])
async def test_held_reply_gives_the_first_chunks_then_a_read_timeout(
    fake_deepseek: FakeDeepSeek, mode: str, stream: bool
) -> None:
    fake_deepseek.add_reply("one two three four five", hold_after=3)
    received: list[Any] = []
    with pytest.raises((openai.APITimeoutError, HX.TimeoutException)):
        kw: dict[str, Any] = {"model": "deepseek-flash", "messages": USER, "stream": stream}
        if mode == "sync":
            with fake_deepseek.client(max_retries=0, timeout=0.3) as client:
                result = client.chat.completions.create(**kw)
                for chunk in result if stream else [result]:
                    received.append(chunk)
        else:
            async with fake_deepseek.async_client(max_retries=0, timeout=0.3) as aclient:
                aresult = await aclient.chat.completions.create(**kw)
                if not stream:
                    received.append(aresult)
                else:
                    async for achunk in aresult:
                        received.append(achunk)
    # A plain reply holds before its body, so nothing arrives; a stream delivers exactly the first 3 events.
    assert len(received) == (3 if stream else 0)
    assert [c.choices[0].delta.reasoning_content for c in received] == ["", "The ", "user "][: len(received)]
    fake_deepseek.add_reply("after the stall")  # the double is not stuck: the next request is answered
    assert (await chat(fake_deepseek, mode)).choices[0].message.content == "after the stall"


def test_close_returns_promptly_while_a_stream_is_held() -> None:
    before = _connection_threads()
    ds = FakeDeepSeek().start()
    ds.add_reply("never finished", hold_after=2)
    response = _open_raw_stream(ds)
    try:
        first = response.readline()  # one event: "data: {...}" then a blank line
        assert first.startswith(b"data: {") and response.readline() == b"\n"
        ds.close()
        # close() joins the workers with a timeout; a worker still stuck in the hold would outlive it.
        assert _connection_threads() <= before
        with pytest.raises(http.client.IncompleteRead):  # the held body never completes
            response.read()
    finally:
        response.close()


def test_client_hanging_up_releases_the_held_stream(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_reply("never finished", hold_after=1)
    before = _connection_threads()
    response = _open_raw_stream(fake_deepseek)
    assert response.readline().startswith(b"data: {")
    assert _connection_threads() == before + 1
    response.close()
    deadline = time.monotonic() + 10  # a safety net; the double notices within milliseconds
    while _connection_threads() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _connection_threads() == before


def test_hold_after_beyond_the_reply_sends_it_whole(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_reply("short", hold_after=1000)
    with _open_raw_stream(fake_deepseek) as response:
        assert response.read().endswith(b"data: [DONE]\n\n")


# -- add_fault and start_outage: faults below DeepSeek's error answers -------------------------------------------


def _raw_chat(ds: FakeDeepSeek, timeout: float = 10) -> tuple[int, str, bytes]:
    request = urllib.request.Request(
        ds.base_url + "/chat/completions",
        data=json.dumps({"model": "deepseek-flash", "messages": USER}).encode(),
        headers={"Authorization": f"Bearer {ds.api_key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


@pytest.mark.parametrize("kind", ["reset", "truncated"])
async def test_a_reset_or_cut_body_is_a_connection_error(fake_deepseek: FakeDeepSeek, mode: str, kind: str) -> None:
    fake_deepseek.add_fault(kind)  # type: ignore[arg-type]
    with pytest.raises(openai.APIConnectionError):
        await chat(fake_deepseek, mode)
    assert (await chat(fake_deepseek, mode)).choices[0].message.content == "Echo: hi"  # one request only


def test_html_and_not_json_bodies_come_with_status_200(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_fault("html")
    fake_deepseek.add_fault("not_json")
    fake_deepseek.add_fault("html", status=502)
    status, kind, body = _raw_chat(fake_deepseek)
    assert (status, kind) == (200, "text/html") and body.startswith(b"<html>")
    status, kind, body = _raw_chat(fake_deepseek)
    assert (status, kind) == (200, "application/json")
    with pytest.raises(ValueError):
        json.loads(body)
    assert _raw_chat(fake_deepseek)[:2] == (502, "text/html")


async def test_a_hang_sends_nothing_until_the_client_gives_up(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    fake_deepseek.add_fault("hang")
    with pytest.raises(openai.APITimeoutError):
        await chat(fake_deepseek, mode, timeout=0.2)


def test_an_outage_answers_every_request_until_it_ends(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.start_outage(429, headers={"retry-after": "3"})
    assert fake_deepseek.in_outage
    with pytest.raises(openai.RateLimitError) as caught:
        fake_deepseek.client(max_retries=0, api_key="sk-wrong-key-0000").models.list()  # before the key check
    assert caught.value.response.headers["retry-after"] == "3"
    for _ in range(3):
        assert _raw_chat(fake_deepseek)[0] == 429
    assert fake_deepseek.end_outage() == 4 and not fake_deepseek.in_outage
    assert _raw_chat(fake_deepseek)[0] == 200


def test_an_outage_with_seconds_ends_by_itself() -> None:
    with FakeDeepSeek() as ds:
        ds.start_outage("reset", seconds=0.05)
        with pytest.raises((urllib.error.URLError, http.client.RemoteDisconnected)):
            _raw_chat(ds)
        deadline = time.monotonic() + 10  # a safety net; the window is 50 ms
        while ds.in_outage and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _raw_chat(ds)[0] == 200


def test_fault_arguments_are_checked(fake_deepseek: FakeDeepSeek) -> None:
    with pytest.raises(ValueError, match="kind"):
        fake_deepseek.add_fault("explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="400-599"):
        fake_deepseek.start_outage(200)
    with pytest.raises(ValueError, match="fault"):
        fake_deepseek.start_outage("explode")  # type: ignore[arg-type]
