from __future__ import annotations

import os
import warnings
from typing import Any

import openai
import pytest

from deepseek_openai import (
    DEFAULT_BASE_URL,
    InvalidRequestError,
    LegacyModelError,
    MissingAPIKeyError,
    create_async_client,
    create_client,
    create_http_client,
)
from tests._wire import Recorder

KEY = "sk-test-key-000000000abcd"
MSG = [{"role": "user", "content": "hi"}]
CANARIES = {
    "OPENAI_API_KEY": "sk-canary-api-key",
    "OPENAI_BASE_URL": "http://127.0.0.1:9/canary",
    "OPENAI_ORG_ID": "org-canary",
    "OPENAI_PROJECT_ID": "proj-canary",
    "OPENAI_WEBHOOK_SECRET": "whsec-canary",
    "OPENAI_ADMIN_KEY": "sk-admin-canary",
    "OPENAI_CUSTOM_HEADERS": "X-Canary: leak\nAuthorization: Bearer sk-canary-header",
}


def test_returns_the_sdks_own_classes() -> None:
    assert type(create_client(KEY)) is openai.OpenAI
    assert type(create_async_client(KEY)) is openai.AsyncOpenAI
    assert str(create_client(KEY).base_url).rstrip("/") == DEFAULT_BASE_URL


def test_key_never_in_repr_or_errors() -> None:
    client = create_client(KEY)
    assert "abcd" not in repr(client) and KEY not in repr(client)
    with pytest.raises(InvalidRequestError) as info:
        create_client(KEY, legacy_models="bogus")  # type: ignore[arg-type]
    assert KEY not in str(info.value)


def test_missing_key_raises_openai_error_subclass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-canary-api-key")
    with pytest.raises(MissingAPIKeyError) as info:
        create_client()
    assert isinstance(info.value, openai.OpenAIError)
    with pytest.raises(MissingAPIKeyError):
        create_async_client()


def _assert_clean(headers: dict[str, str]) -> None:
    assert headers["authorization"] == f"Bearer {KEY}"
    for name in ("openai-organization", "openai-project", "x-canary"):
        assert name not in headers
    assert not any("canary" in v for v in headers.values())


