from __future__ import annotations

import itertools
import json
import pickle
from collections.abc import AsyncIterator, Iterator
from typing import Any

import openai
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openai.types.chat import ChatCompletionChunk

from deepseek_openai import (
    DeepSeekError,
    StreamAccumulator,
    StreamInterruptedError,
    StreamResult,
    acollect_stream,
    assistant_turn,
    collect_stream,
    explain_finish,
    reasoning_of,
    thinking,
)
from deepseek_openai.testing import FakeDeepSeek

HI = [{"role": "user", "content": "hi"}]
USAGE = {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12}


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, usage: Any = None) -> dict[str, Any]:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return {
        "id": "s1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "deepseek-flash",
        "choices": choices,
        "usage": usage,
    }


# -- the pure accumulator --------------------------------------------------------------------------------------


def test_empty_first_reasoning_delta_counts_as_seen() -> None:
    acc = StreamAccumulator()
    update = acc.feed(chunk({"role": "assistant", "content": None, "reasoning_content": ""}))
    assert (update.reasoning, update.content) == (None, None)
    result = acc.result()
    assert result.reasoning_seen is True and result.reasoning == ""
    assert reasoning_of(result) == ""
    assert StreamAccumulator().result().reasoning_seen is False


def test_accumulates_text_tool_calls_by_index_and_metadata() -> None:
    acc = StreamAccumulator()
    feed = [
        chunk({"role": "assistant", "content": ""}),
        chunk({"reasoning_content": "think "}),
        chunk({"reasoning_content": "hard"}),
        chunk({"content": "Hel"}),
        chunk({"content": "lo"}),
        chunk({"tool_calls": [{"index": 1, "id": "call_01", "type": "function", "function": {"name": "b"}}]}),
        chunk({"tool_calls": [{"index": 0, "id": "call_00", "type": "function", "function": {"name": "a"}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"x":'}}]}),
        chunk({"tool_calls": [{"index": 1, "function": {"arguments": "{}"}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": " 1}"}}]}),
        chunk({"content": ""}, finish="tool_calls", usage=USAGE),
    ]
    updates = [acc.feed(c) for c in feed]
    assert [u.content for u in updates if u.content] == ["Hel", "lo"]
    assert [u.reasoning for u in updates if u.reasoning] == ["think ", "hard"]
    result = acc.finish()
    assert (result.reasoning, result.content, result.finish_reason) == ("think hard", "Hello", "tool_calls")
    assert result.tool_calls == (
        {"id": "call_00", "type": "function", "function": {"name": "a", "arguments": '{"x": 1}'}},
        {"id": "call_01", "type": "function", "function": {"name": "b", "arguments": "{}"}},
    )
    assert (result.id, result.model, result.chunks, result.usage) == ("s1", "deepseek-flash", 11, USAGE)
    assert result.complete and result.error is None


@pytest.mark.parametrize("layout", ["final_chunk", "separate_chunk"])
def test_usage_is_the_last_non_null_one_in_either_layout(layout: str) -> None:
    acc = StreamAccumulator()
    acc.feed(chunk({"content": "a"}, usage=None))
    if layout == "final_chunk":
        acc.feed(chunk({"content": ""}, finish="stop", usage=USAGE))
    else:
        acc.feed(chunk({"content": ""}, finish="stop", usage=None))
        acc.feed(chunk(None, usage=USAGE))
    result = acc.finish()
    assert result.usage == USAGE and result.finish_reason == "stop" and result.content == "a"


def test_sdk_chunk_objects_and_dicts_give_the_same_result() -> None:
    raw = [chunk({"reasoning_content": "r"}), chunk({"content": "c"}, finish="stop", usage=USAGE)]
    from_dicts, from_sdk = StreamAccumulator(), StreamAccumulator()
    for c in raw:
        from_dicts.feed(c)
        from_sdk.feed(ChatCompletionChunk(**c))
    a, b = from_dicts.finish(), from_sdk.finish()
    assert (a.reasoning, a.content, a.finish_reason) == (b.reasoning, b.content, b.finish_reason) == ("r", "c", "stop")
    assert b.usage.total_tokens == 12


def test_ending_without_finish_reason_is_an_interruption() -> None:
    with pytest.raises(StreamInterruptedError, match="before a finish_reason") as info:
        collect_stream(iter([chunk({"content": "half an ans"})]))
    partial = info.value.partial
    assert partial.content == "half an ans" and not partial.complete and partial.error is None
    assert info.value.__cause__ is None
    assert isinstance(info.value, DeepSeekError) and ".partial" in info.value.fix


# -- explain_finish --------------------------------------------------------------------------------------------


def test_explain_finish_covers_every_documented_reason() -> None:
    assert explain_finish("stop") is None and explain_finish("tool_calls") is None and explain_finish(None) is None
    budget = explain_finish("length")
    assert budget is not None and "reasoning used the whole max_tokens" in budget and "effort" in budget
    cut = explain_finish("length", content='{"a": ')
    assert cut is not None and "cut at max_tokens" in cut
    for reason, word in [
        ("content_filter", "content filter"),
        ("insufficient_system_resource", "ran out of resources"),
        ("aborted", "aborted"),
        ("weird", "not one DeepSeek documents"),
    ]:
        text = explain_finish(reason)
        assert text is not None and word in text
    assert StreamResult(finish_reason="length").finish_note == budget


# -- collecting over the double --------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["final_chunk", "separate_chunk"])
def test_collect_stream_over_the_double(fake_deepseek: FakeDeepSeek, layout: Any) -> None:
    fake_deepseek.add_reply("The answer is 4.", reasoning="2 plus 2 is 4.", usage_layout=layout)
    client = fake_deepseek.client()
    pieces: dict[str, list[str]] = {"r": [], "c": []}
    stream = client.chat.completions.create(
        model="deepseek-flash", messages=HI, stream=True, stream_options={"include_usage": True}
    )
    result = collect_stream(stream, on_reasoning=pieces["r"].append, on_content=pieces["c"].append)
    assert result.complete and result.finish_reason == "stop" and result.finish_note is None
    assert (result.reasoning, result.content) == ("2 plus 2 is 4.", "The answer is 4.")
    assert "".join(pieces["r"]) == result.reasoning and len(pieces["r"]) > 1
    assert "".join(pieces["c"]) == result.content
    assert result.reasoning_seen and result.model == "deepseek-flash" and result.id
    assert result.usage.prompt_cache_hit_tokens + result.usage.prompt_cache_miss_tokens == result.usage.prompt_tokens
    assert result.usage.completion_tokens_details.reasoning_tokens > 0


def test_stream_without_thinking_has_no_reasoning(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client()
    stream = client.chat.completions.create(model="deepseek-flash", messages=HI, stream=True, **thinking(False))
    result = collect_stream(stream)
    assert result.content == "Echo: hi" and result.reasoning_seen is False and reasoning_of(result) is None
    assert "reasoning_content" not in assistant_turn(result)


async def test_acollect_stream_with_tool_calls_and_async_callbacks(fake_deepseek: FakeDeepSeek) -> None:
    args = {"city": "Hangzhou", "days": [1, 2, 3], "note": "a fairly long argument string to split"}
    fake_deepseek.add_reply(
        reasoning="I need the weather.",
        tool_calls=[{"name": "get_weather", "arguments": args}, {"name": "get_time", "arguments": "{}", "id": "t2"}],
    )
    seen: list[str] = []

    async def on_reasoning(text: str) -> None:
        seen.append(text)

    async with fake_deepseek.async_client() as client:
        stream = await client.chat.completions.create(model="deepseek-flash", messages=HI, stream=True)
        result = await acollect_stream(stream, on_reasoning=on_reasoning)
    assert "".join(seen) == "I need the weather." == result.reasoning
    assert result.finish_reason == "tool_calls" and result.content == ""
    first, second = result.tool_calls
    assert first["function"]["name"] == "get_weather" and json.loads(first["function"]["arguments"]) == args
    assert first["id"].startswith("call_00_") and first["type"] == "function"
    assert second == {"id": "t2", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}


def test_cut_connection_keeps_the_partial_result(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_reply("one two three four five six", reasoning="r1 r2 r3", cut_after=6)
    client = fake_deepseek.client(max_retries=0)
    stream = client.chat.completions.create(model="deepseek-flash", messages=HI, stream=True)
    with pytest.raises(StreamInterruptedError) as info:
        collect_stream(stream)
    err = info.value
    partial = err.partial
    assert partial.chunks == 6 and not partial.complete and partial.finish_reason is None
    assert partial.reasoning == "r1 r2 r3" and partial.content == "one two "
    assert partial.error is err.__cause__ and err.__cause__ is not None
    assert "6 chunk(s)" in str(err) and "8 characters of reasoning" in str(err) and "8 of content" in str(err)
    assert isinstance(err, openai.OpenAIError)
    copy = pickle.loads(pickle.dumps(err))  # errors cross process boundaries (multiprocessing, xdist)
    assert str(copy) == str(err) and copy.partial.content == "one two " and copy.partial.error is None


async def test_cut_connection_keeps_the_partial_result_async(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_reply("alpha beta gamma", cut_after=3, reasoning="x")
    async with fake_deepseek.async_client(max_retries=0) as client:
        stream = await client.chat.completions.create(model="deepseek-flash", messages=HI, stream=True)
        with pytest.raises(StreamInterruptedError) as info:
            await acollect_stream(stream)
    assert info.value.partial.reasoning == "x" and info.value.partial.content == "alpha "
    assert info.value.partial.reasoning_seen


@pytest.mark.parametrize("reason", ["length", "content_filter", "insufficient_system_resource", "aborted"])
def test_abnormal_finish_reasons_are_visible_and_explained(fake_deepseek: FakeDeepSeek, reason: str) -> None:
    content = "" if reason == "length" else "partial"
    fake_deepseek.add_reply(content, reasoning="long thoughts", finish_reason=reason)
    client = fake_deepseek.client()
    result = collect_stream(client.chat.completions.create(model="deepseek-flash", messages=HI, stream=True))
    assert result.complete and result.finish_reason == reason
    assert result.finish_note == explain_finish(reason, content=content) and result.finish_note
    if reason == "length":
        assert "budget" in result.finish_note


def test_stream_helper_events_are_accepted(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_reply("ok", reasoning="fine")
    client = fake_deepseek.client()
    with client.beta.chat.completions.stream(model="deepseek-flash", messages=HI) as events:
        result = collect_stream(events)
    assert (result.reasoning, result.content, result.finish_reason) == ("fine", "ok", "stop")


# -- what is not an interruption -------------------------------------------------------------------------------


class _Closable:
    def __init__(self, items: list[Any], raise_at_end: BaseException | None = None) -> None:
        self.items, self.raise_at_end, self.closed = items, raise_at_end, False

    def __iter__(self) -> Iterator[Any]:
        yield from self.items
        if self.raise_at_end is not None:
            raise self.raise_at_end

    def close(self) -> None:
        self.closed = True


def test_callback_errors_pass_through_and_the_stream_is_closed() -> None:
    stream = _Closable([chunk({"content": "a"}), chunk({"content": "b"}, finish="stop")])

    def boom(text: str) -> None:
        raise LookupError(text)

    with pytest.raises(LookupError, match="a"):
        collect_stream(stream, on_content=boom)
    assert stream.closed


def test_keyboard_interrupt_is_not_converted() -> None:
    stream = _Closable([chunk({"content": "a"})], raise_at_end=KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        collect_stream(stream)
    assert stream.closed


def test_any_error_raised_by_the_stream_becomes_an_interruption() -> None:
    from deepseek_openai._httpx import http_module

    request = http_module().Request("POST", "http://127.0.0.1:9/chat/completions")  # openai 3.60+ reads its headers
    cause = openai.APIError("boom", request=request, body=None)
    stream = _Closable([chunk({"reasoning_content": ""}), chunk({"content": "so far"})], raise_at_end=cause)
    with pytest.raises(StreamInterruptedError, match="APIError: boom") as info:
        collect_stream(stream)
    assert info.value.__cause__ is cause and info.value.partial.content == "so far" and stream.closed


async def test_async_generators_are_closed_too() -> None:
    closed = []

    async def gen() -> AsyncIterator[dict[str, Any]]:
        try:
            yield chunk({"content": "x"}, finish="stop")
        finally:
            closed.append(True)

    result = await acollect_stream(gen())
    assert result.content == "x" and closed == [True]


# -- property: any split accumulates to the same result ---------------------------------------------------------


def _split(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    return [text[a:b] for a, b in itertools.pairwise(points)]


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
cut_lists = st.lists(st.integers(min_value=0, max_value=100), max_size=8)


@settings(max_examples=150, deadline=None)
@given(
    reasoning=texts,
    content=texts,
    args=st.lists(st.tuples(texts, cut_lists), max_size=3),
    r_cuts=cut_lists,
    c_cuts=cut_lists,
    separate_usage=st.booleans(),
    as_sdk=st.booleans(),
)
def test_any_split_accumulates_to_the_same_result(
    reasoning: str,
    content: str,
    args: list[tuple[str, list[int]]],
    r_cuts: list[int],
    c_cuts: list[int],
    separate_usage: bool,
    as_sdk: bool,
) -> None:
    chunks = [chunk({"role": "assistant", "content": None, "reasoning_content": ""})]
    chunks += [chunk({"reasoning_content": p}) for p in _split(reasoning, r_cuts)]
    chunks += [chunk({"content": p}) for p in _split(content, c_cuts)]
    for index, (text, cuts) in enumerate(args):
        head = {"index": index, "id": f"call_{index:02d}_x", "type": "function", "function": {"name": f"f{index}"}}
        chunks.append(chunk({"tool_calls": [{**head, "function": {"name": f"f{index}", "arguments": ""}}]}))
        chunks += [chunk({"tool_calls": [{"index": index, "function": {"arguments": p}}]}) for p in _split(text, cuts)]
    chunks.append(chunk({"content": ""}, finish="stop", usage=None if separate_usage else USAGE))
    if separate_usage:
        chunks.append(chunk(None, usage=USAGE))
    result = collect_stream(ChatCompletionChunk(**c) for c in chunks) if as_sdk else collect_stream(iter(chunks))
    assert (result.reasoning, result.content, result.finish_reason) == (reasoning, content, "stop")
    assert result.reasoning_seen and result.complete
    assert [c["function"]["arguments"] for c in result.tool_calls] == [text for text, _ in args]
    assert [c["id"] for c in result.tool_calls] == [f"call_{i:02d}_x" for i in range(len(args))]
    usage = result.usage if not as_sdk else result.usage.model_dump(exclude_none=True)
    assert {k: usage[k] for k in USAGE} == USAGE


# -- bad input: a clear error, not "the stream broke" (issue 13 item 9) -------------------------------------------


def test_a_whole_reply_is_not_a_stream(fake_deepseek: FakeDeepSeek) -> None:
    reply = fake_deepseek.client().chat.completions.create(model="deepseek-flash", messages=HI)  # type: ignore[arg-type]
    for whole in (reply, reply.model_dump()):
        with pytest.raises(DeepSeekError, match="not a stream: the request was sent without stream=True") as info:
            collect_stream(whole)
        assert not isinstance(info.value, StreamInterruptedError) and "stream=True" in info.value.fix


@pytest.mark.parametrize("thing", [123, None, "data: {}", b"x", {"object": "chat.completion.chunk"}])
def test_something_that_is_not_a_stream_gets_a_clear_error(thing: Any) -> None:
    with pytest.raises(DeepSeekError, match=r"takes the stream that create\(\.\.\., stream=True\) returns") as info:
        collect_stream(thing)
    assert type(thing).__name__ in str(info.value) and "collect_stream()" in info.value.fix


async def test_acollect_stream_bad_input(fake_deepseek: FakeDeepSeek) -> None:
    async with fake_deepseek.async_client() as client:
        reply = await client.chat.completions.create(model="deepseek-flash", messages=HI)  # type: ignore[arg-type]
        with pytest.raises(DeepSeekError, match="not a stream: the request was sent without stream=True"):
            await acollect_stream(reply)  # type: ignore[arg-type]
        not_awaited = client.chat.completions.create(model="deepseek-flash", messages=HI, stream=True)  # type: ignore[arg-type]
        with pytest.raises(DeepSeekError, match="coroutine: the create") as info:
            await acollect_stream(not_awaited)  # type: ignore[arg-type]
        assert "await acollect_stream(await" in info.value.fix
        with pytest.raises(DeepSeekError, match=r"not a sync stream: use collect_stream\(stream\)"):
            await acollect_stream([chunk({"content": "x"}, "stop")])  # type: ignore[arg-type]
        stream = await client.chat.completions.create(model="deepseek-flash", messages=HI, stream=True)  # type: ignore[arg-type]
        with pytest.raises(DeepSeekError, match=r"an async stream: use await acollect_stream\(stream\)"):
            collect_stream(stream)  # type: ignore[arg-type]
        assert (await acollect_stream(stream)).content == "Echo: hi"  # still whole after the refusal
    assert len(fake_deepseek.requests) == 2  # the coroutine that was never awaited sent nothing
