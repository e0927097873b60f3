from __future__ import annotations

from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from deepseek_openai import (
    EFFORT_LEVELS,
    RULES,
    InvalidRequestError,
    StreamResult,
    reasoning_of,
    thinking,
    user_id,
)
from deepseek_openai.testing import FakeDeepSeek

HI = [{"role": "user", "content": "hi"}]


# -- thinking() ------------------------------------------------------------------------------------------------


def test_thinking_defaults_to_enabled_without_effort() -> None:
    assert thinking() == {"extra_body": {"thinking": {"type": "enabled"}}}
    assert thinking(False) == {"extra_body": {"thinking": {"type": "disabled"}}}


@pytest.mark.parametrize("effort", ["low", "high", "max"])
def test_effort_rides_in_extra_body_with_thinking_on(effort: str) -> None:
    assert thinking(effort=effort) == {"extra_body": {"thinking": {"type": "enabled"}, "reasoning_effort": effort}}


def test_effort_none_goes_with_thinking_off() -> None:
    assert thinking(False, effort="none")["extra_body"] == {
        "thinking": {"type": "disabled"},
        "reasoning_effort": "none",
    }


@pytest.mark.parametrize("effort", ["medium", "minimal", "xhigh", "HIGH", "", "ultra"])
def test_unknown_effort_is_refused_naming_the_allowed_values(effort: str) -> None:
    with pytest.raises(InvalidRequestError) as info:
        thinking(effort=effort)
    err = info.value
    assert isinstance(err, ValueError) and isinstance(err, openai.OpenAIError)
    assert err.rule == "reasoning_effort" and err.fix == RULES["reasoning_effort"].fix
    for level in EFFORT_LEVELS:
        assert repr(level) in str(err)


def test_alias_effort_names_what_deepseek_would_use() -> None:
    with pytest.raises(InvalidRequestError, match=r"read 'medium' as 'high'"):
        thinking(effort="medium")


def test_effort_none_with_thinking_on_is_contradictory() -> None:
    with pytest.raises(InvalidRequestError, match="contradicts") as info:
        thinking(True, effort="none")
    assert "thinking(False)" in info.value.fix


@pytest.mark.parametrize("effort", ["low", "high", "max"])
def test_effort_with_thinking_off_is_refused(effort: str) -> None:
    with pytest.raises(InvalidRequestError, match="ignores the effort"):
        thinking(False, effort=effort)


def test_thinking_merges_extra_body_without_modifying_it() -> None:
    mine = {"user_id": "u1", "thinking": {"type": "enabled"}, "custom": [1]}
    out = thinking(False, extra_body=mine)
    assert out == {"extra_body": {"user_id": "u1", "thinking": {"type": "disabled"}, "custom": [1]}}
    assert mine["thinking"] == {"type": "enabled"}


def test_thinking_and_user_id_compose_both_ways() -> None:
    a = thinking(False, **user_id("team-7_a"))
    b = user_id("team-7_a", **thinking(False))
    assert a == b == {"extra_body": {"user_id": "team-7_a", "thinking": {"type": "disabled"}}}


# -- user_id() -------------------------------------------------------------------------------------------------


def test_user_id_accepts_the_documented_alphabet_up_to_512_bytes() -> None:
    assert user_id("abc-XYZ_019") == {"extra_body": {"user_id": "abc-XYZ_019"}}
    assert user_id("a" * 512)["extra_body"]["user_id"] == "a" * 512


@pytest.mark.parametrize("value", ["", "a b", "ünï", "a/b", "a" * 513, "x@y.z", 42, None])
def test_user_id_refuses_other_values(value: Any) -> None:
    with pytest.raises(InvalidRequestError) as info:
        user_id(value)
    assert info.value.rule == "user_id"
    assert "512" in info.value.fix and repr(value)[:20] in str(info.value)


# -- over the double -------------------------------------------------------------------------------------------


def test_thinking_off_reaches_the_wire_and_the_reply_has_no_reasoning(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client()
    reply = client.chat.completions.create(model="deepseek-flash", messages=HI, **thinking(False, **user_id("u-1")))
    body = fake_deepseek.requests[-1].json
    assert body["thinking"] == {"type": "disabled"} and body["user_id"] == "u-1"
    assert "reasoning_effort" not in body
    assert reasoning_of(reply) is None
    assert reply.choices[0].message.content == "Echo: hi"


async def test_effort_reaches_the_wire_async(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_reply("42", reasoning="deep thought")
    async with fake_deepseek.async_client() as client:
        reply = await client.chat.completions.create(model="deepseek-flash", messages=HI, **thinking(effort="max"))
    body = fake_deepseek.requests[-1].json
    assert body["thinking"] == {"type": "enabled"} and body["reasoning_effort"] == "max"
    assert reasoning_of(reply) == "deep thought"
    assert reasoning_of(reply.choices[0].message) == "deep thought"


def test_unchecked_effort_would_be_refused_by_deepseek(fake_deepseek: FakeDeepSeek) -> None:
    # Why thinking() checks: DeepSeek answers 422 to an unknown effort.
    client = fake_deepseek.client(max_retries=0)
    with pytest.raises(openai.UnprocessableEntityError):
        client.chat.completions.create(model="deepseek-flash", messages=HI, extra_body={"reasoning_effort": "huge"})


# -- reasoning_of() --------------------------------------------------------------------------------------------


def _completion(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "c1",
        "object": "chat.completion",
        "created": 1,
        "model": "deepseek-flash",
        "choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": "stop"}],
    }


def _chunk(delta: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "deepseek-flash",
        "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
    }


@pytest.mark.parametrize("value", ["why", ""])
def test_reasoning_of_reads_every_shape(value: str) -> None:
    completion = _completion({"content": "a", "reasoning_content": value})
    chunk = _chunk({"reasoning_content": value})
    sdk_completion = ChatCompletion(**completion)
    sdk_chunk = ChatCompletionChunk(**chunk)
    for x in (
        completion,
        completion["choices"][0],
        completion["choices"][0]["message"],
        chunk,
        chunk["choices"][0]["delta"],
        sdk_completion,
        sdk_completion.choices[0],
        sdk_completion.choices[0].message,
        sdk_chunk,
        sdk_chunk.choices[0].delta,
        StreamResult(reasoning=value, reasoning_seen=True),
    ):
        assert reasoning_of(x) == value, x


def test_reasoning_of_is_none_when_absent() -> None:
    completion = _completion({"content": "a"})
    for x in (
        None,
        completion,
        ChatCompletion(**completion),
        ChatCompletion(**_completion({"content": "a", "reasoning_content": None})),
        _chunk({"content": "x"}),
        {"choices": []},
        StreamResult(content="x"),
        "plain text",
    ):
        assert reasoning_of(x) is None, x


def test_reasoning_of_reads_pydantic_v1_objects() -> None:
    # Under pydantic v1 the SDK's models have no model_extra; the extra is a plain attribute there too.
    v1 = pytest.importorskip("pydantic.v1")

    class Message(v1.BaseModel):  # type: ignore[misc, name-defined]
        role: str
        content: str | None = None

        class Config:
            extra = "allow"

    assert reasoning_of(Message(role="assistant", content="a", reasoning_content="r1")) == "r1"
    assert reasoning_of(Message(role="assistant", content="a")) is None
