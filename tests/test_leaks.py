"""Leak matrix: with every OPENAI_* variable set to a canary, nothing of the user's OpenAI set-up reaches DeepSeek.

Runs on every SDK major through .ci/run's version matrix. Each case goes through the real SDK to the double, whose
recorded requests are then searched (headers, path, query and body) for any canary.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import openai
import pytest

from deepseek_openai import (
    InvalidRequestError,
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
    create_http_client,
    fim,
    fim_stream,
    get_balance,
    json_completion,
    run_tools,
)
from deepseek_openai._compat._openai_env import foreign_key_error, openai_env_headers
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


@pytest.mark.slow  # a real process: the slow leg (pytest -m slow)
def test_the_suite_wide_key_check_catches_every_channel(pytester: pytest.Pytester) -> None:
    pytester.makeconftest((Path(__file__).parent / "conftest.py").read_text(encoding="utf-8"))
    pytester.makepyfile(test_leaky=_LEAKY)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\nfilterwarnings = error\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=7, errors=6)
    assert "a whole API key was logged, warned, raised or printed" in result.stdout.str()
    assert "plain-key-not-shaped-like-one" in result.stdout.str()


# -- copies: with_options / copy rebuild the client, and the SDK re-reads OPENAI_* every time -------------------

TENANT_KEY = "sk-tenant-a-4d1e"  # multi-tenant: a client made with this key, copied with api_key=<the double's>
MINE = {"X-Mine": "yes"}


def _copy_cases(http_client: Callable[[], Any], key: str) -> dict[str, tuple[Callable[[Any], Any], bool]]:
    """Each case: (make a copy of a client, is the client made with TENANT_KEY and the copy given ``key``)."""
    return {
        "with_options(timeout)": (lambda c: c.with_options(timeout=5), False),
        "with_options(max_retries)": (lambda c: c.with_options(max_retries=0), False),
        "with_options(base_url)": (lambda c: c.with_options(base_url=str(c.base_url)), False),
        "with_options(default_headers)": (lambda c: c.with_options(default_headers=MINE), False),
        "with_options(set_default_headers)": (lambda c: c.with_options(set_default_headers=MINE), False),
        "with_options(default_query)": (lambda c: c.with_options(default_query={"mine": "1"}), False),
        "with_options(set_default_query)": (lambda c: c.with_options(set_default_query={"mine": "1"}), False),
        "with_options(http_client)": (lambda c: c.with_options(http_client=http_client()), False),
        "with_options(api_key)": (lambda c: c.with_options(api_key=key), True),
        "with_options(api_key, set_default_headers)": (
            lambda c: c.with_options(api_key=key, set_default_headers=MINE),
            True,
        ),
        "copy()": (lambda c: c.copy(), False),
        "copy of copies": (lambda c: c.copy(timeout=9).with_options(max_retries=0).copy(), False),
        "api_key, then copies": (lambda c: c.with_options(api_key=key).copy().with_options(timeout=5), True),
    }


COPY_CASES = sorted(_copy_cases(lambda: None, ""))
WHEN = ["env before create_client", "env changed after create_client"]


def _check_copy(case: str, copy: Any, original: Any, seen: list[RecordedRequest], key: str) -> None:
    assert type(copy) is type(original)  # still the SDK's own class, however many copies deep
    _assert_clean(seen, key)  # for the api_key cases: the copy's key, not the one the client was made with
    assert all(openai_env_headers(request.headers, OPENAI_VARS) == [] for request in seen)
    for request in seen:
        if "X-Mine" in case or "headers" in case:
            assert request.headers.get("x-mine") == "yes"
        if "query" in case:
            assert request.query == "mine=1"


def _set_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in OPENAI_VARS.items():
        monkeypatch.setenv(name, value)


def _copy_setup(
    case: str, when: str, ds: FakeDeepSeek, monkeypatch: pytest.MonkeyPatch, make_http: Callable[..., Any]
) -> tuple[Callable[[Any], Any], dict[str, Any], list[Any]]:
    """Return (make the copy, options for the original client, HTTP clients the case made, to close)."""
    made: list[Any] = []

    def http_client() -> Any:
        made.append(make_http(verify=False))
        return made[-1]

    if when.startswith("env before"):
        _set_openai_env(monkeypatch)
    make, new = _copy_cases(http_client, ds.api_key)[case]
    return make, ({"api_key": TENANT_KEY} if new else {}), made


@pytest.mark.parametrize("when", WHEN)
@pytest.mark.parametrize("case", COPY_CASES)
def test_no_canary_reaches_deepseek_through_copies_sync(
    case: str, when: str, fake_deepseek: FakeDeepSeek, monkeypatch: pytest.MonkeyPatch
) -> None:
    from deepseek_openai import create_http_client

    make, options, made = _copy_setup(case, when, fake_deepseek, monkeypatch, create_http_client)
    original = fake_deepseek.client(**options)
    _set_openai_env(monkeypatch)  # e.g. a library calling load_dotenv() after the client was made
    copy = make(original)
    copy.chat.completions.create(model="deepseek-flash", messages=HI)
    _check_copy(case, copy, original, fake_deepseek.requests, fake_deepseek.api_key)
    for client in made:
        client.close()


@pytest.mark.parametrize("when", WHEN)
@pytest.mark.parametrize("case", COPY_CASES)
async def test_no_canary_reaches_deepseek_through_copies_async(
    case: str, when: str, fake_deepseek: FakeDeepSeek, monkeypatch: pytest.MonkeyPatch
) -> None:
    from deepseek_openai import create_async_http_client

    make, options, made = _copy_setup(case, when, fake_deepseek, monkeypatch, create_async_http_client)
    async with fake_deepseek.async_client(**options) as original:
        _set_openai_env(monkeypatch)
        copy = make(original)
        await copy.chat.completions.create(model="deepseek-flash", messages=HI)
    _check_copy(case, copy, original, fake_deepseek.requests, fake_deepseek.api_key)
    for client in made:
        await client.aclose()


@pytest.mark.usefixtures("canaries")
def test_explicit_organization_and_project_are_the_users_choice(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client(organization="org-mine")
    client.with_options(timeout=5).chat.completions.create(model="deepseek-flash", messages=HI)  # type: ignore[arg-type]
    client.with_options(project="proj-mine").copy().chat.completions.create(model="deepseek-flash", messages=HI)  # type: ignore[arg-type]
    first, second = fake_deepseek.requests
    assert first.headers["openai-organization"] == "org-mine" and "openai-project" not in first.headers
    assert second.headers["openai-organization"] == "org-mine" and second.headers["openai-project"] == "proj-mine"
    assert all(CANARY not in " ".join(r.headers.values()) for r in fake_deepseek.requests)


@pytest.mark.usefixtures("canaries")
def test_lower_case_authorization_line_never_displaces_the_key(
    fake_deepseek: FakeDeepSeek, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_CUSTOM_HEADERS", f"authorization: Bearer sk-{CANARY}\nx-canary: {CANARY}")
    client = fake_deepseek.client()
    client.chat.completions.create(model="deepseek-flash", messages=HI)  # type: ignore[arg-type]
    tenant = fake_deepseek.client(api_key=TENANT_KEY)
    tenant.with_options(api_key=fake_deepseek.api_key).chat.completions.create(model="deepseek-flash", messages=HI)  # type: ignore[arg-type]
    _assert_clean(fake_deepseek.requests, fake_deepseek.api_key)


_ADMIN = hasattr(openai.OpenAI, "admin")  # openai >= 2.34 reads OPENAI_ADMIN_KEY and has client.admin.*


@pytest.mark.skipif(not _ADMIN, reason="this openai has no admin API and does not read OPENAI_ADMIN_KEY")
@pytest.mark.usefixtures("canaries")
def test_openai_admin_key_is_never_read_nor_sent_sync(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client()
    tenant = fake_deepseek.client(api_key=TENANT_KEY).with_options(api_key=fake_deepseek.api_key).copy()
    for each in (client, client.with_options(timeout=5), tenant):
        assert CANARY not in str(each.admin_api_key)
        with pytest.raises(openai.NotFoundError):  # DeepSeek has no admin API; the double answers 404
            each.admin.organization.admin_api_keys.list()
    _assert_clean(fake_deepseek.requests, fake_deepseek.api_key)


@pytest.mark.skipif(not _ADMIN, reason="this openai has no admin API and does not read OPENAI_ADMIN_KEY")
@pytest.mark.usefixtures("canaries")
async def test_openai_admin_key_is_never_read_nor_sent_async(fake_deepseek: FakeDeepSeek) -> None:
    async with fake_deepseek.async_client() as client:
        for each in (client, client.with_options(timeout=5)):
            assert CANARY not in str(each.admin_api_key)
            with pytest.raises(openai.NotFoundError):
                await each.admin.organization.admin_api_keys.list()
    assert fake_deepseek.requests
    _assert_clean(fake_deepseek.requests, fake_deepseek.api_key)


@pytest.mark.usefixtures("canaries")
def test_hook_scrub_finds_what_a_raw_sdk_client_takes_from_openai_env(fake_deepseek: FakeDeepSeek) -> None:
    # A framework handed create_http_client() builds its own openai.OpenAI; only the hook sees its requests.
    raw = openai.OpenAI(api_key=fake_deepseek.api_key, base_url=fake_deepseek.base_url, max_retries=0)
    with raw, pytest.raises(openai.AuthenticationError) if _ADMIN else contextlib.nullcontext():
        raw.models.list()  # openai 2.34+ sends the OPENAI_CUSTOM_HEADERS Authorization line: the double says 401
    found = openai_env_headers(fake_deepseek.requests[0].headers, OPENAI_VARS)
    from_env = ["x-canary", "openai-beta", "authorization"] if _ADMIN else []  # 1.x does not read the variable
    assert sorted(found) == sorted(["openai-organization", "openai-project", *from_env])
    sent = {"Authorization": f"Bearer {OPENAI_VARS['OPENAI_ADMIN_KEY']}", "X-Other": CANARY, "openai-project": "p"}
    assert openai_env_headers(sent, OPENAI_VARS) == ["authorization"]
    assert openai_env_headers(sent, {}) == []
    error = foreign_key_error()
    assert "OPENAI_CUSTOM_HEADERS" in error.fix and CANARY not in str(error)


@pytest.mark.usefixtures("canaries")
def test_a_framework_client_on_our_http_client_sends_nothing_from_openai_env(fake_deepseek: FakeDeepSeek) -> None:
    # What langchain-openai and others do: their own openai.OpenAI (which reads OPENAI_*) over our HTTP client.
    def framework_client() -> openai.OpenAI:
        http = create_http_client()
        return openai.OpenAI(api_key=fake_deepseek.api_key, base_url=fake_deepseek.base_url, http_client=http)

    env = dict(OPENAI_VARS)
    env["OPENAI_CUSTOM_HEADERS"] = f"X-Canary: {CANARY}\nOpenAI-Beta: {CANARY}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENAI_CUSTOM_HEADERS", env["OPENAI_CUSTOM_HEADERS"])
        with framework_client() as client:
            client.chat.completions.create(model="deepseek-flash", messages=HI)  # type: ignore[arg-type]
    _assert_clean(fake_deepseek.requests, fake_deepseek.api_key)
    # With an Authorization line (openai 2.34+ reads it), the OpenAI key would replace ours: refused, nothing sent.
    with framework_client() as client:
        if not _ADMIN:  # openai 1.x does not read OPENAI_CUSTOM_HEADERS: nothing to refuse
            client.chat.completions.create(model="deepseek-flash", messages=HI)  # type: ignore[arg-type]
            assert len(fake_deepseek.requests) == 2
            return
        with pytest.raises(InvalidRequestError, match="OPENAI_CUSTOM_HEADERS") as info:
            client.chat.completions.create(model="deepseek-flash", messages=HI)  # type: ignore[arg-type]
    assert CANARY not in str(info.value) and len(fake_deepseek.requests) == 1
