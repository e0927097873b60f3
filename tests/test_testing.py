"""FakeDeepSeek as a server: lifecycle, recording, concurrency, routes, the pytest plugin and the CLI."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import openai
import pytest

import deepseek_openai.testing as testing
from deepseek_openai.testing import FakeDeepSeek, RecordedRequest, serve

USER = [{"role": "user", "content": "hi"}]


def test_public_surface_is_sorted_and_documented() -> None:
    assert testing.__all__ == sorted(testing.__all__)
    assert {"FakeDeepSeek", "RecordedRequest", "serve"} <= set(testing.__all__)
    for name in testing.__all__:
        obj = getattr(testing, name)
        assert not callable(obj) or obj.__doc__, name


def test_context_manager_serves_and_cleans_up() -> None:
    before = {t.ident for t in threading.enumerate()}
    with FakeDeepSeek() as ds:
        assert ds.base_url.startswith("http://127.0.0.1:") and ds.beta_base_url == ds.base_url + "/beta"
        assert ds.api_key.startswith("sk-") and len(ds.api_key) >= 20
        client = ds.client()
        assert client.chat.completions.create(model="deepseek-flash", messages=USER).choices[0].message.content
        port = ds.port
    assert {t.ident for t in threading.enumerate()} <= before and double_threads() == []  # no leaked threads
    assert client._client.is_closed  # clients made by ds.client() are closed with the double
    with pytest.raises(openai.APIConnectionError):
        openai.OpenAI(api_key="sk-x", base_url=f"http://127.0.0.1:{port}", max_retries=0).models.list()


def test_start_close_explicit_and_idempotent() -> None:
    ds = FakeDeepSeek(api_key="sk-custom-key-for-this-test", balance="1")
    with pytest.raises(RuntimeError, match="not started"):
        _ = ds.base_url
    assert ds.start() is ds and ds.start() is ds
    with ds.client() as client:
        assert client.models.list().data
    ds.close()
    ds.close()
    with pytest.raises(RuntimeError, match="closed"):
        ds.start()
    assert "sk-custom" not in repr(ds)


def double_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("FakeDeepSeek")]


def test_close_with_idle_keepalive_connections_open() -> None:
    ds = FakeDeepSeek().start()
    client = openai.OpenAI(api_key=ds.api_key, base_url=ds.base_url, max_retries=0)
    client.models.list()  # leaves a pooled keep-alive connection on a server thread
    assert len(double_threads()) == 2  # the accept loop and the connection
    ds.close()
    client.close()
    assert double_threads() == []


def test_many_doubles_at_once() -> None:
    doubles = [FakeDeepSeek().start() for _ in range(8)]
    try:
        assert len({d.port for d in doubles}) == 8
        for i, ds in enumerate(doubles):
            ds.add_reply(f"double {i}")
        for i, ds in enumerate(doubles):
            with ds.client() as client:
                reply = client.chat.completions.create(model="deepseek-flash", messages=USER)
            assert reply.choices[0].message.content == f"double {i}"
    finally:
        for ds in doubles:
            ds.close()


def test_requests_are_recorded(fake_deepseek: FakeDeepSeek) -> None:
    with fake_deepseek.client() as client:
        client.chat.completions.create(
            model="deepseek-flash", messages=USER, extra_body={"user_id": "u1"}, extra_query={"q": "1"}
        )
        client.models.list()
    chat, models = fake_deepseek.requests
    assert isinstance(chat, RecordedRequest)
    assert (chat.method, chat.path, chat.query) == ("POST", "/chat/completions", "q=1")
    assert chat.json == json.loads(chat.body) and chat.json["user_id"] == "u1"
    # openai 1.x sends "Authorization", 3.x "authorization": lookups ignore case either way.
    assert chat.headers["AUTHORIZATION"] == chat.headers["authorization"] == f"Bearer {fake_deepseek.api_key}"
    assert "openai-organization" not in chat.headers
    assert fake_deepseek.api_key not in repr(chat)
    assert (models.method, models.path, models.json, models.body) == ("GET", "/models", None, b"")


@pytest.mark.slow  # 120 requests at once, over a second of CPU: the slow leg (pytest -m slow)
async def test_many_concurrent_async_requests(fake_deepseek: FakeDeepSeek) -> None:
    async with fake_deepseek.async_client(max_retries=0) as client:
        replies = await asyncio.gather(
            *(
                client.chat.completions.create(model="deepseek-flash", messages=[{"role": "user", "content": str(i)}])
                for i in range(120)
            )
        )
    assert sorted(r.choices[0].message.content for r in replies) == sorted(f"Echo: {i}" for i in range(120))
    assert len(fake_deepseek.requests) == 120


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/nowhere", 404), ("GET", "/chat/completions", 405), ("POST", "/v2/chat/completions", 404)],
)
def test_unknown_routes(fake_deepseek: FakeDeepSeek, method: str, path: str, status: int) -> None:
    request = urllib.request.Request(
        fake_deepseek.base_url + path,
        method=method,
        data=b"{}" if method == "POST" else None,
        headers={"Authorization": f"Bearer {fake_deepseek.api_key}"},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    body = json.loads(caught.value.read())
    caught.value.close()
    assert caught.value.code == status and body["error"]["message"]


def test_v1_alias(fake_deepseek: FakeDeepSeek) -> None:
    with fake_deepseek.client(base_url=fake_deepseek.base_url + "/v1") as client:
        assert client.chat.completions.create(model="deepseek-flash", messages=USER).choices[0].message.content
    assert fake_deepseek.requests[-1].path == "/v1/chat/completions"


def test_plugin_is_registered(request: pytest.FixtureRequest) -> None:
    assert request.config.pluginmanager.hasplugin("deepseek_openai")


def test_plugin_sync_fixture(fake_deepseek: FakeDeepSeek, deepseek_client: openai.OpenAI) -> None:
    fake_deepseek.add_reply("from the fixture")
    reply = deepseek_client.chat.completions.create(model="deepseek-flash", messages=USER)
    assert reply.choices[0].message.content == "from the fixture"
    assert str(deepseek_client.base_url).rstrip("/") == fake_deepseek.base_url


async def test_plugin_async_fixture(fake_deepseek: FakeDeepSeek, async_deepseek_client: openai.AsyncOpenAI) -> None:
    fake_deepseek.add_reply("async fixture")
    reply = await async_deepseek_client.chat.completions.create(model="deepseek-flash", messages=USER)
    assert reply.choices[0].message.content == "async fixture"


def test_serve_rejects_bad_arguments() -> None:
    with pytest.raises(SystemExit) as caught:
        serve(["--port", "not-a-number"])
    assert caught.value.code == 2


def test_serve_reports_a_taken_port(capsys: pytest.CaptureFixture[str]) -> None:
    with FakeDeepSeek() as ds:
        assert serve(["--port", str(ds.port)]) == 1
    assert "cannot listen" in capsys.readouterr().err


def _pasted(exports: str, base_url: str, api_key: str) -> str:
    # The export lines pasted into a POSIX shell must give back exactly the URL and key (no key is printed).
    check = exports + '[ "$DEEPSEEK_BASE_URL" = "$1" ] && [ "$DEEPSEEK_API_KEY" = "$2" ] && echo same'
    return subprocess.run(["sh", "-c", check, "sh", base_url, api_key], capture_output=True, text=True).stdout


def test_serve_export_lines_survive_a_shell_whatever_the_key() -> None:
    from deepseek_openai.testing._main import _announce

    key = "sk-it's $HOME `x` \\"
    text = _announce("http://127.0.0.1:1", "http://127.0.0.1:1/beta", key)
    exports = "".join(line + "\n" for line in text.splitlines() if line.startswith("export "))
    assert _pasted(exports, "http://127.0.0.1:1", key) == "same\n"


@pytest.mark.slow  # a real process: the slow leg (pytest -m slow)
def test_cli_prints_url_and_key_then_serves_until_sigterm() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEEPSEEK_", "OPENAI_"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "deepseek_openai.testing", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        lines = dict(proc.stdout.readline().strip().split(": ", 1) for _ in range(3))
        assert lines["base_url"].startswith("http://127.0.0.1:") and lines["api_key"].startswith("sk-")
        exports = proc.stdout.readline() + proc.stdout.readline()
        assert exports.startswith("export DEEPSEEK_BASE_URL=") and "\nexport DEEPSEEK_API_KEY=" in exports
        assert _pasted(exports, lines["base_url"], lines["api_key"]) == "same\n"
        with openai.OpenAI(api_key=lines["api_key"], base_url=lines["base_url"], max_retries=0) as client:
            reply = client.chat.completions.create(model="deepseek-flash", messages=USER)
        assert reply.choices[0].message.content == "Echo: hi"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
