"""json_completion / ajson_completion: request shape, blank retries, truncation, parse and schema errors."""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterator
from typing import Any

import pydantic
import pytest
from openai.types.chat import ChatCompletion

from deepseek_openai import RULES, InvalidRequestError, JSONOutputError, ajson_completion, explain, json_completion
from deepseek_openai.testing import FakeDeepSeek

ASK = [
    {"role": "system", "content": 'Answer in JSON like {"echo": "..."}.'},
    {"role": "user", "content": "hello"},
]


class Echo(pydantic.BaseModel):
    echo: str


class Count(pydantic.BaseModel):
    count: int


@pytest.fixture
def ds() -> Iterator[FakeDeepSeek]:
    with FakeDeepSeek() as fake:
        yield fake


def test_json_completion_returns_parsed_json(ds: FakeDeepSeek) -> None:
    assert json_completion(ds.client(), ASK) == {"echo": "hello"}
    (request,) = ds.requests
    assert request.path == "/chat/completions"
    assert request.json["response_format"] == {"type": "json_object"}
    assert request.json["model"] == "deepseek-flash"
    assert request.json["messages"] == ASK


def test_json_completion_validates_into_a_pydantic_model(ds: FakeDeepSeek) -> None:
    result = json_completion(ds.client(), ASK, schema=Echo, model="deepseek-v4-pro", max_tokens=200)
    assert result == Echo(echo="hello")
    assert ds.requests[0].json["model"] == "deepseek-v4-pro"
    assert ds.requests[0].json["max_tokens"] == 200


def test_json_completion_keeps_a_user_json_object_format_and_extra_body(ds: FakeDeepSeek) -> None:
    ds.add_reply("[1, 2, 3]")
    got = json_completion(
        ds.client(),
        ASK,
        response_format={"type": "json_object"},
        extra_body={"thinking": {"type": "disabled"}},
    )
    assert got == [1, 2, 3]
    assert ds.requests[0].json["thinking"] == {"type": "disabled"}


def test_json_completion_retries_blank_content(ds: FakeDeepSeek) -> None:
    ds.add_reply(json_blank=True)
    ds.add_reply(json_blank=True)
    assert json_completion(ds.client(), ASK, schema=Echo) == Echo(echo="hello")
    assert len(ds.requests) == 3
    assert all(r.json == ds.requests[0].json for r in ds.requests)


def test_json_completion_gives_up_after_retries(ds: FakeDeepSeek) -> None:
    for _ in range(2):
        ds.add_reply(json_blank=True)
    with pytest.raises(JSONOutputError, match="blank 2 time") as info:
        json_completion(ds.client(), ASK, retries=1)
    err = info.value
    assert err.rule == "blank_json"
    assert err.fix == RULES["blank_json"].fix
    assert err.content.strip() == "" and err.content
    assert isinstance(err.completion, ChatCompletion)
    assert len(ds.requests) == 2


def test_json_completion_retries_zero_means_one_request(ds: FakeDeepSeek) -> None:
    ds.add_reply(json_blank=True)
    with pytest.raises(JSONOutputError):
        json_completion(ds.client(), ASK, retries=0)
    assert len(ds.requests) == 1


def test_json_completion_explains_truncation_without_retrying(ds: FakeDeepSeek) -> None:
    ds.add_reply('{"echo": "hel', finish_reason="length")
    with pytest.raises(JSONOutputError, match="cut off") as info:
        json_completion(ds.client(), ASK)
    assert "raise max_tokens" in info.value.fix
    assert info.value.content == '{"echo": "hel'
    assert len(ds.requests) == 1
    assert "raise max_tokens" in explain(info.value)


def test_json_completion_truncated_by_the_server(ds: FakeDeepSeek) -> None:
    long_ask = [ASK[0], {"role": "user", "content": "x" * 400}]
    with pytest.raises(JSONOutputError, match="finish_reason 'length'") as info:
        json_completion(ds.client(), long_ask, max_tokens=5, extra_body={"thinking": {"type": "disabled"}})
    assert info.value.content.startswith('{"echo": "xxx')
    assert info.value.completion is not None
    assert info.value.completion.choices[0].finish_reason == "length"


