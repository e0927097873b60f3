"""The reply tap reads every reply shape: compressed bodies, bodies read later by the caller, ``n > 1`` choices.

The loopback recorder (tests/_wire.py) answers with exactly the bytes a test queues (gzip or deflate encoded,
streamed or not); each test then sends the next tool request and checks on the wire that the right reasoning went back.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from deepseek_openai import create_async_client, create_client
from tests._wire import ASK, TOOL, Recorder

KEY = "sk-tap-test-0000000000000000"


def sse(*chunks: dict[str, Any]) -> bytes:
    return b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks) + b"data: [DONE]\n\n"


def chunk(index: int, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "deepseek-flash",
            "choices": [{"index": index, "delta": delta, "finish_reason": finish}]}  # fmt: skip


def completion(*messages: dict[str, Any]) -> bytes:
    choices = [
        {"index": i, "message": {"role": "assistant", **m}, "finish_reason": "stop"} for i, m in enumerate(messages)
    ]
    return json.dumps({"id": "c", "object": "chat.completion", "created": 1, "model": "deepseek-flash",
                       "choices": choices}).encode()  # fmt: skip


CALL = {"index": 0, "id": "call_00_abcdefghijklmnopqrstuvwx", "type": "function",
        "function": {"name": "f", "arguments": "{}"}}  # fmt: skip
STREAM_WITH_CALL = sse(
    chunk(0, {"role": "assistant", "reasoning_content": "Call f "}),
    chunk(0, {"reasoning_content": "first."}),
    chunk(0, {"tool_calls": [CALL]}),
    chunk(0, {}, "tool_calls"),
)


def follow_up(call_id: str = CALL["id"]) -> list[dict[str, Any]]:
    turn = {"role": "assistant", "content": "", "tool_calls": [{k: v for k, v in CALL.items() if k != "index"}]}
    return [ASK, turn, {"role": "tool", "tool_call_id": call_id, "content": "done"}]


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compressed_stream_is_remembered(recorder: Recorder, encoding: str) -> None:
    recorder.reply(STREAM_WITH_CALL, "text/event-stream", encoding)
    client = create_client(KEY, base_url=recorder.base_url, env_file=False, max_retries=0)
    chunks = list(client.chat.completions.create(model="deepseek-flash", messages=[ASK], tools=[TOOL], stream=True))  # type: ignore[list-item]
    assert chunks[-1].choices[0].finish_reason == "tool_calls"  # the SDK read the stream as it is
    client.chat.completions.create(model="deepseek-flash", messages=follow_up(), tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert recorder.sent_reasoning() == ["Call f first."]


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compressed_body_is_remembered(recorder: Recorder, encoding: str) -> None:
    recorder.reply(completion({"content": "Hi.", "reasoning_content": "Be brief."}), encoding=encoding)
    client = create_client(KEY, base_url=recorder.base_url, env_file=False, max_retries=0)
    client.chat.completions.create(model="deepseek-flash", messages=[ASK])
    history = [ASK, {"role": "assistant", "content": "Hi."}, {"role": "user", "content": "more"}]
    client.chat.completions.create(model="deepseek-flash", messages=history, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert recorder.sent_reasoning() == ["Be brief."]


@pytest.mark.parametrize("encoding", ["", "gzip"])
def test_a_reply_read_through_with_streaming_response_is_remembered(recorder: Recorder, encoding: str) -> None:
    recorder.reply(completion({"content": "Hi.", "reasoning_content": "Read later."}), encoding=encoding)
    client = create_client(KEY, base_url=recorder.base_url, env_file=False, max_retries=0)
    with client.chat.completions.with_streaming_response.create(model="deepseek-flash", messages=[ASK]) as raw:
        assert raw.parse().choices[0].message.content == "Hi."
    history = [ASK, {"role": "assistant", "content": "Hi."}, {"role": "user", "content": "more"}]
    client.chat.completions.create(model="deepseek-flash", messages=history, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert recorder.sent_reasoning() == ["Read later."]


async def test_an_async_reply_read_through_with_streaming_response_is_remembered(recorder: Recorder) -> None:
    recorder.reply(STREAM_WITH_CALL, "text/event-stream", "gzip")
    async with create_async_client(KEY, base_url=recorder.base_url, env_file=False, max_retries=0) as client:
        async with client.chat.completions.with_streaming_response.create(
            model="deepseek-flash",
            messages=[ASK],
            tools=[TOOL],
            stream=True,  # type: ignore[list-item]
        ) as raw:
            async for _ in raw.iter_lines():
                pass
        await client.chat.completions.create(model="deepseek-flash", messages=follow_up(), tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert recorder.sent_reasoning() == ["Call f first."]


def test_each_choice_of_an_n2_stream_is_its_own_turn(recorder: Recorder) -> None:
    recorder.reply(
        sse(
            chunk(0, {"role": "assistant", "reasoning_content": "zero "}),
            chunk(1, {"role": "assistant", "reasoning_content": "one "}),
            chunk(0, {"reasoning_content": "thinks"}),
            chunk(1, {"reasoning_content": "thinks too"}),
            chunk(0, {"content": "A"}),
            chunk(1, {"content": "B"}),
            chunk(1, {}, "stop"),
            chunk(0, {}, "stop"),
        ),
        "text/event-stream",
    )
    client = create_client(KEY, base_url=recorder.base_url, env_file=False, max_retries=0)
    list(client.chat.completions.create(model="deepseek-flash", messages=[ASK], n=2, stream=True))
    for text, reasoning in (("B", "one thinks too"), ("A", "zero thinks")):
        history = [ASK, {"role": "assistant", "content": text}, {"role": "user", "content": "more"}]
        client.chat.completions.create(model="deepseek-flash", messages=history, tools=[TOOL])  # type: ignore[arg-type,list-item]
        assert recorder.sent_reasoning() == [reasoning]


def test_each_choice_of_an_n2_body_is_its_own_turn(recorder: Recorder) -> None:
    recorder.reply(completion({"content": "A", "reasoning_content": "r0"}, {"content": "B", "reasoning_content": "r1"}))
    client = create_client(KEY, base_url=recorder.base_url, env_file=False, max_retries=0)
    client.chat.completions.create(model="deepseek-flash", messages=[ASK], n=2)
    history = [ASK, {"role": "assistant", "content": "B"}, {"role": "user", "content": "more"}]
    client.chat.completions.create(model="deepseek-flash", messages=history, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert recorder.sent_reasoning() == ["r1"]


def test_n2_sent_through_extra_body_behind_a_tool_property_named_n_keeps_both_choices(recorder: Recorder) -> None:
    # The request's own "n" comes after the tool schema's property "n": every "n" key counts, not the first.
    counter = {"type": "function", "function": {"name": "roll", "parameters": {"type": "object",
               "properties": {"n": {"type": "integer"}}}}}  # fmt: skip
    recorder.reply(
        sse(
            chunk(0, {"role": "assistant", "reasoning_content": "zero"}),
            chunk(1, {"role": "assistant", "reasoning_content": "one"}),
            chunk(0, {"content": "A"}),
            chunk(1, {"content": "B"}),
            chunk(0, {}, "stop"),
            chunk(1, {}, "stop"),
        ),
        "text/event-stream",
    )
    client = create_client(KEY, base_url=recorder.base_url, env_file=False, max_retries=0)
    stream = client.chat.completions.create(
        model="deepseek-flash", messages=[ASK], tools=[counter], stream=True, extra_body={"n": 2}
    )
    list(stream)  # type: ignore[arg-type]
    for text, reasoning in (("A", "zero"), ("B", "one")):
        history = [ASK, {"role": "assistant", "content": text}, {"role": "user", "content": "more"}]
        client.chat.completions.create(model="deepseek-flash", messages=history, tools=[counter])  # type: ignore[arg-type,list-item]
        assert recorder.sent_reasoning() == [reasoning]


def test_a_character_split_into_escaped_halves_across_chunks_is_whole_again(recorder: Recorder) -> None:
    # DeepSeek may send an emoji as "\ud83d" in one chunk and "\ude00" in the next: each half alone has no UTF-8.
    halves = [b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"deepseek-flash","choices":'
              b'[{"index":0,"delta":{"' + field + b'":"' + text + b'"},"finish_reason":null}]}\n\n'
              for field, text in ((b"reasoning_content", b"smile \\ud83d"), (b"reasoning_content", b"\\ude00 done"),
                                  (b"content", b"hi \\ud83d"), (b"content", b"\\ude00"))]  # fmt: skip
    end = sse(chunk(0, {}, "stop"))
    recorder.reply(b"".join(halves) + end, "text/event-stream")
    client = create_client(KEY, base_url=recorder.base_url, env_file=False, max_retries=0)
    list(client.chat.completions.create(model="deepseek-flash", messages=[ASK], stream=True))
    history = [ASK, {"role": "assistant", "content": "hi \U0001f600"}, {"role": "user", "content": "more"}]
    client.chat.completions.create(model="deepseek-flash", messages=history, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert recorder.sent_reasoning() == ["smile \U0001f600 done"]
