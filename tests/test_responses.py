"""Responses API helpers against the double: reasoning_of, usage_of, cost, explain, stream collection, passback.

Requests use the SDK's generic ``client.post`` so every supported openai major runs them (1.57 has no
``client.responses``); the typed client is exercised where it exists.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import openai
import pytest

from deepseek_openai import (
    InvalidRequestError,
    ResponseFailedError,
    StreamInterruptedError,
    acollect_response_stream,
    collect_response_stream,
    cost,
    explain,
    reasoning_of,
    response_turn,
    usage_of,
)
from deepseek_openai.testing import FakeDeepSeek

TOOLS = [
    {
        "type": "function",
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
]
HAS_RESPONSES = hasattr(openai.OpenAI, "responses")


def create(client: openai.OpenAI, **body: Any) -> Any:
    return client.post("/responses", body={"model": "deepseek-flash", **body}, cast_to=object)


def stream(client: openai.OpenAI, **body: Any) -> Any:
    body = {"model": "deepseek-flash", **body, "stream": True}
    return client.post("/responses", body=body, cast_to=object, stream=True, stream_cls=openai.Stream[object])


def test_reasoning_usage_cost_explain_of_a_response(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_reply("Paris", reasoning="Think.", usage={"input_tokens": 1000, "output_tokens": 500})
    reply = create(fake_deepseek.client(), input="Capital?")
    assert reasoning_of(reply) == "Think."
    assert reasoning_of(reply["output"][0]) == "Think."  # the reasoning item alone
    usage = usage_of(reply)
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (1000, 500, 1500)
    assert usage.cache_miss_tokens == 1000 and usage.reasoning_tokens == 2
    expected = cost({"prompt_tokens": 1000, "completion_tokens": 500}, "deepseek-flash", at=reply["created_at"])
    assert cost(reply, "deepseek-flash") == expected > Decimal(0)
    assert "finish_reason 'stop'" in explain(reply)


def test_usage_with_cached_tokens(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client()
    create(client, input="y" * 2000)
    usage = usage_of(create(client, input="y" * 2000))
    assert usage.cache_hit_tokens == 448 and usage.cache_miss_tokens == usage.prompt_tokens - 448


def test_no_reasoning_without_thinking(fake_deepseek: FakeDeepSeek) -> None:
    reply = create(fake_deepseek.client(), input="hi", reasoning={"effort": "none"})
    assert reasoning_of(reply) is None and usage_of(reply).reasoning_tokens == 0


@pytest.mark.parametrize(
    ("finish", "words"), [("length", "max_tokens"), ("content_filter", "content filter"), ("aborted", "retry")]
)
def test_explain_incomplete_and_failed(fake_deepseek: FakeDeepSeek, finish: str, words: str) -> None:
    fake_deepseek.add_reply("cut", finish_reason=finish)
    assert words in explain(create(fake_deepseek.client(), input="hi"))


def test_collect_stream_and_passback_round(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client(max_retries=0)
    history: list[dict[str, Any]] = [{"role": "user", "content": "Weather in Paris?"}]
    pieces: list[str] = []
    first = collect_response_stream(stream(client, input=history, tools=TOOLS), on_reasoning=pieces.append)
    assert first.complete and first.finish_reason == "tool_calls" and first.reasoning == "".join(pieces)
    call = first.tool_calls[0]
    assert call["function"]["name"] == "get_weather" and call["id"].startswith("call_00_")
    assert usage_of(first).reasoning_tokens > 0 and first.id and first.id.startswith("resp_")
    history += response_turn(first)
    assert [item["type"] for item in history[1:]] == ["reasoning", "function_call"]
    history.append({"type": "function_call_output", "call_id": call["id"], "output": "sunny"})
    second = create(client, input=history, tools=TOOLS)  # accepted: the reasoning item went back
    assert second["output"][-1]["content"][0]["text"] == "Echo: Weather in Paris? (tools said: sunny)"
    history += response_turn(second)
    assert [item["type"] for item in history[-2:]] == ["reasoning", "message"]
    assert history[-1]["content"] == [{"type": "output_text", "text": "Echo: Weather in Paris? (tools said: sunny)"}]
    history.append({"role": "user", "content": "And tomorrow?"})
    create(client, input=history, tools=TOOLS)  # a third round with all reasoning items: accepted
    dropped = [item for item in history if item.get("type") != "reasoning"]
    with pytest.raises(openai.BadRequestError) as caught:
        create(client, input=dropped, tools=TOOLS)
    assert "response_turn(response)" in explain(caught.value)


def test_failed_stream_keeps_the_partial(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_reply("half an answer", finish_reason="insufficient_system_resource")
    with pytest.raises(StreamInterruptedError) as caught:
        collect_response_stream(stream(fake_deepseek.client(), input="hi"))
    assert isinstance(caught.value.__cause__, ResponseFailedError)
    assert "failed" in str(caught.value) and caught.value.partial.content == "half an answer"


def test_cut_stream_is_an_interruption(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_reply("some words here", cut_after=6)
    with pytest.raises(StreamInterruptedError) as caught:
        collect_response_stream(stream(fake_deepseek.client(max_retries=0), input="hi"))
    assert not caught.value.partial.complete


def test_dict_events_and_typed_lists() -> None:
    events = [
        {"type": "response.created", "response": {"id": "resp_1", "model": "deepseek-flash"}},
        {"type": "response.reasoning_text.delta", "delta": "r"},
        {"type": "response.output_text.delta", "delta": "a"},
        {"type": "response.completed", "response": {"status": "completed", "output": [], "usage": {"input_tokens": 2}}},
    ]
    result = collect_response_stream(events)
    assert (result.reasoning, result.content, result.finish_reason) == ("r", "a", "stop")
    assert result.model == "deepseek-flash"
    assert usage_of(result).prompt_tokens == 2
    with pytest.raises(TypeError, match="response_turn"):
        response_turn({"choices": []})


async def test_async_collect(fake_deepseek: FakeDeepSeek) -> None:
    async with fake_deepseek.async_client() as client:
        events = await client.post(
            "/responses",
            body={"model": "deepseek-flash", "input": "hi", "stream": True},
            cast_to=object,
            stream=True,
            stream_cls=openai.AsyncStream[object],
        )
        seen: list[str] = []

        async def note(piece: str) -> None:
            seen.append(piece)

        result = await acollect_response_stream(events, on_content=note)
    assert result.content == "Echo: hi" == "".join(seen) and result.complete


@pytest.mark.skipif(not HAS_RESPONSES, reason="this openai version has no client.responses (added in 1.66)")
def test_typed_sdk_objects(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client()
    reply = client.responses.create(model="deepseek-flash", input="Weather?", tools=TOOLS)  # type: ignore[arg-type]
    assert reasoning_of(reply) and usage_of(reply).reasoning_tokens > 0 and cost(reply, "deepseek-flash") > 0
    turn = response_turn(reply)
    assert [item["type"] for item in turn] == ["reasoning", "function_call"]
    assert "tool calls" in explain(reply)
    events = client.responses.create(model="deepseek-flash", input="Weather?", tools=TOOLS, stream=True)  # type: ignore[arg-type]
    collected = collect_response_stream(events)
    assert collected.tool_calls[0]["function"]["arguments"] == turn[1]["arguments"]


async def test_whole_reply_is_refused_as_bad_input(fake_deepseek: FakeDeepSeek) -> None:
    reply = create(fake_deepseek.client(), input="hi")
    with pytest.raises(InvalidRequestError, match="not a whole dict"):
        collect_response_stream(reply)
    async with fake_deepseek.async_client() as client:
        pending = client.post("/responses", body={"model": "deepseek-flash", "input": "hi"}, cast_to=object)
        with pytest.raises(InvalidRequestError, match="not a coroutine"):
            await acollect_response_stream(pending)  # type: ignore[arg-type]
