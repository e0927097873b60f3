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


@pytest.mark.parametrize("effort", ["HIGH", "", "turbo", 3])
def test_unknown_effort_is_refused_naming_the_allowed_values(effort: Any) -> None:
    with pytest.raises(InvalidRequestError) as info:
        thinking(effort=effort)
    err = info.value
    assert isinstance(err, ValueError) and isinstance(err, openai.OpenAIError)
    assert err.rule == "reasoning_effort" and err.fix == RULES["reasoning_effort"].fix
    for level in EFFORT_LEVELS:
        assert repr(level) in str(err)


@pytest.mark.parametrize(
    ("alias", "level"), [("medium", "high"), ("minimal", "low"), ("xhigh", "high"), ("ultra", "max")]
)
def test_alias_effort_is_sent_as_given_with_a_warning_naming_the_level(
    fake_deepseek: FakeDeepSeek, alias: str, level: str
) -> None:
    # DeepSeek accepts its compat aliases (API digest §3), so they are not refused: the warning names the level.
    with pytest.warns(UserWarning, match=rf"'{alias}' is a compat alias DeepSeek reads as '{level}'") as caught:
        kwargs = thinking(effort=alias)
    assert caught[0].filename == __file__ and f"effort={level!r}" in str(caught[0].message)
    assert kwargs == {"extra_body": {"thinking": {"type": "enabled"}, "reasoning_effort": alias}}
    fake_deepseek.client().chat.completions.create(model="deepseek-flash", messages=HI, **kwargs)
    assert fake_deepseek.requests[-1].json["reasoning_effort"] == alias


def test_alias_effort_with_thinking_off_is_still_a_contradiction() -> None:
    with pytest.warns(UserWarning, match="compat alias"), pytest.raises(InvalidRequestError, match="ignores"):
        thinking(False, effort="medium")


@pytest.mark.parametrize("enabled", ["no", "false", 0, 1, None, "yes"])
def test_thinking_refuses_a_non_bool_enabled(enabled: Any) -> None:
    # thinking("no") used to turn thinking ON (a non-empty string is truthy).
    with pytest.raises(InvalidRequestError, match="enabled must be True or False") as info:
        thinking(enabled)
    assert "thinking(False)" in info.value.fix and repr(enabled) in str(info.value)


@pytest.mark.parametrize("extra_body", ["x", [("a", 1)], 3])
def test_thinking_and_user_id_refuse_an_extra_body_that_is_not_a_dict(extra_body: Any) -> None:
    with pytest.raises(InvalidRequestError, match="extra_body must be a dict"):
        thinking(False, extra_body=extra_body)
    with pytest.raises(InvalidRequestError, match="extra_body must be a dict"):
        user_id("u1", extra_body=extra_body)


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


@pytest.mark.parametrize("value", ["a" * 513, "é" * 257, 42, None])
def test_user_id_refuses_what_deepseek_documents_as_invalid(value: Any) -> None:
    with pytest.raises(InvalidRequestError) as info:
        user_id(value)
    assert info.value.rule == "user_id" and RULES["user_id"].refuses
    assert "512" in info.value.fix
    assert ("bytes" if isinstance(value, str) else type(value).__name__) in str(info.value)


def test_user_id_accepts_the_empty_string_an_id_of_its_own() -> None:
    assert user_id("") == {"extra_body": {"user_id": ""}}  # API digest §12


@pytest.mark.parametrize("value", ["a b", "ünï", "a/b", "x@y.z"])
def test_user_id_with_other_characters_warns_and_is_sent(fake_deepseek: FakeDeepSeek, value: str) -> None:
    # The newest docs only prefer [A-Za-z0-9_-] (an older page required it): unknown, so a warning.
    with pytest.warns(UserWarning, match="other than letters, digits") as caught:
        kwargs = user_id(value)
    assert caught[0].filename == __file__ and not RULES["user_id_chars"].refuses
    fake_deepseek.client().chat.completions.create(model="deepseek-flash", messages=HI, **kwargs)
    assert fake_deepseek.requests[-1].json["user_id"] == value


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