def test_no_openai_setting_reaches_deepseek_sync(recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
    before = dict(os.environ)
    client = create_client(KEY, base_url=recorder.base_url)
    client.chat.completions.create(model="deepseek-flash", messages=MSG)  # type: ignore[arg-type]
    client.with_options(timeout=5).chat.completions.create(model="deepseek-flash", messages=MSG)  # type: ignore[arg-type]
    assert len(recorder.seen) == 2
    for seen in recorder.seen:
        assert seen.path == "/chat/completions"
        _assert_clean(seen.headers)
    assert dict(os.environ) == before


async def test_no_openai_setting_reaches_deepseek_async(recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
    client = create_async_client(KEY, base_url=recorder.base_url)
    await client.chat.completions.create(model="deepseek-flash", messages=MSG)  # type: ignore[arg-type]
    _assert_clean(recorder.last.headers)
    await client.close()


def test_key_from_environment_and_dotenv_reach_the_wire(recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    Path(".env").write_text(f"DEEPSEEK_API_KEY=sk-file-key-0001\nDEEPSEEK_BASE_URL={recorder.base_url}\n")
    create_client().models.list()
    assert recorder.last.headers["authorization"] == "Bearer sk-file-key-0001"
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-env-key-00002")
    create_client().models.list()
    assert recorder.last.headers["authorization"] == "Bearer sk-env-key-00002"


def test_beta_requests_go_under_beta(recorder: Recorder) -> None:
    client = create_client(KEY, base_url=recorder.base_url, beta=True)
    client.completions.create(model="deepseek-flash", prompt="def f(", suffix="return 1", max_tokens=8)
    assert recorder.last.path == "/beta/completions"


def test_keywords_pass_through(recorder: Recorder) -> None:
    client = create_client(
        KEY, base_url=recorder.base_url, timeout=3.5, max_retries=0, default_headers={"X-App": "demo"}
    )
    assert client.max_retries == 0
    assert client.timeout == 3.5
    client.chat.completions.create(model="deepseek-flash", messages=MSG)  # type: ignore[arg-type]
    assert recorder.last.headers["x-app"] == "demo"
    default = create_client(KEY)
    assert default.max_retries == 2
    assert isinstance(default.timeout, openai.Timeout) and default.timeout.read == 1800.0


@pytest.mark.parametrize(("legacy", "thinking"), [("deepseek-chat", "disabled"), ("deepseek-reasoner", "enabled")])
@pytest.mark.parametrize("stream", [False, True])
def test_legacy_names_are_translated_sync(recorder: Recorder, legacy: str, thinking: str, stream: bool) -> None:
    client = create_client(KEY, base_url=recorder.base_url)
    with pytest.warns(FutureWarning, match=f"'{legacy}' was retired") as caught:
        reply: Any = client.chat.completions.create(model=legacy, messages=MSG, stream=stream)  # type: ignore[call-overload]
        if stream:
            list(reply)
    assert recorder.last.json["model"] == "deepseek-flash"
    assert recorder.last.json["thinking"] == {"type": thinking}
    assert caught[0].filename == __file__  # attributed to the caller's line, so default filters show it


@pytest.mark.parametrize("stream", [False, True])
async def test_legacy_names_are_translated_async(recorder: Recorder, stream: bool) -> None:
    client = create_async_client(KEY, base_url=recorder.base_url)
    with pytest.warns(FutureWarning, match="deepseek-reasoner"):
        reply: Any = await client.chat.completions.create(model="deepseek-reasoner", messages=MSG, stream=stream)  # type: ignore[call-overload]
        if stream:
            async for _ in reply:
                pass
    assert recorder.last.json["model"] == "deepseek-flash"
    assert recorder.last.json["thinking"] == {"type": "enabled"}
    await client.close()


def test_legacy_warning_once_per_name_and_calling_line_by_default(recorder: Recorder) -> None:
    client = create_client(KEY, base_url=recorder.base_url)
    names = ("deepseek-chat", "deepseek-chat", "deepseek-reasoner", "deepseek-chat")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")  # Python's own action for a FutureWarning: once per message and line
        for model in names:
            client.chat.completions.create(model=model, messages=MSG)  # type: ignore[arg-type]
    assert [str(w.message).split("'")[1] for w in caught] == ["deepseek-chat", "deepseek-reasoner"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for model in names:
            client.chat.completions.create(model=model, messages=MSG)  # type: ignore[arg-type]
    assert [str(w.message).split("'")[1] for w in caught] == list(names)


def test_explicit_thinking_wins_and_with_options_keeps_the_hook(recorder: Recorder) -> None:
    client = create_client(KEY, base_url=recorder.base_url).with_options(timeout=9)
    with pytest.warns(FutureWarning, match="'deepseek-flash' with thinking on"):
        client.chat.completions.create(
            model="deepseek-chat",
            messages=MSG,  # type: ignore[arg-type]
            extra_body={"thinking": {"type": "enabled"}},
        )
    assert recorder.last.json["model"] == "deepseek-flash"
    assert recorder.last.json["thinking"] == {"type": "enabled"}


def test_legacy_error_mode_raises_before_the_network(recorder: Recorder) -> None:
    client = create_client(KEY, base_url=recorder.base_url, legacy_models="error", max_retries=2)
    with pytest.raises(LegacyModelError) as info:
        client.chat.completions.create(model="deepseek-chat", messages=MSG)  # type: ignore[arg-type]
    assert "deepseek-flash" in str(info.value)
    assert info.value.rule == "retired_model"
    assert recorder.seen == []


async def test_legacy_error_mode_async(recorder: Recorder) -> None:
    client = create_async_client(KEY, base_url=recorder.base_url, legacy_models="error")
    with pytest.raises(LegacyModelError):
        await client.chat.completions.create(model="deepseek-reasoner", messages=MSG)  # type: ignore[arg-type]
    assert recorder.seen == []
    await client.close()


def test_legacy_pass_mode_sends_names_untouched(recorder: Recorder) -> None:
    client = create_client(KEY, base_url=recorder.base_url, legacy_models="pass")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client.chat.completions.create(model="deepseek-chat", messages=MSG)  # type: ignore[arg-type]
    assert recorder.last.json == {"model": "deepseek-chat", "messages": MSG}


def test_fim_legacy_name_gets_no_thinking_field(recorder: Recorder) -> None:
    client = create_client(KEY, base_url=recorder.base_url, beta=True)
    with pytest.warns(FutureWarning):
        client.completions.create(model="deepseek-chat", prompt="x", max_tokens=4)
    assert recorder.last.json["model"] == "deepseek-flash"
    assert "thinking" not in recorder.last.json


def test_sampling_warning_while_thinking_only(recorder: Recorder) -> None:
    client = create_client(KEY, base_url=recorder.base_url)
    with pytest.warns(
        UserWarning, match="no effect while thinking is on: DeepSeek ignores temperature, presence_penalty"
    ):
        client.chat.completions.create(model="deepseek-flash", messages=MSG, temperature=0.2, presence_penalty=0.5)  # type: ignore[arg-type]
    assert recorder.last.json["temperature"] == 0.2  # never changed
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client.chat.completions.create(
            model="deepseek-flash",
            messages=MSG,  # type: ignore[arg-type]
            temperature=0.2,
            extra_body={"thinking": {"type": "disabled"}},
        )
        # extra_body, not the reasoning_effort keyword: openai 1.57 has no such parameter.
        client.chat.completions.create(
            model="deepseek-flash",
            messages=MSG,  # type: ignore[arg-type]
            temperature=0.2,
            extra_body={"reasoning_effort": "none"},
        )


def test_user_http_client_warns_and_ours_does_not(recorder: Recorder) -> None:
    plain = openai.DefaultHttpxClient()
    for _ in range(2):  # every time: Python's filters decide what is shown
        with pytest.warns(UserWarning, match="not translated"):
            create_client(KEY, base_url=recorder.base_url, http_client=plain)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = create_client(KEY, base_url=recorder.base_url, http_client=create_http_client(legacy_models="error"))
    with pytest.raises(LegacyModelError):
        ours.chat.completions.create(model="deepseek-chat", messages=MSG)  # type: ignore[arg-type]
    plain.close()


def test_requests_needing_nothing_are_sent_as_built(recorder: Recorder) -> None:
    client = create_client(KEY, base_url=recorder.base_url)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client.chat.completions.create(
            model="deepseek-flash",
            messages=[{"role": "user", "content": 'say "deepseek-chat" and "temperature"'}],
        )
    assert recorder.last.json["model"] == "deepseek-flash"
    assert "thinking" not in recorder.last.json


def test_default_clients_share_one_verifying_tls_context() -> None:
    import ssl

    from deepseek_openai._compat._hook import shared_ssl_context

    context = shared_ssl_context()
    assert context is shared_ssl_context()  # built once per process: it is most of a client's creation cost
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname  # certificates are still checked
    create_client(KEY)
    create_async_client(KEY)
    assert shared_ssl_context.cache_info().misses == 1


def test_with_options_plain_http_client_warns_and_ours_does_not(recorder: Recorder) -> None:
    plain = openai.DefaultHttpxClient()
    client = create_client(KEY, base_url=recorder.base_url)
    with pytest.warns(UserWarning, match=r"with_options\(http_client=\.\.\.\) uses your HTTP client as it is"):
        copy = client.with_options(http_client=plain)
    copy.chat.completions.create(model="deepseek-chat", messages=MSG)  # type: ignore[arg-type]
    assert recorder.last.json["model"] == "deepseek-chat"  # what the warning said: no translation on that copy
    with pytest.warns(UserWarning, match="with_options"):
        client.with_options(http_client=plain)  # again: Python's filters decide what is shown
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client.with_options(http_client=create_http_client()).close()
        create_client(KEY, base_url=recorder.base_url, legacy_models="pass").with_options(http_client=plain)
    plain.close()


async def test_with_options_plain_http_client_warns_async(recorder: Recorder) -> None:
    plain = openai.DefaultAsyncHttpxClient()
    async with create_async_client(KEY, base_url=recorder.base_url) as client:
        with pytest.warns(UserWarning, match="legacy model names are not translated"):
            client.with_options(http_client=plain)
    await plain.aclose()


def test_callable_key_with_an_authorization_line_is_refused_before_the_network(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = create_client(KEY, base_url=recorder.base_url)
    monkeypatch.setenv("OPENAI_CUSTOM_HEADERS", "Authorization: Bearer sk-canary-header")
    with pytest.raises(InvalidRequestError, match="callable api_key") as info:
        client.with_options(api_key=lambda: KEY)
    assert "OPENAI_CUSTOM_HEADERS" in info.value.fix
    assert recorder.seen == []
