"""The framework path: an ``openai.OpenAI`` someone else builds on ``create_http_client()`` reads ``OPENAI_*``.

The hook refuses, before anything is sent, a request that carries ``OPENAI_API_KEY`` to DeepSeek (item 1 of issue
18) or the DeepSeek key to OpenAI or to the host ``OPENAI_BASE_URL`` names (item 2). Each case goes through the
real SDK to loopback doubles, whose recorded requests show what reached the wire.
"""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import openai
import pytest

from deepseek_openai import (
    InvalidRequestError,
    create_async_client,
    create_async_http_client,
    create_client,
    create_http_client,
)
from deepseek_openai.testing import FakeDeepSeek
from tests._wire import loopback

OPENAI_KEY = "sk-openai-own-key-000000000000wxyz"
HI: Any = [{"role": "user", "content": "hi"}]


def framework(**kwargs: Any) -> openai.OpenAI:
    """What langchain-openai, llama-index and others build: their own client on the HTTP client they are given."""
    return openai.OpenAI(max_retries=0, http_client=create_http_client(), **kwargs)


def aframework(**kwargs: Any) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(max_retries=0, http_client=create_async_http_client(), **kwargs)


@pytest.fixture
def stand_in_openai(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDeepSeek]:
    """A second double standing in for the user's OpenAI endpoint, named by ``OPENAI_BASE_URL``."""
    with FakeDeepSeek(api_key="sk-stand-in-for-openai-0000") as other:
        monkeypatch.setenv("OPENAI_BASE_URL", f"{other.base_url}/v1")
        yield other


# -- item 1: OPENAI_API_KEY never reaches DeepSeek ------------------------------------------------------------------


