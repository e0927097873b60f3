"""The request hook's rewrites (REWRITES), checked on the wire: what changes, what warns, what goes out untouched."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import openai
import pydantic
import pytest

from deepseek_openai import REWRITES, CompatWarning, InvalidRequestError, LegacyModelError, LegacyModelWarning
from deepseek_openai._compat._rewrites import PASSED_AS_WRITTEN
from deepseek_openai.testing import FakeDeepSeek
from tests._wire import Recorder

USER = [{"role": "user", "content": "hi"}]
TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}}
NAMED = {"type": "function", "function": {"name": "get_weather"}}
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def ds() -> Any:
    with FakeDeepSeek() as fake:
        yield fake


def raw_client(ds: FakeDeepSeek) -> openai.OpenAI:
    return openai.OpenAI(api_key=ds.api_key, base_url=ds.base_url, max_retries=0)


@pytest.mark.parametrize("choice", ["required", NAMED])
def test_forced_tool_choice_turns_thinking_off_and_warns(ds: FakeDeepSeek, choice: Any) -> None:
    client = ds.client()
    with pytest.warns(CompatWarning, match="thinking off") as caught:
        for _ in range(2):
            reply = client.chat.completions.create(
                model="deepseek-flash", messages=USER, tools=[TOOL], tool_choice=choice
            )  # type: ignore[arg-type]
    assert len(caught) == 2 and {w.filename for w in caught} == {__file__}  # pytest.warns shows every one
    assert ds.requests[-1].json["thinking"] == {"type": "disabled"}
    assert ds.requests[-1].json["tool_choice"] == choice
    assert reply.choices[0].message.tool_calls  # the double forces the call, as DeepSeek would
    with pytest.raises(openai.BadRequestError, match="tool_choice"):  # teeth: the same request, unhooked
        raw_client(ds).chat.completions.create(model="deepseek-flash", messages=USER, tools=[TOOL], tool_choice=choice)  # type: ignore[arg-type]


@pytest.mark.parametrize("explicit", [{"thinking": {"type": "enabled"}}, {"reasoning_effort": "max"}])
async def test_forced_tool_choice_with_thinking_asked_for_is_refused(ds: FakeDeepSeek, explicit: Any) -> None:
    async with ds.async_client() as client:
        with pytest.raises(InvalidRequestError, match="forces a tool call") as info:
            await client.chat.completions.create(
                model="deepseek-flash",
                messages=USER,  # type: ignore[arg-type]
                tools=[TOOL],  # type: ignore[list-item]
                tool_choice="required",
                extra_body=explicit,
            )
    assert info.value.rule == "tool_choice_thinking" and ds.requests == []


class Wind(pydantic.BaseModel):
    speed: int
    direction: str


class Weather(pydantic.BaseModel):
    city: str
    celsius: float
    tags: list[str]
    wind: Wind | None = None


def parse(client: openai.OpenAI, **kwargs: Any) -> Any:
    # openai 1.x has parse() under client.beta only.
    completions: Any = (
        client.chat.completions if hasattr(client.chat.completions, "parse") else client.beta.chat.completions
    )  # type: ignore[attr-defined]
    return completions.parse(**kwargs)


def test_parse_with_a_pydantic_model_round_trips(ds: FakeDeepSeek) -> None:
    with pytest.warns(CompatWarning, match="json_schema"):
        reply = parse(ds.client(), model="deepseek-flash", messages=USER, response_format=Weather)
    parsed = reply.choices[0].message.parsed
    assert isinstance(parsed, Weather) and parsed.city and isinstance(parsed.wind, Wind)
    body = ds.requests[-1].json
    assert body["response_format"] == {"type": "json_object"}
    assert body["messages"][0]["role"] == "system" and "json" in body["messages"][0]["content"]
    assert '"celsius"' in body["messages"][0]["content"] and body["messages"][1:] == USER
    with pytest.raises(openai.BadRequestError, match="response_format"):
        parse(raw_client(ds), model="deepseek-flash", messages=USER, response_format=Weather)


def test_developer_role_and_max_completion_tokens_are_renamed_silently(ds: FakeDeepSeek) -> None:
    client = ds.client()
    messages = [{"role": "developer", "content": "Be brief."}, *USER]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client.chat.completions.create(model="deepseek-flash", messages=messages, max_completion_tokens=40)  # type: ignore[arg-type]
        body = ds.requests[-1].json
        client.chat.completions.create(
            model="deepseek-flash",
            messages=USER,  # type: ignore[arg-type]
            max_tokens=30,
            max_completion_tokens=40,
        )
    assert body["messages"][0] == {"role": "system", "content": "Be brief."} and body["max_tokens"] == 40
    assert "max_completion_tokens" not in body
    assert ds.requests[-1].json["max_tokens"] == 30 and "max_completion_tokens" not in ds.requests[-1].json
    assert messages[0]["role"] == "developer"  # the caller's objects are never changed


def test_openai_only_fields_without_evidence_are_sent_as_written(ds: FakeDeepSeek) -> None:
    assert {"n", "seed", "logit_bias", "parallel_tool_calls", "user"} <= set(PASSED_AS_WRITTEN)
    fields = {"n": 1, "seed": 7, "logit_bias": {"1": 2}, "parallel_tool_calls": False, "user": "u", "store": False}
    ds.client().chat.completions.create(model="deepseek-flash", messages=USER, tools=[TOOL], **fields)  # type: ignore[arg-type]
    raw_client(ds).chat.completions.create(model="deepseek-flash", messages=USER, tools=[TOOL], **fields)  # type: ignore[arg-type]
    assert ds.requests[0].body == ds.requests[1].body


ACCEPTED: list[dict[str, Any]] = [
    {"model": "deepseek-flash", "messages": USER},
    {"model": "deepseek-v4-pro", "messages": USER, "tools": [TOOL], "tool_choice": "auto", "stream": True},
    {
        "model": "deepseek-flash",
        "messages": [
            {"role": "system", "content": "Answer in json, like {\"a\": 1}. Say \"developer\"."},
            {"role": "user", "content": "weather?"},
            {"role": "assistant", "content": "", "reasoning_content": "r", "tool_calls": [
                {"id": "call_00_a", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "call_00_a", "content": "sunny"},
        ],
        "tools": [TOOL],
        "response_format": {"type": "json_object"},
        "max_tokens": 100,
    },
    {"model": "deepseek-flash", "messages": USER, "tools": [TOOL], "tool_choice": "required",
     "extra_body": {"thinking": {"type": "disabled"}}},
]  # fmt: skip


@pytest.mark.parametrize("request_kw", ACCEPTED, ids=["plain", "stream-tools", "history-json", "forced-off"])
def test_accepted_requests_go_out_byte_identical(ds: FakeDeepSeek, request_kw: dict[str, Any]) -> None:
    for client in (ds.client(), ds.client(compat=False), raw_client(ds)):
        reply: Any = client.chat.completions.create(**request_kw)
        if request_kw.get("stream"):
            list(reply)
    first, second, third = (r.body for r in ds.requests)
    assert first == second == third


def test_compat_off_sends_exactly_what_was_written(ds: FakeDeepSeek) -> None:
    body: dict[str, Any] = {
        "model": "deepseek-flash",
        "messages": [{"role": "developer", "content": "x"}, *USER],
        "max_completion_tokens": 5,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for client in (ds.client(compat=False), raw_client(ds)):
            with pytest.raises(openai.UnprocessableEntityError):
                client.chat.completions.create(**body)
    assert ds.requests[0].body == ds.requests[1].body


@pytest.mark.parametrize(
    ("model", "extra", "sent_thinking", "effort"),
    [
        ("deepseek-reasoner", {"reasoning_effort": "none"}, None, "none"),
        ("deepseek-chat", {"reasoning_effort": "max"}, None, "max"),
        ("deepseek-chat", {"thinking": {"type": "enabled"}}, {"type": "enabled"}, None),
        ("deepseek-reasoner", {}, {"type": "enabled"}, None),
    ],
)
def test_legacy_names_with_an_explicit_effort_follow_one_rule(
    ds: FakeDeepSeek, model: str, extra: dict[str, Any], sent_thinking: Any, effort: Any
) -> None:
    with pytest.warns(LegacyModelWarning, match="with thinking " + ("off" if effort == "none" else "on")):
        reply = ds.client().chat.completions.create(model=model, messages=USER, extra_body=extra)  # type: ignore[arg-type]
    body = ds.requests[-1].json
    assert body["model"] == "deepseek-flash"
    assert body.get("thinking") == sent_thinking and body.get("reasoning_effort") == effort
    thought = getattr(reply.choices[0].message, "reasoning_content", None)
    assert (thought is None) == (effort == "none")  # the double thinks exactly as the warning said


def test_responses_legacy_names_are_translated(recorder: Recorder) -> None:
    from deepseek_openai import create_client

    client = create_client("sk-test-0000000000000000", base_url=recorder.base_url)
    with pytest.warns(LegacyModelWarning, match=r"thinking off.*reasoning=\{\"effort\": \"none\"\}"):
        client.post("/responses", body={"model": "deepseek-chat", "input": "hi"}, cast_to=object)
    assert recorder.last.json == {"model": "deepseek-flash", "input": "hi", "reasoning": {"effort": "none"}}
    with pytest.warns(LegacyModelWarning, match="thinking on"):
        client.post("/responses", body={"model": "deepseek-reasoner", "input": "hi"}, cast_to=object)
    assert recorder.last.json == {"model": "deepseek-flash", "input": "hi"}
    with pytest.warns(LegacyModelWarning, match="thinking settings are kept"):
        client.post("/responses", body={"model": "deepseek-chat", "reasoning": {"effort": "low"}}, cast_to=object)
    assert recorder.last.json["reasoning"] == {"effort": "low"}  # an explicit effort decides
    strict = create_client("sk-test-0000000000000000", base_url=recorder.base_url, legacy_models="error")
    with pytest.raises(LegacyModelError):
        strict.post("/responses", body={"model": "deepseek-chat", "input": "hi"}, cast_to=object)
    assert len(recorder.seen) == 3


def test_every_rewrite_is_a_documented_row_and_the_readme_table_matches() -> None:
    readme = README.read_text(encoding="utf-8")
    for row in REWRITES.values():
        assert row.docs.startswith("https://api-docs.deepseek.com/") and row.what and row.why
        assert re.search(rf"\| `{row.id}` \| {re.escape(row.endpoint)} \| {re.escape(row.what)} \|", readme), row.id
