"""Leak matrix: with every OPENAI_* variable set to a canary, nothing of the user's OpenAI set-up reaches DeepSeek.

Runs on every SDK major through .ci/run's version matrix. Each case goes through the real SDK to the double, whose
recorded requests are then searched (headers, path, query and body) for any canary.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import openai
import pytest

from deepseek_openai import (
    acollect_stream,
    acomplete_prefix,
    afim,
    afim_stream,
    aget_balance,
    ajson_completion,
    arun_tools,
    collect_stream,
    complete_prefix,
    create_async_client,
    create_client,
    fim,
    fim_stream,
    get_balance,
    json_completion,
    run_tools,
)
from deepseek_openai.testing import FakeDeepSeek, RecordedRequest

pytest_plugins = ["pytester"]

CANARY = "canary-7f3a"
OPENAI_VARS = {
    "OPENAI_API_KEY": f"sk-{CANARY}-api-key",
    "OPENAI_BASE_URL": f"http://127.0.0.1:9/{CANARY}",
    "OPENAI_ORG_ID": f"org-{CANARY}",
    "OPENAI_PROJECT_ID": f"proj-{CANARY}",
    "OPENAI_WEBHOOK_SECRET": f"whsec-{CANARY}",
    "OPENAI_ADMIN_KEY": f"sk-admin-{CANARY}",
    "OPENAI_CUSTOM_HEADERS": f"X-Canary: {CANARY}\nOpenAI-Beta: {CANARY}\nAuthorization: Bearer sk-{CANARY}-header",
    "OPENAI_LOG": "debug",
}
HI = [{"role": "user", "content": "hi"}]
JSON_MSGS = [{"role": "user", "content": "Reply in json."}]
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


@pytest.fixture
def canaries(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in OPENAI_VARS.items():
        monkeypatch.setenv(name, value)


def _assert_clean(seen: list[RecordedRequest], key: str) -> None:
    assert seen, "the case sent nothing"
    for request in seen:
        wire = " ".join([request.path, request.query, request.body.decode(errors="replace")])
        wire += " ".join(f"{k}: {v}" for k, v in request.headers.items())
        assert CANARY not in wire, f"{request.method} {request.path} carried a canary"
        assert request.headers["authorization"] == f"Bearer {key}"
        for name in ("openai-organization", "openai-project", "x-canary", "openai-beta"):
            assert name not in {k.lower() for k in request.headers}


def _sync_cases() -> dict[str, Callable[[FakeDeepSeek], Any]]:
    def chat(ds: FakeDeepSeek) -> Any:
        return ds.client().chat.completions.create(model="deepseek-flash", messages=HI)  # type: ignore[arg-type]

    def with_options(ds: FakeDeepSeek) -> Any:
        client = ds.client().with_options(timeout=5, max_retries=0)
        return client.chat.completions.create(model="deepseek-flash", messages=HI)  # type: ignore[arg-type]

    def stream(ds: FakeDeepSeek) -> Any:
        return collect_stream(
            ds.client().chat.completions.create(model="deepseek-flash", messages=HI, stream=True)  # type: ignore[arg-type]
        )

    def legacy(ds: FakeDeepSeek) -> Any:
        with pytest.warns(FutureWarning):
            return ds.client().chat.completions.create(model="deepseek-chat", messages=HI)  # type: ignore[arg-type]

    def factory(ds: FakeDeepSeek) -> Any:  # the factory itself, not the double's convenience method
        client = create_client(ds.api_key, base_url=ds.base_url, env_file=False)
        return client.models.list()

    return {
        "chat": chat,
        "with_options": with_options,
        "stream": stream,
        "legacy name": legacy,
        "factory + models.list": factory,
        "beta chat prefix": lambda ds: complete_prefix(ds.client(beta=True), HI, "```python\n", stop="```"),
        "beta fim": lambda ds: fim(ds.client(beta=True), "def f(", max_tokens=16),
        "beta fim_stream": lambda ds: "".join(fim_stream(ds.client(beta=True), "def f(", max_tokens=16)),
        "balance": lambda ds: get_balance(ds.client()),
        "json_completion": lambda ds: json_completion(ds.client(), JSON_MSGS),
        "run_tools": lambda ds: run_tools(ds.client(), HI, [WEATHER], {"get_weather": lambda city: "sunny"}),
    }


SYNC = _sync_cases()


@pytest.mark.parametrize("case", sorted(SYNC))
@pytest.mark.usefixtures("canaries")
def test_no_canary_reaches_deepseek_sync(case: str, fake_deepseek: FakeDeepSeek) -> None:
    SYNC[case](fake_deepseek)
    _assert_clean(fake_deepseek.requests, fake_deepseek.api_key)


async def _astream(main: openai.AsyncOpenAI) -> Any:
    return await acollect_stream(await main.chat.completions.create(model="deepseek-flash", messages=HI, stream=True))  # type: ignore[arg-type]


async def _afim_stream(beta: openai.AsyncOpenAI) -> str:
    return "".join([piece async for piece in afim_stream(beta, "def f(", max_tokens=16)])


ASYNC: dict[str, Callable[[openai.AsyncOpenAI, openai.AsyncOpenAI], Awaitable[Any]]] = {
    "chat": lambda main, beta: main.chat.completions.create(model="deepseek-flash", messages=HI),  # type: ignore[arg-type]
    "with_options": lambda main, beta: main.with_options(timeout=5, max_retries=0).chat.completions.create(
        model="deepseek-flash",
        messages=HI,  # type: ignore[arg-type]
    ),
    "stream": lambda main, beta: _astream(main),
    "models.list": lambda main, beta: main.models.list(),
    "beta chat prefix": lambda main, beta: acomplete_prefix(beta, HI, "```python\n", stop="```"),
    "beta fim": lambda main, beta: afim(beta, "def f(", max_tokens=16),
    "beta fim_stream": lambda main, beta: _afim_stream(beta),
    "balance": lambda main, beta: aget_balance(main),
    "json_completion": lambda main, beta: ajson_completion(main, JSON_MSGS),
    "run_tools": lambda main, beta: arun_tools(main, HI, [WEATHER], {"get_weather": lambda city: "sunny"}),
}


@pytest.mark.parametrize("case", sorted(ASYNC))
@pytest.mark.usefixtures("canaries")
async def test_no_canary_reaches_deepseek_async(case: str, fake_deepseek: FakeDeepSeek) -> None:
    main = create_async_client(fake_deepseek.api_key, base_url=fake_deepseek.base_url, env_file=False)
    beta = create_async_client(fake_deepseek.api_key, base_url=fake_deepseek.base_url, env_file=False, beta=True)
    async with main, beta:
        await ASYNC[case](main, beta)
    _assert_clean(fake_deepseek.requests, fake_deepseek.api_key)


@pytest.mark.usefixtures("canaries")
def test_missing_key_does_not_fall_back_to_openai_api_key(fake_deepseek: FakeDeepSeek) -> None:
    from deepseek_openai import MissingAPIKeyError

    with pytest.raises(MissingAPIKeyError) as info:
        create_client(base_url=fake_deepseek.base_url)
    assert CANARY not in str(info.value)
    assert fake_deepseek.requests == []


# The suite-wide check (tests/conftest.py, no_key_shown) must itself catch a key on each channel it watches.
_LEAKY = """
import logging, subprocess, sys, warnings
import openai, pytest
from deepseek_openai import InvalidRequestError, create_client

