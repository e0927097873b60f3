"""Faults seen through the helpers: retries end in the answer, broken streams keep what arrived, errors explain."""

from __future__ import annotations

import openai
import pytest

from deepseek_openai import (
    JSONOutputError,
    StreamInterruptedError,
    acollect_stream,
    ajson_completion,
    collect_stream,
    explain,
    json_completion,
    run_tools,
)
from deepseek_openai.testing import FakeDeepSeek

HI = [{"role": "user", "content": "hi"}]
FAST_RETRY = {"retry-after-ms": "10"}  # the SDK honours it, so retries take milliseconds, not seconds
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


@pytest.mark.parametrize("status", [429, 500, 503])
def test_helpers_see_the_answer_after_sdk_retries(fake_deepseek: FakeDeepSeek, status: int) -> None:
    fake_deepseek.add_error(status, times=2, headers=FAST_RETRY)
    fake_deepseek.add_reply('{"ok": true}')
    client = fake_deepseek.client(max_retries=2)
    assert json_completion(client, [{"role": "user", "content": "json please"}]) == {"ok": True}
    retry_counts = [r.headers.get("x-stainless-retry-count") for r in fake_deepseek.requests]
    assert retry_counts == ["0", "1", "2"]


def test_persistent_503_is_explained(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_error(503, times=3, headers=FAST_RETRY)
    with pytest.raises(openai.InternalServerError) as info:
        fake_deepseek.client(max_retries=2).chat.completions.create(model="deepseek-flash", messages=HI)  # type: ignore[arg-type]
    text = explain(info.value)
    assert "503" in text and "overloaded" in text.lower() and "retry after a pause" in text
    assert len(fake_deepseek.requests) == 3


def test_tool_loop_survives_a_429_between_rounds(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_reply(
        reasoning="Look it up.", tool_calls=[{"name": "get_weather", "arguments": {"city": "Rome"}}]
    )
    fake_deepseek.add_error(429, headers=FAST_RETRY)
    fake_deepseek.add_reply("Sunny in Rome.", reasoning="The tool said sunny.")
    result = run_tools(fake_deepseek.client(max_retries=1), HI, [WEATHER], {"get_weather": lambda city: "sunny"})
    assert result.content == "Sunny in Rome." and result.rounds == 2
    resent = fake_deepseek.requests[-1].json["messages"]
    assert resent[1]["reasoning_content"] == "Look it up."  # passback kept across the retried round


def _broken_stream_reply(ds: FakeDeepSeek) -> None:
    ds.add_reply(
        "never fully sent",
        reasoning="a b c",
        tool_calls=[{"name": "get_weather", "arguments": '{"city": "Paris, France"}'}],
        cut_after=12,
    )


def test_stream_cut_keeps_reasoning_content_and_tool_call_fragments(fake_deepseek: FakeDeepSeek) -> None:
    _broken_stream_reply(fake_deepseek)
    stream = fake_deepseek.client(max_retries=0).chat.completions.create(
        model="deepseek-flash",
        messages=HI,
        tools=[WEATHER],
        stream=True,  # type: ignore[arg-type, list-item]
    )
    with pytest.raises(StreamInterruptedError) as info:
        collect_stream(stream)
    partial = info.value.partial
    assert partial.reasoning == "a b c"
    assert partial.content == "never fully sent"
    assert partial.tool_calls[0]["function"]["name"] == "get_weather"
    assert '{"city": "Paris, France"}'.startswith(partial.tool_calls[0]["function"]["arguments"])
    assert not partial.complete and partial.finish_reason is None
    assert "12 chunk(s)" in str(info.value) and ".partial" in str(info.value)


async def test_stream_cut_keeps_everything_async(fake_deepseek: FakeDeepSeek) -> None:
    _broken_stream_reply(fake_deepseek)
    async with fake_deepseek.async_client(max_retries=0) as client:
        stream = await client.chat.completions.create(
            model="deepseek-flash",
            messages=HI,
            tools=[WEATHER],
            stream=True,  # type: ignore[arg-type, list-item]
        )
        with pytest.raises(StreamInterruptedError) as info:
            await acollect_stream(stream)
    assert info.value.partial.reasoning == "a b c"
    assert info.value.partial.content == "never fully sent"
    assert info.value.partial.tool_calls


def test_insufficient_system_resource_is_visible(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_reply("half an ans", finish_reason="insufficient_system_resource")
    stream = fake_deepseek.client().chat.completions.create(model="deepseek-flash", messages=HI, stream=True)  # type: ignore[arg-type]
    result = collect_stream(stream)
    assert result.complete and result.content == "half an ans"
    assert result.finish_note is not None and "retry" in result.finish_note


def test_slow_first_byte_with_a_short_timeout(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_reply("late", delay=5)
    client = fake_deepseek.client(timeout=0.2, max_retries=0)
    with pytest.raises(openai.APITimeoutError) as info:
        client.chat.completions.create(model="deepseek-flash", messages=HI)  # type: ignore[arg-type]
    assert "timeout" in explain(info.value).lower()


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_keepalive_blank_lines_before_a_json_body(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    fake_deepseek.add_reply('{"answer": 42}', keepalive=5, delay=0.01)
    ask = [{"role": "user", "content": "json please"}]
    if mode == "sync":
        got = json_completion(fake_deepseek.client(max_retries=0), ask)
    else:
        async with fake_deepseek.async_client(max_retries=0) as client:
            got = await ajson_completion(client, ask)
    assert got == {"answer": 42}


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_keepalive_comments_inside_a_stream_with_tool_calls(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    fake_deepseek.add_reply(
        reasoning="Need the weather.",
        tool_calls=[{"name": "get_weather", "arguments": {"city": "Oslo"}}],
        keepalive=4,
    )
    if mode == "sync":
        stream = fake_deepseek.client(max_retries=0).chat.completions.create(
            model="deepseek-flash",
            messages=HI,
            tools=[WEATHER],
            stream=True,  # type: ignore[arg-type, list-item]
        )
        result = collect_stream(stream)
    else:
        async with fake_deepseek.async_client(max_retries=0) as client:
            astream = await client.chat.completions.create(
                model="deepseek-flash",
                messages=HI,
                tools=[WEATHER],
                stream=True,  # type: ignore[arg-type, list-item]
            )
            result = await acollect_stream(astream)
    assert result.complete and result.finish_reason == "tool_calls"
    assert result.reasoning == "Need the weather."
    assert [c["function"]["name"] for c in result.tool_calls] == ["get_weather"]
    assert result.tool_calls[0]["function"]["arguments"] == '{"city": "Oslo"}'


def test_blank_json_then_503_then_the_answer(fake_deepseek: FakeDeepSeek) -> None:
    # Two layers of retry: json_completion re-asks after blank output, the SDK retries the 503 underneath.
    fake_deepseek.add_reply(json_blank=True)
    fake_deepseek.add_error(503, headers=FAST_RETRY)
    fake_deepseek.add_reply('{"ok": true}')
    got = json_completion(fake_deepseek.client(max_retries=1), [{"role": "user", "content": "json please"}])
    assert got == {"ok": True}
    assert len(fake_deepseek.requests) == 3


def test_blank_json_every_time_is_explained(fake_deepseek: FakeDeepSeek) -> None:
    for _ in range(2):
        fake_deepseek.add_reply(json_blank=True)
    with pytest.raises(JSONOutputError) as info:
        json_completion(fake_deepseek.client(max_retries=0), [{"role": "user", "content": "json please"}], retries=1)
    assert info.value.rule == "blank_json"
    assert "blank" in str(info.value) and "json" in explain(info.value).lower()


async def test_slow_first_byte_on_an_async_stream(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_reply("late", delay=5)
    async with fake_deepseek.async_client(timeout=0.2, max_retries=0) as client:
        with pytest.raises(openai.APITimeoutError):
            await client.chat.completions.create(model="deepseek-flash", messages=HI, stream=True)  # type: ignore[arg-type]
    assert len(fake_deepseek.requests) == 1
