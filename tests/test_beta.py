"""fim / afim / fim_stream / afim_stream: checks before the network, and the wire against FakeDeepSeek."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from deepseek_openai import (
    FIM_MAX_TOKENS,
    MODELS,
    RULES,
    InvalidRequestError,
    afim,
    afim_stream,
    explain,
    fim,
    fim_stream,
)
from deepseek_openai import _beta as beta_module
from deepseek_openai.testing import FakeDeepSeek

DEFAULT_TEXT = "    pass  # filled in by FakeDeepSeek\n"  # the double's unscripted FIM text


@pytest.fixture
def ds() -> Iterator[FakeDeepSeek]:
    with FakeDeepSeek() as fake:
        yield fake


def test_fim_sends_a_plain_non_thinking_request_to_beta(ds: FakeDeepSeek) -> None:
    text = fim(ds.client(beta=True), "def add(a, b):\n", "\n\nprint(add(1, 2))\n", max_tokens=64, stop=["\n\n"])
    assert text == DEFAULT_TEXT
    (request,) = ds.requests
    assert (request.method, request.path) == ("POST", "/beta/completions")
    assert request.json == {
        "model": "deepseek-flash",
        "prompt": "def add(a, b):\n",
        "suffix": "\n\nprint(add(1, 2))\n",
        "max_tokens": 64,
        "stop": ["\n\n"],
    }
    assert "thinking" not in request.json


def test_fim_returns_the_scripted_text_and_passes_create_kwargs(ds: FakeDeepSeek) -> None:
    ds.add_reply("    return a + b")
    text = fim(ds.client(beta=True), "def add(a, b):\n", model="deepseek-v4-pro", temperature=0.0)
    assert text == "    return a + b"
    assert ds.requests[0].json == {"model": "deepseek-v4-pro", "prompt": "def add(a, b):\n", "temperature": 0.0}


def test_fim_stop_is_applied_by_the_server(ds: FakeDeepSeek) -> None:
    assert fim(ds.client(beta=True), "x = ", stop="#") == "    pass  "


def test_fim_max_tokens_limit_is_inclusive(ds: FakeDeepSeek) -> None:
    fim(ds.client(beta=True), "x = ", max_tokens=FIM_MAX_TOKENS)
    assert ds.requests[0].json["max_tokens"] == 4096


@pytest.mark.parametrize("max_tokens", [FIM_MAX_TOKENS + 1, 8192, 0, -1])
def test_fim_refuses_max_tokens_outside_the_limit(ds: FakeDeepSeek, max_tokens: int) -> None:
    with pytest.raises(InvalidRequestError) as info:
        fim(ds.client(beta=True), "x = ", max_tokens=max_tokens)
    assert info.value.rule == "fim_max_tokens"
    assert info.value.fix == RULES["fim_max_tokens"].fix
    assert isinstance(info.value, ValueError)
    assert ds.requests == []


def test_fim_on_a_main_base_client_warns_and_sends(ds: FakeDeepSeek) -> None:
    # FIM is documented under /beta only; what the main base answers is not known (RULES evidence): a warning.
    ds.add_reply("1")
    with pytest.warns(UserWarning, match=r"create_client\(beta=True\)") as caught:
        assert fim(ds.client(), "x = ") == "1"
    assert caught[0].filename == __file__ and ds.base_url in str(caught[0].message)
    assert ds.requests[0].path == "/completions"


@pytest.mark.parametrize(
    "extra_body",
    [{"thinking": {"type": "enabled"}}, {"reasoning_effort": "high"}],
)
def test_fim_with_thinking_warns_and_sends(ds: FakeDeepSeek, extra_body: dict[str, Any]) -> None:
    with pytest.warns(UserWarning, match="non-thinking mode only") as caught:
        fim(ds.client(beta=True), "x = ", extra_body=extra_body)
    assert "leave thinking out" in str(caught[0].message)
    assert {k: ds.requests[0].json[k] for k in extra_body} == extra_body  # sent unchanged


@pytest.mark.parametrize("max_tokens", ["100", 1.5, 0, 4097, True])
def test_fim_refuses_max_tokens_that_is_not_a_whole_number_in_range(ds: FakeDeepSeek, max_tokens: Any) -> None:
    with pytest.raises(InvalidRequestError) as info:
        fim(ds.client(beta=True), "x = ", max_tokens=max_tokens)
    assert info.value.rule == "fim_max_tokens" and ds.requests == []


def test_fim_allows_thinking_disabled(ds: FakeDeepSeek) -> None:
    assert fim(ds.client(beta=True), "x = ", extra_body={"thinking": {"type": "disabled"}}) == DEFAULT_TEXT
    assert ds.requests[0].json["thinking"] == {"type": "disabled"}


def test_fim_refuses_stream_flag(ds: FakeDeepSeek) -> None:
    with pytest.raises(InvalidRequestError, match="fim_stream"):
        fim(ds.client(beta=True), "x = ", stream=True)


def test_fim_refuses_a_model_without_fim(ds: FakeDeepSeek, monkeypatch: pytest.MonkeyPatch) -> None:
    no_fim = dataclasses.replace(MODELS["deepseek-flash"], name="deepseek-nofim", fim=False)
    monkeypatch.setattr(beta_module, "MODELS", {**MODELS, "deepseek-nofim": no_fim})
    with pytest.raises(InvalidRequestError, match="does not offer FIM") as info:
        fim(ds.client(beta=True), "x = ", model="deepseek-nofim")
    assert "deepseek-flash" in info.value.fix
    assert ds.requests == []


def test_fim_unknown_model_reaches_deepseek_and_is_explained(ds: FakeDeepSeek) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        fim(ds.client(beta=True, max_retries=0), "x = ", model="deepseek-coder-9")
    assert "deepseek-flash" in explain(info.value)


def test_fim_stream_yields_pieces(ds: FakeDeepSeek) -> None:
    pieces = list(fim_stream(ds.client(beta=True), "def f():\n", suffix="\n", max_tokens=100))
    assert "".join(pieces) == DEFAULT_TEXT
    assert all(pieces)
    (request,) = ds.requests
    assert request.path == "/beta/completions"
    assert request.json["stream"] is True
    assert request.json["suffix"] == "\n"


def test_fim_stream_checks_at_call_time_and_sends_on_iteration(ds: FakeDeepSeek) -> None:
    with pytest.raises(InvalidRequestError):
        fim_stream(ds.client(beta=True), "x = ", max_tokens=5000)
    iterator = fim_stream(ds.client(beta=True), "x = ")
    assert ds.requests == []
    assert "".join(iterator) == DEFAULT_TEXT
    assert len(ds.requests) == 1


async def test_afim(ds: FakeDeepSeek) -> None:
    ds.add_reply("1 + 1")
    async with ds.async_client(beta=True) as client:
        assert await afim(client, "x = ", "\n", max_tokens=10) == "1 + 1"
    assert ds.requests[0].json == {"model": "deepseek-flash", "prompt": "x = ", "suffix": "\n", "max_tokens": 10}


async def test_afim_refuses_before_sending(ds: FakeDeepSeek) -> None:
    async with ds.async_client() as client:
        with pytest.warns(UserWarning, match="documented on a beta client only"):
            await afim(client, "x = ")
    assert [r.path for r in ds.requests] == ["/completions"]
    async with ds.async_client(beta=True) as client:
        with pytest.raises(InvalidRequestError) as info:
            await afim(client, "x = ", max_tokens=5000)
    assert info.value.rule == "fim_max_tokens"
    assert len(ds.requests) == 1


async def test_afim_stream(ds: FakeDeepSeek) -> None:
    ds.add_reply("return 42")
    async with ds.async_client(beta=True) as client:
        pieces = [p async for p in afim_stream(client, "def f():\n    ")]
        with pytest.raises(InvalidRequestError):
            afim_stream(client, "x", max_tokens=0)
    assert "".join(pieces) == "return 42"
    assert ds.requests[0].json["stream"] is True