KEY = "sk-leaky-0123456789abcdef"
PLAIN = "plain-key-not-shaped-like-one"


def test_log():
    logging.getLogger("openai").debug("sending with %s", KEY)

def test_warning():
    with pytest.warns(UserWarning):
        warnings.warn(f"key {KEY}", UserWarning)

def test_our_exception():
    with pytest.raises(InvalidRequestError):
        raise InvalidRequestError(f"bad key {KEY}", fix="none")

def test_cli_output(capsys):
    print(KEY)
    capsys.readouterr()

def test_subprocess_output():
    subprocess.run([sys.executable, "-c", f"print({KEY!r})"], capture_output=True, check=True)

def test_registered_key_in_an_sdk_error():
    create_client(PLAIN, base_url="http://127.0.0.1:9", env_file=False)
    openai.OpenAIError(f"server said {PLAIN}")

def test_clean():
    logging.getLogger("openai").debug("nothing secret")
    openai.OpenAIError("server said sk-someone-elses-0123456789")  # the server's text, not a key in use
"""


def test_the_suite_wide_key_check_catches_every_channel(pytester: pytest.Pytester) -> None:
    pytester.makeconftest((Path(__file__).parent / "conftest.py").read_text(encoding="utf-8"))
    pytester.makepyfile(test_leaky=_LEAKY)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\nfilterwarnings = error\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=7, errors=6)
    assert "a whole API key was logged, warned, raised or printed" in result.stdout.str()
    assert "plain-key-not-shaped-like-one" in result.stdout.str()
