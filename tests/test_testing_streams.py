"""FakeDeepSeek streams like DeepSeek: read back through the SDK (sync and async) and checked on the wire."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepseek_openai.testing import FakeDeepSeek
from deepseek_openai.testing._stream import argument_pieces

USER = [{"role": "user", "content": "stream please"}]
OFF = {"thinking": {"type": "disabled"}}


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def chunks(ds: FakeDeepSeek, mode: str, *, fim: bool = False, **kw: Any) -> list[Any]:
    kw.setdefault("model", "deepseek-flash")
    if not fim:
        kw.setdefault("messages", USER)
    if mode == "sync":
        with ds.client(beta=fim, max_retries=0) as client:
            api: Any = client.completions if fim else client.chat.completions
            return list(api.create(stream=True, **kw))
    async with ds.async_client(beta=fim, max_retries=0) as aclient:
        aapi: Any = aclient.completions if fim else aclient.chat.completions
        return [c async for c in await aapi.create(stream=True, **kw)]


def raw_stream(ds: FakeDeepSeek, body: dict[str, Any]) -> str:
    request = urllib.request.Request(
        ds.base_url + "/chat/completions",
        data=json.dumps({"stream": True, **body}).encode(),
        headers={"Authorization": f"Bearer {ds.api_key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        return str(response.read().decode())


async def test_reasoning_then_content_then_usage_on_final_chunk(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    got = await chunks(fake_deepseek, mode, stream_options={"include_usage": True})
    assert len({c.id for c in got}) == 1 and len({c.created for c in got}) == 1
    assert all(c.object == "chat.completion.chunk" and c.model == "deepseek-flash" for c in got)
    deltas = [c.choices[0].delta for c in got]
    assert deltas[0].role == "assistant" and deltas[0].reasoning_content == ""
    thinking = [i for i, d in enumerate(deltas) if d.reasoning_content]
    answering = [i for i, d in enumerate(deltas) if d.content]
    assert thinking and answering and max(thinking) < min(answering)
    assert all(c.usage is None for c in got[:-1])
    final = got[-1]
    assert final.choices[0].finish_reason == "stop" and final.usage is not None
    assert final.usage.prompt_cache_hit_tokens + final.usage.prompt_cache_miss_tokens == final.usage.prompt_tokens
    content = "".join(d.content or "" for d in deltas)
    reasoning = "".join(d.reasoning_content or "" for d in deltas)
    assert content == "Echo: stream please"
    assert reasoning and final.usage.completion_tokens_details.reasoning_tokens > 0


async def test_stream_matches_non_stream(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    got = await chunks(fake_deepseek, mode, extra_body=OFF)
    with fake_deepseek.client() as client:
        plain = client.chat.completions.create(model="deepseek-flash", messages=USER, extra_body=OFF)
    assert "".join(c.choices[0].delta.content or "" for c in got) == plain.choices[0].message.content
    assert all(getattr(c.choices[0].delta, "reasoning_content", None) is None for c in got)
    assert got[-1].usage.completion_tokens == plain.usage.completion_tokens


async def test_tool_call_deltas(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    args = {"city": "Paris", "unit": "celsius"}
    fake_deepseek.add_reply(tool_calls=[{"name": "get_weather", "arguments": args}, {"name": "now"}])
    got = await chunks(fake_deepseek, mode)
    calls: dict[int, dict[str, Any]] = {}
    for chunk in got:
        for tc in chunk.choices[0].delta.tool_calls or []:
            if tc.index not in calls:
                assert tc.id.startswith(f"call_{tc.index:02d}_") and tc.function.name and tc.type == "function"
                calls[tc.index] = {"name": tc.function.name, "args": tc.function.arguments or ""}
            else:
                assert tc.id is None and tc.function.name is None
                calls[tc.index]["args"] += tc.function.arguments
    assert calls[0]["name"] == "get_weather" and json.loads(calls[0]["args"]) == args
    assert calls[1] == {"name": "now", "args": "{}"}
    assert sum(1 for c in got if (c.choices[0].delta.tool_calls or [None])[0] is not None) > 3
    assert got[-1].choices[0].finish_reason == "tool_calls"


async def test_separate_usage_chunk_layout(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    fake_deepseek.add_reply("hi", usage_layout="separate_chunk")
    got = await chunks(fake_deepseek, mode, stream_options={"include_usage": True})
    assert got[-1].choices == [] and got[-1].usage.total_tokens > 0
    assert got[-2].choices[0].finish_reason == "stop" and got[-2].usage is None


@pytest.mark.parametrize("where", ["double", "reply"])
async def test_keepalive_comments_are_ignored_by_the_sdk(mode: str, where: str) -> None:
    with FakeDeepSeek(keepalive=3 if where == "double" else 0) as ds:
        if where == "reply":
            ds.add_reply("kept alive", keepalive=3)
        got = await chunks(ds, mode, extra_body=OFF)
        wire = raw_stream(ds, {"model": "deepseek-flash", "messages": USER})
    assert "".join(c.choices[0].delta.content or "" for c in got) == (
        "kept alive" if where == "reply" else "Echo: stream please"
    )
    if where == "double":
        assert wire.startswith(": keep-alive\n\n" * 3 + "data: ")


async def test_fim_stream(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    got = await chunks(fake_deepseek, mode, fim=True, prompt="def f():\n")
    assert all(c.object == "text_completion" for c in got)
    assert "".join(c.choices[0].text for c in got if c.choices).strip()
    assert got[-1].choices[0].finish_reason == "stop" and got[-1].usage.prompt_tokens > 0


@pytest.mark.parametrize("finish", ["length", "content_filter", "insufficient_system_resource", "aborted"])
async def test_stream_finish_reasons(fake_deepseek: FakeDeepSeek, mode: str, finish: str) -> None:
    fake_deepseek.add_reply("cut short", finish_reason=finish)
    got = await chunks(fake_deepseek, mode)
    assert [c.choices[0].finish_reason for c in got if c.choices[0].finish_reason] == [finish]


def test_wire_format(fake_deepseek: FakeDeepSeek) -> None:
    wire = raw_stream(
        fake_deepseek, {"model": "deepseek-flash", "messages": USER, "stream_options": {"include_usage": True}}
    )
    events = wire.split("\n\n")
    assert events[-2:] == ["data: [DONE]", ""]
    payloads = [json.loads(e.removeprefix("data: ")) for e in events[:-2]]
    assert all(e.startswith("data: {") for e in events[:-2])
    assert all("usage" in p for p in payloads)
    assert [p["usage"] is None for p in payloads] == [True] * (len(payloads) - 1) + [False]
    assert payloads[0]["choices"][0]["delta"] == {"role": "assistant", "content": None, "reasoning_content": ""}
    assert payloads[-1]["choices"][0]["delta"] == {"content": "", "reasoning_content": None}


def test_tool_arguments_stream_in_token_sized_pieces(fake_deepseek: FakeDeepSeek) -> None:
    args = '{"city": "Paris", "query": "Weather tomorrow morning", "days": 14}'
    fake_deepseek.add_reply(tool_calls=[{"name": "get_weather", "arguments": args}])
    events = [
        json.loads(line[6:])
        for line in raw_stream(fake_deepseek, {"model": "deepseek-flash", "messages": USER}).splitlines()
        if line.startswith("data: {")
    ]
    pieces = [tc["function"]["arguments"] for e in events for tc in e["choices"][0]["delta"].get("tool_calls") or []]
    head, *fragments = pieces
    assert head == "" and "".join(fragments) == args
    # Token-sized, like a tokenizer's output: short, of varying length, cut at word and punctuation boundaries.
    assert fragments[:6] == ['{"', "city", '":', ' "', "Paris", '",']
    assert max(map(len, fragments)) <= 7 and len(set(map(len, fragments))) >= 4
    assert "Weathe" in fragments and " tomorr" in fragments  # long words split, leading space kept


@given(st.text())
def test_argument_pieces_rejoin_to_the_arguments(text: str) -> None:
    pieces = argument_pieces(text)
    assert "".join(pieces) == text
    assert all(piece and len(piece.strip()) <= 6 for piece in pieces)
