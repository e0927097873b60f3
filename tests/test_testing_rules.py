"""FakeDeepSeek refuses what DeepSeek refuses: every rule through the real SDK, sync and async."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from decimal import Decimal
from typing import Any

import openai
import pytest

from deepseek_openai import FIM_MAX_TOKENS, MAX_TOOLS, RULES
from deepseek_openai.testing import FakeDeepSeek

USER = [{"role": "user", "content": "hi"}]
OFF = {"thinking": {"type": "disabled"}}


def tool(name: str = "get_weather") -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "parameters": {"type": "object", "properties": {}}}}


CALL = {"id": "call_00_abc", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
HISTORY_NO_REASONING = [
    {"role": "user", "content": "weather?"},
    {"role": "assistant", "content": "", "tool_calls": [CALL]},
    {"role": "tool", "tool_call_id": "call_00_abc", "content": "sunny"},
]


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def send(ds: FakeDeepSeek, mode: str, kind: str, client_kw: dict[str, Any], **kw: Any) -> Any:
    client_kw = {"max_retries": 0, **client_kw}
    if mode == "sync":
        with ds.client(**client_kw) as client:
            api = client.chat.completions if kind == "chat" else client.completions
            return api.create(**kw)
    async with ds.async_client(**client_kw) as aclient:
        aapi = aclient.chat.completions if kind == "chat" else aclient.completions
        return await aapi.create(**kw)


# (rule id, message fields, endpoint, client options, request keywords)
CASES: list[tuple[str, dict[str, Any], str, dict[str, Any], dict[str, Any]]] = [
    ("retired_model", {}, "chat", {"legacy_models": "pass"}, {"model": "deepseek-chat", "messages": USER}),
    ("retired_model", {}, "chat", {"legacy_models": "pass"}, {"model": "deepseek-reasoner", "messages": USER}),
    ("unknown_model", {}, "chat", {}, {"model": "gpt-4o", "messages": USER}),
    (
        "passback",
        {},
        "chat",
        {"compat": False},
        {"model": "deepseek-flash", "messages": HISTORY_NO_REASONING, "tools": [tool()]},
    ),
    (
        "tool_choice_thinking",
        {},
        "chat",
        {"compat": False},
        {"model": "deepseek-flash", "messages": USER, "tools": [tool()], "tool_choice": "required"},
    ),
    (
        "tool_choice_thinking",
        {},
        "chat",
        {"compat": False},
        {
            "model": "deepseek-v4-pro",
            "messages": USER,
            "tools": [tool()],
            "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
        },
    ),
    (
        "json_schema",
        {},
        "chat",
        {"compat": False},
        {
            "model": "deepseek-flash",
            "messages": USER,
            "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}},
        },
    ),
    (
        "reasoning_effort",
        {"value": "extreme"},
        "chat",
        {},
        {"model": "deepseek-flash", "messages": USER, "extra_body": {"reasoning_effort": "extreme"}},
    ),
    (
        "developer_role",
        {"index": 0},
        "chat",
        {"compat": False},
        {"model": "deepseek-flash", "messages": [{"role": "developer", "content": "be brief"}, *USER]},
    ),
    (
        "prefix_not_beta",
        {},
        "chat",
        {},
        {"model": "deepseek-flash", "messages": [*USER, {"role": "assistant", "content": "```", "prefix": True}]},
    ),
    (
        "tool_without_call",
        {},
        "chat",
        {},
        {"model": "deepseek-flash", "messages": [*USER, {"role": "tool", "tool_call_id": "call_00_x", "content": "1"}]},
    ),
    ("max_tokens_range", {}, "chat", {}, {"model": "deepseek-flash", "messages": USER, "max_tokens": 0}),
    ("max_tokens_range", {}, "chat", {}, {"model": "deepseek-flash", "messages": USER, "max_tokens": 393_217}),
    (
        "too_many_tools",
        {},
        "chat",
        {},
        {"model": "deepseek-flash", "messages": USER, "tools": [tool(f"t{i}") for i in range(MAX_TOOLS + 1)]},
    ),
    (
        "fim_max_tokens",
        {},
        "fim",
        {"beta": True},
        {"model": "deepseek-flash", "prompt": "def f():", "max_tokens": FIM_MAX_TOKENS + 1},
    ),
    (
        "tool_name",
        {"name": "get weather"},
        "chat",
        {},
        {"model": "deepseek-flash", "messages": USER, "tools": [tool("get weather")]},
    ),
    (
        "tool_name",
        {"name": "x" * 65},
        "chat",
        {},
        {"model": "deepseek-flash", "messages": USER, "tools": [tool("x" * 65)]},
    ),
    ("user_id", {}, "chat", {}, {"model": "deepseek-flash", "messages": USER, "extra_body": {"user_id": "a" * 513}}),
]


@pytest.mark.parametrize(
    ("rule_id", "fields", "kind", "client_kw", "kw"),
    CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)],
)
async def test_rule_refused_with_deepseek_status_and_message(
    fake_deepseek: FakeDeepSeek,
    mode: str,
    rule_id: str,
    fields: dict[str, Any],
    kind: str,
    client_kw: dict[str, Any],
    kw: dict[str, Any],
) -> None:
    rule = RULES[rule_id]
    assert rule.refuses  # the double refuses only what DeepSeek is known to refuse (the row's evidence)
    with pytest.raises(openai.APIStatusError) as caught:
        await send(fake_deepseek, mode, kind, client_kw, **kw)
    assert caught.value.status_code == rule.status
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["message"] == rule.message.format(**fields)
    assert caught.value.body["type"] == rule.error_type
    assert caught.value.body["param"] is None


# Requests DeepSeek accepts although they look close to a rule.
ACCEPTED: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "tools-with-reasoning-passed-back",
        {},
        {
            "model": "deepseek-flash",
            "tools": [tool()],
            "messages": [
                HISTORY_NO_REASONING[0],
                {**HISTORY_NO_REASONING[1], "reasoning_content": "I should call the tool."},
                HISTORY_NO_REASONING[2],
            ],
        },
    ),
    (
        "tools-thinking-off-no-passback",
        {},
        {"model": "deepseek-flash", "tools": [tool()], "messages": HISTORY_NO_REASONING, "extra_body": OFF},
    ),
    ("no-tools-no-passback", {}, {"model": "deepseek-flash", "messages": HISTORY_NO_REASONING[:1]}),
    (
        "required-tool-choice-thinking-off",
        {},
        {"model": "deepseek-flash", "messages": USER, "tools": [tool()], "tool_choice": "required", "extra_body": OFF},
    ),
    (
        "effort-none-turns-thinking-off",
        {},
        {
            "model": "deepseek-flash",
            "messages": USER,
            "tools": [tool()],
            "tool_choice": "required",
            "extra_body": {"reasoning_effort": "none"},
        },
    ),
    (
        "effort-alias-medium",
        {},
        {"model": "deepseek-flash", "messages": USER, "extra_body": {"reasoning_effort": "medium"}},
    ),
    ("alias-model", {}, {"model": "deepseek-v4-flash", "messages": USER}),
    ("user-id", {}, {"model": "deepseek-flash", "messages": USER, "extra_body": {"user_id": "user_42-a"}}),
    ("empty-user-id", {}, {"model": "deepseek-flash", "messages": USER, "extra_body": {"user_id": ""}}),
    (
        "max-tools",
        {},
        {"model": "deepseek-flash", "messages": USER, "tools": [tool(f"t{i}") for i in range(MAX_TOOLS)]},
    ),
    (  # rules whose server behaviour is unknown (RULES evidence): the double answers, as the client only warns
        "prefix-not-last",
        {"beta": True},
        {"model": "deepseek-flash", "messages": [{"role": "assistant", "content": "x", "prefix": True}, *USER]},
    ),
    ("user-id-other-characters", {}, {"model": "deepseek-flash", "messages": USER, "extra_body": {"user_id": "a@b.c"}}),
    (
        "latest-reminder-role",
        {},
        {"model": "deepseek-flash", "messages": [*USER, {"role": "latest_reminder", "content": "2026-12-02"}]},
    ),
    (  # API digest §18: the main base answered HTTP 200 to strict tools
        "strict-tools-on-the-main-base",
        {},
        {
            "model": "deepseek-flash",
            "messages": USER,
            "tools": [{"type": "function", "function": {**tool()["function"], "strict": True}}],
        },
    ),
    (
        "prefix-on-beta",
        {"beta": True},
        {"model": "deepseek-flash", "messages": [*USER, {"role": "assistant", "content": "```", "prefix": True}]},
    ),
]


@pytest.mark.parametrize(("name", "client_kw", "kw"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
async def test_close_calls_are_accepted(
    fake_deepseek: FakeDeepSeek, mode: str, name: str, client_kw: dict[str, Any], kw: dict[str, Any]
) -> None:
    reply = await send(fake_deepseek, mode, "chat", client_kw, **kw)
    assert reply.object == "chat.completion"
    # Unscripted, a request with tools ending in a user turn gets the default tool call; the rest an answer.
    calls_a_tool = bool(kw.get("tools")) and kw["messages"][-1]["role"] == "user"
    assert reply.choices[0].finish_reason == ("tool_calls" if calls_a_tool else "stop")


@pytest.mark.parametrize("thinking", [None, {"type": "disabled"}], ids=["no-thinking-field", "thinking-disabled"])
async def test_fim_without_thinking_is_fine(fake_deepseek: FakeDeepSeek, mode: str, thinking: Any) -> None:
    extra = {} if thinking is None else {"thinking": thinking}
    reply = await send(
        fake_deepseek,
        mode,
        "fim",
        {"beta": True},
        model="deepseek-flash",
        prompt="def f():",
        max_tokens=FIM_MAX_TOKENS,
        extra_body=extra,
    )
    assert reply.object == "text_completion"
    assert "thinking" not in fake_deepseek.requests[-1].json or thinking is not None


@pytest.mark.parametrize("key", [None, "sk-wrong-key-0000abcd"], ids=["default-key-mismatch", "wrong-key"])
async def test_wrong_key_gets_401_with_redacted_key(fake_deepseek: FakeDeepSeek, mode: str, key: str | None) -> None:
    sent = key or "sk-other-key-that-is-not-it-9z9z"
    with pytest.raises(openai.AuthenticationError) as caught:
        await send(fake_deepseek, mode, "chat", {"api_key": sent}, model="deepseek-flash", messages=USER)
    rule = RULES["auth"]
    assert caught.value.status_code == rule.status == 401
    assert caught.value.body["message"] == rule.message.format(key="****" + sent[-4:])
    assert caught.value.body["type"] == "authentication_error"
    assert sent not in json.dumps(caught.value.body)


def test_missing_key_gets_401(fake_deepseek: FakeDeepSeek) -> None:
    request = urllib.request.Request(fake_deepseek.base_url + "/models")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    body = json.loads(caught.value.read())
    caught.value.close()
    assert caught.value.code == 401
    assert body["error"]["message"] == RULES["auth"].message.format(key="****")


async def test_empty_balance_gets_402_on_chat_and_fim(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    fake_deepseek.balance = Decimal("0")
    rule = RULES["balance"]
    for kind, client_kw, kw in (
        ("chat", {}, {"model": "deepseek-flash", "messages": USER}),
        ("fim", {"beta": True}, {"model": "deepseek-flash", "prompt": "x"}),
    ):
        with pytest.raises(openai.APIStatusError) as caught:
            await send(fake_deepseek, mode, kind, client_kw, **kw)
        assert caught.value.status_code == rule.status == 402
        assert caught.value.body == {
            "message": rule.message,
            "type": "unknown_error",
            "param": None,
            "code": "invalid_request_error",
        }
    fake_deepseek.balance = Decimal("5")
    reply = await send(fake_deepseek, mode, "chat", {}, model="deepseek-flash", messages=USER)
    assert reply.choices[0].message.content == "Echo: hi"


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (b"{not json", "key must be a string at line 1 column 2"),
        (b"", "EOF while parsing a value at line 1 column 0"),
        (b'{"model": "deepseek-flash", "messages": [}', "expected value at line 1 column 42"),
        (b'{"model": "deepseek-flash",\n "messages": [', "EOF while parsing a list at line 2 column 14"),
        (b'{"model": "deepseek-flash"} x', "trailing characters at line 1 column 29"),
        (b'{"model": "deepseek-flash", "messages": [1,]}', "trailing comma at line 1 column 44"),
        ('{"modèle" "x"}'.encode(), "expected `:` at line 1 column 12"),  # serde counts bytes: è is two
    ],
)
def test_body_that_is_not_json_gets_400_with_serde_position(
    fake_deepseek: FakeDeepSeek, raw: bytes, detail: str
) -> None:
    request = urllib.request.Request(
        fake_deepseek.base_url + "/chat/completions",
        data=raw,
        headers={"Authorization": f"Bearer {fake_deepseek.api_key}", "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    body = json.loads(caught.value.read())
    caught.value.close()
    assert caught.value.code == 400
    assert body["error"] == {
        "message": f"Failed to parse the request body as JSON: {detail}",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_request_error",
    }


async def test_missing_messages_is_a_422_deserialize_error(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as caught:
        await send(
            fake_deepseek,
            mode,
            "chat",
            {},
            model="deepseek-flash",
            messages=USER,
            extra_body={"messages": None, "model": "deepseek-flash"},
        )
    assert caught.value.body["message"].startswith("Failed to deserialize the JSON body into the target type")


async def test_refused_request_leaves_scripted_reply_queued(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    fake_deepseek.add_reply("scripted")
    with pytest.raises(openai.BadRequestError):
        await send(fake_deepseek, mode, "chat", {}, model="nope", messages=USER)
    reply = await send(fake_deepseek, mode, "chat", {}, model="deepseek-flash", messages=USER)
    assert reply.choices[0].message.content == "scripted"


@pytest.mark.parametrize(
    ("rule_id", "client_kw", "kw"),
    [
        ("fim_thinking", {"beta": True}, {"extra_body": {"thinking": {"type": "enabled"}}}),
        ("fim_not_beta", {}, {}),
    ],
)
async def test_fim_close_calls_are_answered(
    fake_deepseek: FakeDeepSeek, mode: str, rule_id: str, client_kw: dict[str, Any], kw: dict[str, Any]
) -> None:
    # FIM is documented on /beta, non-thinking; what DeepSeek does otherwise is not known, so the double answers.
    assert not RULES[rule_id].refuses
    reply = await send(fake_deepseek, mode, "fim", client_kw, model="deepseek-flash", prompt="def f():", **kw)
    assert reply.object == "text_completion"
    assert fake_deepseek.requests[-1].path == ("/beta/completions" if client_kw else "/completions")