def test_json_completion_invalid_json_keeps_the_text(ds: FakeDeepSeek) -> None:
    ds.add_reply("Sure! Here is the JSON: {}")
    with pytest.raises(JSONOutputError, match="not valid JSON") as info:
        json_completion(ds.client(), ASK)
    assert info.value.content == "Sure! Here is the JSON: {}"
    assert isinstance(info.value.__cause__, json.JSONDecodeError)
    assert info.value.completion is not None
    assert info.value.completion.choices[0].message.content == "Sure! Here is the JSON: {}"
    assert len(ds.requests) == 1


def test_json_completion_schema_mismatch(ds: FakeDeepSeek) -> None:
    ds.add_reply('{"count": "many"}')
    with pytest.raises(JSONOutputError, match=r"does not match Count: 1 error\(s\), first at count") as info:
        json_completion(ds.client(), ASK, schema=Count)
    assert info.value.content == '{"count": "many"}'
    assert isinstance(info.value.__cause__, pydantic.ValidationError)


@pytest.mark.parametrize(
    "messages",
    [
        [{"role": "user", "content": "hello"}],
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": [{"type": "text", "text": "x"}]}],
    ],
)
def test_json_completion_needs_the_word_json(ds: FakeDeepSeek, messages: list[dict[str, Any]]) -> None:
    with pytest.raises(InvalidRequestError) as info:
        json_completion(ds.client(), messages)
    assert info.value.rule == "json_word" and RULES["json_word"].refuses  # DeepSeek answers 400 (API digest §8)
    assert "'json'" in info.value.fix and "example" in info.value.fix
    assert ds.requests == []


def test_json_in_an_assistant_turn_is_not_refused(ds: FakeDeepSeek) -> None:
    # Which roles DeepSeek reads for the word is not documented: any message's mention lets the request go.
    ds.add_reply('{"a": 1}')
    history = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "JSON?"},
        {"role": "user", "content": "x"},
    ]
    assert json_completion(ds.client(), history) == {"a": 1}
    assert ds.requests[0].json["messages"] == history


def test_json_word_is_case_insensitive_and_read_from_content_parts(ds: FakeDeepSeek) -> None:
    parts = [{"role": "user", "content": [{"type": "text", "text": "Reply as Json, please."}]}]
    assert json_completion(ds.client(), parts) == {"echo": "Reply as Json, please."}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}},
        {"response_format": Echo},
        {"response_format": {"type": "text"}},
        {"extra_body": {"response_format": {"type": "json_schema"}}},
    ],
)
def test_json_completion_refuses_other_response_formats(ds: FakeDeepSeek, kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidRequestError) as info:
        json_completion(ds.client(), ASK, **kwargs)
    assert info.value.rule == "json_schema"
    assert RULES["json_schema"].fix in info.value.fix
    assert "schema=" in info.value.fix
    assert ds.requests == []


def test_json_completion_argument_errors(ds: FakeDeepSeek) -> None:
    with pytest.raises(TypeError, match="pydantic model class"):
        json_completion(ds.client(), ASK, schema=dict)  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="retries"):
        json_completion(ds.client(), ASK, retries=-1)
    with pytest.raises(InvalidRequestError, match="stream"):
        json_completion(ds.client(), ASK, stream=True)
    assert ds.requests == []


def test_json_output_error_pickles_with_its_content() -> None:
    err = JSONOutputError("bad", fix="do x", rule="blank_json", content="  ")
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.message, copy.fix, copy.rule, copy.content, copy.completion) == (
        "bad",
        "do x",
        "blank_json",
        "  ",
        None,
    )
    assert str(copy) == "bad Fix: do x"


async def test_ajson_completion(ds: FakeDeepSeek) -> None:
    ds.add_reply(json_blank=True)
    async with ds.async_client() as client:
        result = await ajson_completion(client, ASK, schema=Echo)
        assert result == Echo(echo="hello")
        with pytest.raises(InvalidRequestError):
            await ajson_completion(client, [{"role": "user", "content": "hi"}])
        ds.add_reply("{oops")
        with pytest.raises(JSONOutputError) as info:
            await ajson_completion(client, ASK)
    assert info.value.content == "{oops"
    assert len(ds.requests) == 3
    assert ds.requests[0].json["response_format"] == {"type": "json_object"}