def test_openai_api_key_is_refused_before_the_network_sync(
    fake_deepseek: FakeDeepSeek, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    with framework(base_url=fake_deepseek.base_url) as client, pytest.raises(InvalidRequestError) as info:
        client.chat.completions.create(model="deepseek-flash", messages=HI)
    assert fake_deepseek.requests == []  # nothing reached the wire
    assert "OPENAI_API_KEY" in str(info.value) and "wxyz" not in str(info.value)
    assert "api_key=" in info.value.fix and "create_client()" in info.value.fix


async def test_openai_api_key_is_refused_before_the_network_async(
    fake_deepseek: FakeDeepSeek, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    async with aframework(base_url=fake_deepseek.base_url) as client:
        with pytest.raises(InvalidRequestError, match="OPENAI_API_KEY"):
            await client.chat.completions.create(model="deepseek-flash", messages=HI)
        with pytest.raises(InvalidRequestError, match="OPENAI_API_KEY"):
            await client.models.list()  # every endpoint, not only chat
    assert fake_deepseek.requests == []


def test_openai_api_key_that_is_the_deepseek_key_is_sent(
    fake_deepseek: FakeDeepSeek, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Some users put their DeepSeek key in OPENAI_API_KEY for their frameworks; with DEEPSEEK_API_KEY the same, fine.
    monkeypatch.setenv("OPENAI_API_KEY", fake_deepseek.api_key)
    monkeypatch.setenv("DEEPSEEK_API_KEY", fake_deepseek.api_key)
    with framework(base_url=fake_deepseek.base_url) as client:
        client.chat.completions.create(model="deepseek-flash", messages=HI)
        # The key is resolved per request, as create_client() would now: a changed environment counts at once.
        monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-another-deepseek-key-000000")
        with pytest.raises(InvalidRequestError, match="OPENAI_API_KEY"):
            client.chat.completions.create(model="deepseek-flash", messages=HI)
    assert [r.headers["authorization"] for r in fake_deepseek.requests] == [f"Bearer {fake_deepseek.api_key}"]


def test_deepseek_key_from_dotenv_counts_and_its_changes_too(
    fake_deepseek: FakeDeepSeek, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", fake_deepseek.api_key)
    dotenv = tmp_path / ".env"  # the working directory (tests/conftest.py runs every test in tmp_path)
    with framework(base_url=fake_deepseek.base_url) as client:
        with pytest.raises(InvalidRequestError, match="OPENAI_API_KEY"):
            client.chat.completions.create(model="deepseek-flash", messages=HI)  # no DeepSeek key anywhere
        dotenv.write_text(f"DEEPSEEK_API_KEY={fake_deepseek.api_key}\n", encoding="utf-8")
        client.chat.completions.create(model="deepseek-flash", messages=HI)
        dotenv.write_text("DEEPSEEK_API_KEY=sk-a-different-deepseek-key-0000000\n", encoding="utf-8")
        with pytest.raises(InvalidRequestError, match="OPENAI_API_KEY"):
            client.chat.completions.create(model="deepseek-flash", messages=HI)
        monkeypatch.setenv("PYTHON_DOTENV_DISABLED", "1")
        dotenv.write_text(f"DEEPSEEK_API_KEY={fake_deepseek.api_key}\n", encoding="utf-8")
        with pytest.raises(InvalidRequestError, match="OPENAI_API_KEY"):
            client.chat.completions.create(model="deepseek-flash", messages=HI)  # .env off, as in create_client()
    assert len(fake_deepseek.requests) == 1


def test_an_explicit_key_equal_to_openai_api_key_is_the_users_choice(
    fake_deepseek: FakeDeepSeek, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", fake_deepseek.api_key)
    client = framework(api_key=fake_deepseek.api_key, base_url=fake_deepseek.base_url)
    with client, pytest.raises(InvalidRequestError):  # the hook cannot tell an explicit key from one read from env
        client.chat.completions.create(model="deepseek-flash", messages=HI)
    # create_client() never reads OPENAI_API_KEY, so its key is the one it resolved: sent, copies included.
    with create_client(fake_deepseek.api_key, base_url=fake_deepseek.base_url, env_file=False) as ours:
        ours.chat.completions.create(model="deepseek-flash", messages=HI)
        ours.with_options(timeout=5).chat.completions.create(model="deepseek-flash", messages=HI)
    assert len(fake_deepseek.requests) == 2


# -- item 2: the DeepSeek key never reaches OpenAI nor OPENAI_BASE_URL's host ----------------------------------------


def test_openai_base_url_host_is_refused_before_the_network_sync(
    fake_deepseek: FakeDeepSeek, stand_in_openai: FakeDeepSeek
) -> None:
    with framework(api_key=fake_deepseek.api_key) as client, pytest.raises(InvalidRequestError) as info:
        client.chat.completions.create(model="deepseek-flash", messages=HI)
    assert stand_in_openai.requests == [] and fake_deepseek.requests == []
    assert "OPENAI_BASE_URL" in str(info.value) and "base_url=" in info.value.fix
    assert fake_deepseek.api_key not in str(info.value)


async def test_openai_base_url_host_is_refused_before_the_network_async(
    fake_deepseek: FakeDeepSeek, stand_in_openai: FakeDeepSeek
) -> None:
    async with aframework(api_key=fake_deepseek.api_key) as client:
        with pytest.raises(InvalidRequestError, match="OPENAI_BASE_URL") as info:
            await client.chat.completions.create(model="deepseek-flash", messages=HI)
    assert "base_url=" in info.value.fix
    assert stand_in_openai.requests == []


@pytest.fixture
def proxy() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP proxy that records each CONNECT target and refuses it: where a client tried to go."""
    targets: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_CONNECT(self) -> None:
            targets.append(self.path)
            self.send_error(403)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with loopback(Handler) as url:
        yield url, targets


@pytest.mark.parametrize("base_url", [None, "https://api.openai.com/v1", "https://eu.api.openai.com/v1"])
def test_openai_host_is_refused_before_the_network(proxy: tuple[str, list[str]], base_url: str | None) -> None:
    # No OPENAI_BASE_URL: the SDK's default is https://api.openai.com/v1. The proxy shows whether a client set out.
    url, targets = proxy
    ours = openai.OpenAI(
        api_key="sk-deepseek-key-0000000000", base_url=base_url, http_client=create_http_client(proxy=url)
    )
    with ours, pytest.raises(InvalidRequestError, match="not DeepSeek") as info:
        ours.with_options(max_retries=0).chat.completions.create(model="deepseek-flash", messages=HI)
    assert targets == []
    assert "base_url=" in info.value.fix
    plain = openai.OpenAI(api_key="x", base_url=base_url, http_client=openai.DefaultHttpxClient(proxy=url))
    with plain, pytest.raises(openai.APIConnectionError):  # teeth: an unhooked client does set out for OpenAI
        plain.with_options(max_retries=0).models.list()
    assert targets and targets[0].endswith("openai.com:443")


def test_openai_base_url_naming_deepseek_keeps_working(
    fake_deepseek: FakeDeepSeek, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # People point OPENAI_BASE_URL at DeepSeek on purpose: the host the package resolves for DeepSeek is fine.
    monkeypatch.setenv("OPENAI_BASE_URL", f"{fake_deepseek.base_url}/v1")
    with framework(api_key=fake_deepseek.api_key) as client:
        with pytest.raises(InvalidRequestError, match="OPENAI_BASE_URL"):
            client.chat.completions.create(model="deepseek-flash", messages=HI)  # the package resolves DeepSeek's own
        (tmp_path / ".env").write_text(f"DEEPSEEK_BASE_URL={fake_deepseek.base_url}\n", encoding="utf-8")
        client.chat.completions.create(model="deepseek-flash", messages=HI)
        monkeypatch.setenv("DEEPSEEK_BASE_URL", "https://api.deepseek.com")  # the environment wins over .env
        with pytest.raises(InvalidRequestError, match="OPENAI_BASE_URL"):
            client.chat.completions.create(model="deepseek-flash", messages=HI)
        monkeypatch.setenv("DEEPSEEK_API_BASE", "https://ignored.example")  # DEEPSEEK_BASE_URL is read first
        monkeypatch.setenv("DEEPSEEK_BASE_URL", f"{fake_deepseek.base_url}/")
        client.chat.completions.create(model="deepseek-flash", messages=HI)
    assert len(fake_deepseek.requests) == 2


def test_deepseeks_own_host_in_openai_base_url_is_never_refused(proxy: tuple[str, list[str]], monkeypatch: Any) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "https://api.deepseek.com/v1")
    monkeypatch.setenv("DEEPSEEK_BASE_URL", "http://127.0.0.1:9")  # even when the package resolves another URL
    url, targets = proxy
    client = openai.OpenAI(api_key="sk-deepseek-0000000000", max_retries=0, http_client=create_http_client(proxy=url))
    with client, pytest.raises(openai.APIConnectionError):  # the proxy refuses it: it was on its way to DeepSeek
        client.models.list()
    assert targets == ["api.deepseek.com:443"]


def test_other_hosts_and_our_own_clients_are_not_refused(
    fake_deepseek: FakeDeepSeek, stand_in_openai: FakeDeepSeek, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    # A host that is neither OpenAI's nor OPENAI_BASE_URL's (the double, a proxy, a gateway): sent.
    with framework(api_key=fake_deepseek.api_key, base_url=fake_deepseek.base_url) as client:
        client.chat.completions.create(model="deepseek-flash", messages=HI)
    assert len(fake_deepseek.requests) == 1
    # create_client() never reads OPENAI_BASE_URL: a base_url passed to it is the user's choice, even that host.
    key = stand_in_openai.api_key
    with create_client(key, base_url=stand_in_openai.base_url, env_file=False) as ours:
        ours.models.list()
    assert len(stand_in_openai.requests) == 1


async def test_our_own_async_client_on_openai_base_url_host_is_the_users_choice(stand_in_openai: FakeDeepSeek) -> None:
    async with create_async_client(stand_in_openai.api_key, base_url=stand_in_openai.base_url, env_file=False) as c:
        await c.models.list()
    assert len(stand_in_openai.requests) == 1


def test_openai_key_goes_with_an_openai_base_url_that_names_deepseek(
    fake_deepseek: FakeDeepSeek, monkeypatch: pytest.MonkeyPatch
) -> None:
    # OPENAI_BASE_URL and OPENAI_API_KEY both set for DeepSeek on purpose, and no DEEPSEEK_API_KEY: the framework's
    # client (no api_key=, no base_url=) reads both and talks to DeepSeek, as it did before this package.
    monkeypatch.delenv("DEEPSEEK_API_KEY", raising=False)
    monkeypatch.setenv("DEEPSEEK_BASE_URL", fake_deepseek.base_url)  # the double stands in for api.deepseek.com
    monkeypatch.setenv("OPENAI_BASE_URL", fake_deepseek.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", fake_deepseek.api_key)
    with framework() as client:
        client.chat.completions.create(model="deepseek-flash", messages=HI)
    assert len(fake_deepseek.requests) == 1
    # The same key to a DeepSeek host other than the one OPENAI_BASE_URL names is still refused.
    with FakeDeepSeek(api_key=fake_deepseek.api_key) as elsewhere:
        with framework(base_url=elsewhere.base_url) as client, pytest.raises(InvalidRequestError, match="OPENAI_API"):
            client.chat.completions.create(model="deepseek-flash", messages=HI)
        assert elsewhere.requests == []


async def test_openai_key_goes_with_an_openai_base_url_that_names_deepseek_async(
    fake_deepseek: FakeDeepSeek, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DEEPSEEK_API_KEY", raising=False)
    monkeypatch.setenv("DEEPSEEK_BASE_URL", fake_deepseek.base_url)
    monkeypatch.setenv("OPENAI_BASE_URL", f"{fake_deepseek.base_url}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", fake_deepseek.api_key)
    async with aframework(base_url=fake_deepseek.base_url) as client:
        await client.chat.completions.create(model="deepseek-flash", messages=HI)
    assert len(fake_deepseek.requests) == 1


@pytest.mark.parametrize("base_url", ["https://api.openai.com./v1", "https://API.OpenAI.com/v1"])
def test_openai_host_spelled_otherwise_is_refused(proxy: tuple[str, list[str]], base_url: str) -> None:
    # A trailing dot (a fully qualified name) or capitals name the same host.
    url, targets = proxy
    ours = openai.OpenAI(
        api_key="sk-deepseek-key-0000000000", base_url=base_url, http_client=create_http_client(proxy=url)
    )
    with ours, pytest.raises(InvalidRequestError, match="not DeepSeek"):
        ours.with_options(max_retries=0).chat.completions.create(model="deepseek-flash", messages=HI)
    assert targets == []


def test_openai_base_url_host_with_a_trailing_dot_is_refused(
    fake_deepseek: FakeDeepSeek, stand_in_openai: FakeDeepSeek, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", stand_in_openai.base_url.replace("127.0.0.1", "localhost.") + "/v1")
    host_url = stand_in_openai.base_url.replace("127.0.0.1", "localhost")
    client = framework(api_key=fake_deepseek.api_key, base_url=host_url)
    with client, pytest.raises(InvalidRequestError, match="OPENAI_BASE_URL"):
        client.chat.completions.create(model="deepseek-flash", messages=HI)
    assert stand_in_openai.requests == []
