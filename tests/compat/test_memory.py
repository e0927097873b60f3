"""Reasoning memory: replies are remembered (sync, async, streamed) and filled back into tool loops on the wire."""

from __future__ import annotations

import threading
from typing import Any

import openai
import pytest

from deepseek_openai import InvalidRequestError, create_client, create_http_client
from deepseek_openai._compat._memory import AMBIGUOUS_REASONING, ReasoningMemory, Transcript, merged
from deepseek_openai._compat._passback import Scope
from deepseek_openai.testing import FakeDeepSeek
from tests._wire import WEATHER_TOOL as TOOL
from tests._wire import rebuilt


def streamed_turn(chunks: list[Any]) -> dict[str, Any]:
    content, calls = "", {}
    for chunk in chunks:
        delta = chunk.choices[0].delta if chunk.choices else None
        content += (delta.content or "") if delta else ""
        for call in (delta.tool_calls or []) if delta else []:
            entry = calls.setdefault(call.index, {"id": call.id, "type": "function", "function": {"arguments": ""}})
            entry["function"]["name"] = call.function.name or entry["function"].get("name")
            entry["function"]["arguments"] += call.function.arguments or ""
    turn: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        turn["tool_calls"] = list(calls.values())
    return turn


def tool_loop(ds: FakeDeepSeek, client: openai.OpenAI, stream: bool) -> list[dict[str, Any]]:
    ds.add_reply(reasoning="I should look up Paris.", tool_calls=[{"name": "get_weather", "arguments": {"city": "P"}}])
    ds.add_reply("It is sunny.", reasoning="The tool said sunny.")
    messages: list[Any] = [{"role": "user", "content": "weather in Paris?"}]
    for _ in range(2):
        if stream:
            turn = streamed_turn(
                list(
                    client.chat.completions.create(model="deepseek-flash", messages=messages, tools=[TOOL], stream=True)
                )
            )  # type: ignore[arg-type]
        else:
            reply = client.chat.completions.create(model="deepseek-flash", messages=messages, tools=[TOOL])  # type: ignore[arg-type]
            turn = rebuilt(reply.choices[0].message)
        messages.append(turn)
        for call in turn.get("tool_calls", []):
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": "sunny"})
        if len(messages) > 4:
            break
    messages.append({"role": "user", "content": "thanks"})
    client.chat.completions.create(model="deepseek-flash", messages=messages, tools=[TOOL])  # type: ignore[arg-type]
    sent: list[dict[str, Any]] = ds.requests[-1].json["messages"]
    return sent


@pytest.mark.parametrize("stream", [False, True])
def test_rebuilt_turns_get_their_exact_reasoning_back(stream: bool) -> None:
    with FakeDeepSeek() as ds:
        sent = tool_loop(ds, ds.client(), stream)
    assert sent[1]["reasoning_content"] == "I should look up Paris."  # keyed by tool-call id
    assert sent[3]["reasoning_content"] == "The tool said sunny."  # a turn without calls: keyed by content
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "assistant", "user"]


def test_without_the_hook_deepseek_refuses_the_same_loop() -> None:
    with FakeDeepSeek() as ds, pytest.raises(openai.BadRequestError, match="reasoning_content"):
        tool_loop(ds, ds.client(compat=False), stream=False)


async def test_async_stream_is_remembered_and_copies_share_memory() -> None:
    with FakeDeepSeek() as ds:
        ds.add_reply(reasoning="Think first.", tool_calls=[{"name": "get_weather", "arguments": {"city": "P"}}])
        async with ds.async_client() as client:
            messages: list[Any] = [{"role": "user", "content": "weather?"}]
            chunks = [
                c
                async for c in await client.chat.completions.create(
                    model="deepseek-flash", messages=messages, tools=[TOOL], stream=True
                )
            ]  # type: ignore[call-overload]
            assert len(chunks) > 3  # streamed chunk by chunk, not one buffered piece
            turn = streamed_turn(chunks)
            messages += [turn, {"role": "tool", "tool_call_id": turn["tool_calls"][0]["id"], "content": "sunny"}]
            await (
                client.with_options(timeout=30)
                .copy()
                .chat.completions.create(model="deepseek-flash", messages=messages, tools=[TOOL])
            )
        assert ds.requests[-1].json["messages"][1]["reasoning_content"] == "Think first."


def test_unknown_reasoning_raises_before_the_network_naming_the_index() -> None:
    history = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "from a database"},
        {"role": "user", "content": "and now?"},
    ]
    with FakeDeepSeek() as ds:
        client = ds.client()
        with pytest.raises(InvalidRequestError, match=r"messages\[1\]") as info:
            client.chat.completions.create(model="deepseek-flash", messages=history, tools=[TOOL])  # type: ignore[arg-type]
        assert "missing_reasoning='disable_thinking'" in info.value.fix and info.value.rule == "passback"
        assert ds.requests == []
        # Without tools, or with thinking off, DeepSeek needs no reasoning: sent as written.
        client.chat.completions.create(model="deepseek-flash", messages=history)  # type: ignore[arg-type]
        client.chat.completions.create(
            model="deepseek-flash",
            messages=history,  # type: ignore[arg-type]
            tools=[TOOL],  # type: ignore[list-item]
            extra_body={"thinking": {"type": "disabled"}},
        )
        assert "reasoning_content" not in ds.requests[-1].json["messages"][1]
        fallback = ds.client(missing_reasoning="disable_thinking")
        with pytest.warns(UserWarning, match=r"thinking turned off.*messages\[1\]"):
            fallback.chat.completions.create(model="deepseek-flash", messages=history, tools=[TOOL])  # type: ignore[arg-type]
        assert ds.requests[-1].json["thinking"] == {"type": "disabled"}


def test_turns_that_carry_reasoning_are_left_alone() -> None:
    # openai-agents passes reasoning back itself: nothing is filled in twice or altered, bytes included.
    history = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "Hello.", "reasoning_content": "mine"},
        {"role": "user", "content": "again"},
    ]
    with FakeDeepSeek() as ds:
        ds.client().chat.completions.create(model="deepseek-flash", messages=history, tools=[TOOL])  # type: ignore[arg-type]
        ds.client(compat=False).chat.completions.create(model="deepseek-flash", messages=history, tools=[TOOL])  # type: ignore[arg-type]
        assert ds.requests[0].body == ds.requests[1].body
        assert ds.requests[0].json["messages"][1]["reasoning_content"] == "mine"


def test_a_framework_handed_the_http_client_gets_the_memory() -> None:
    with FakeDeepSeek() as ds:
        client = openai.OpenAI(api_key=ds.api_key, base_url=ds.base_url, http_client=create_http_client(verify=False))
        sent = tool_loop(ds, client, stream=True)
        client.close()
    assert sent[1]["reasoning_content"] == "I should look up Paris."


def test_memory_is_bounded_and_least_recently_used_goes_first() -> None:
    memory = ReasoningMemory(max_entries=3, max_bytes=100)
    for i in range(4):
        memory.put([(b"k%d" % i, f"r{i}")])
    assert len(memory) == 3 and memory.get(b"k0") is None
    assert memory.get(b"k1") == "r1"  # now the most recently used
    memory.put([(b"answer", "x" * 60)])  # a 4th entry: the least recently used (k2) goes
    assert memory.get(b"answer") == "x" * 60
    assert memory.get(b"k2") is None and memory.get(b"k1") == "r1"
    memory.put([(b"k9", "y" * 60)])  # 124 bytes > 100: oldest go until it fits
    assert memory.get(b"answer") is None and memory.size == 62 and len(memory) == 2


@pytest.mark.parametrize("text", ["思考" * 10, "🤔" * 10, "é" * 20])
def test_memory_bounds_count_utf8_bytes_not_characters(text: str) -> None:
    size = len(text.encode())  # 40 or 60 bytes for 20 characters
    memory = ReasoningMemory(max_bytes=size * 5 // 2)
    memory.put([(b"a", text), (b"b", text)])
    assert memory.size == 2 * size
    memory.put([(b"c", text)])  # 60 characters would fit, 3 x size bytes do not: the oldest goes
    assert memory.get(b"a") is None and memory.get(b"c") == text and memory.size == 2 * size


def test_entries_expire_after_their_time_to_live() -> None:
    now = [1000.0]
    memory = ReasoningMemory(ttl=60, clock=lambda: now[0])
    memory.put([(b"k", "r")])
    now[0] += 59
    assert memory.get(b"k") == "r"
    now[0] += 2
    assert memory.get(b"k") is None and len(memory) == 0 and memory.size == 0


@pytest.mark.parametrize(
    ("saves", "held"),
    [
        (["first", "second"], AMBIGUOUS_REASONING),  # two reasonings: neither is filled
        (["first", ""], AMBIGUOUS_REASONING),  # a reasoning, then the same turn received with thinking off
        (["", "late reasoning"], AMBIGUOUS_REASONING),  # and the other way round
        (["first", "second", "first"], AMBIGUOUS_REASONING),  # ambiguous stays ambiguous
        (["same", "same"], "same"),  # the same reply saved twice stays fillable
        (["", ""], ""),
    ],
)
def test_a_key_saved_with_two_different_values_becomes_ambiguous(saves: list[str], held: str) -> None:
    memory = ReasoningMemory()
    for value in saves:
        memory.put([(b"k", value)])
    assert memory.get(b"k") == held
    assert merged(None, saves[0]) == saves[0]


def test_an_ambiguous_key_lasts_until_it_expires() -> None:
    now = [0.0]
    memory = ReasoningMemory(ttl=60, clock=lambda: now[0])
    memory.put([(b"k", "alice")])
    memory.put([(b"k", "bob")])
    now[0] += 59
    memory.put([(b"k", "alice")])  # a save renews the time to live, and the key stays ambiguous
    now[0] += 59
    assert memory.get(b"k") == AMBIGUOUS_REASONING
    now[0] += 2
    memory.put([(b"k", "carol")])  # expired: a new reply starts afresh
    assert memory.get(b"k") == "carol"


def test_memory_is_thread_safe() -> None:
    memory = ReasoningMemory(max_entries=500)

    def work(n: int) -> None:
        for i in range(2000):
            memory.put([(f"c{n}-{i}".encode(), f"r{n}-{i}")])
            memory.get(f"c{n}-{i - 1}".encode())

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(memory) == 500 and memory.size == sum(len(v) for v, _ in memory._items.values())


def test_compat_off_remembers_nothing() -> None:
    with FakeDeepSeek() as ds:
        http = create_http_client(verify=False, compat=False)
        client = create_client(ds.api_key, base_url=ds.base_url, http_client=http, compat=False)
        before = len(http.memory)
        client.chat.completions.create(model="deepseek-flash", messages=[{"role": "user", "content": "hi"}])
        assert len(http.memory) == before
        client.close()


def test_the_stream_tap_passes_each_piece_on_as_it_arrives() -> None:
    from deepseek_openai._compat._tap import Reply, _SseReader, _stream_classes

    pulled: list[bytes] = []
    pieces = [
        b'data: {"choices":[{"index":0,"delta":{"reasoning_content":"Th',
        b'ink."},"finish_reason":null}]}\n\ndata: {"choices":[{"index":0,"delta":{"content":"Hi"},',
        b'"finish_reason":"stop"}]}\n\n',
        b"data: [DONE]\n\n",
    ]

    class Inner:
        def __iter__(self) -> Any:
            for piece in pieces:
                pulled.append(piece)
                yield piece

        def close(self) -> None:
            pass

    memory = ReasoningMemory()
    reply = Reply(Scope(b"acct", memory, None), Transcript(b"acct"), None)
    tapped = iter(_stream_classes()[0](Inner(), _SseReader(reply, lambda piece: piece)))
    for index, piece in enumerate(pieces[:3]):
        assert next(tapped) == piece and len(pulled) == index + 1  # nothing read ahead, nothing held back
    turn = Transcript(b"acct")
    turn.add({"role": "assistant", "content": "Hi"})
    assert memory.get(turn.key()) == "Think."  # remembered when the finish_reason chunk passed, before [DONE]


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_a_turn_received_with_thinking_off_sends_the_next_tool_request_without_thinking(
    fake_deepseek: FakeDeepSeek, stream: bool
) -> None:
    # An agent forces the first tool call (the hook turns thinking off), then lets the model choose.
    from deepseek_openai import CompatWarning

    client = fake_deepseek.client()
    messages: list[Any] = [{"role": "user", "content": "weather in Paris?"}]
    with pytest.warns(CompatWarning) as caught:
        first: Any = client.chat.completions.create(
            model="deepseek-flash", messages=messages, tools=[TOOL], tool_choice="required", stream=stream
        )  # type: ignore[call-overload]
        turn = streamed_turn(list(first)) if stream else rebuilt(first.choices[0].message)
        messages += [turn, {"role": "tool", "tool_call_id": turn["tool_calls"][0]["id"], "content": "sunny"}]
        client.chat.completions.create(model="deepseek-flash", messages=messages, tools=[TOOL])  # type: ignore[arg-type]
    assert any("came back with thinking off" in str(w.message) for w in caught)
    sent = fake_deepseek.requests[-1].json
    assert sent["thinking"] == {"type": "disabled"} and "reasoning_content" not in sent["messages"][1]
    # Asking for thinking on explicitly is refused before the network, naming the turn.
    with pytest.raises(InvalidRequestError, match=r"messages\[1\].*thinking off") as info:
        client.chat.completions.create(
            model="deepseek-flash", messages=messages, tools=[TOOL], extra_body={"thinking": {"type": "enabled"}}
        )  # type: ignore[arg-type]
    assert info.value.rule == "passback" and len(fake_deepseek.requests) == 2
    # Teeth: without the hook DeepSeek's passback 400 comes back for the same second request.
    with pytest.raises(openai.BadRequestError, match="reasoning_content"):
        fake_deepseek.client(compat=False).chat.completions.create(
            model="deepseek-flash", messages=messages, tools=[TOOL]
        )  # type: ignore[arg-type]


def _tap_reads(lines: list[dict[str, Any] | str]) -> tuple[str | None, str | None]:
    """Feed SSE events (dicts are dumped compactly, strings sent as written); return the reasoning of the turns read.

    The first item is that of a turn with one tool call ``f({})``, the second that of a turn answering "Done 🎉".
    """
    import json

    from deepseek_openai._compat._tap import StreamTap

    tap = StreamTap()
    messages: list[dict[str, Any]] = []
    for line in lines:
        text = line if isinstance(line, str) else json.dumps(line, separators=(",", ":"), ensure_ascii=False)
        messages += tap.feed(b"data: " + text.encode() + b"\n\n")
    by_call = [m["reasoning_content"] for m in messages if m["tool_calls"] == [CALL_F]]
    by_text = [m["reasoning_content"] for m in messages if m["content"] == "Done 🎉" and not m["tool_calls"]]
    return (by_call or [None])[0], (by_text or [None])[0]


CALL_F = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}


def _event(delta: Any, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
    return {"id": "x", "object": "chat.completion.chunk", "choices": [choice], **extra}


@pytest.mark.parametrize(
    "first",
    [
        _event({"content": None, "reasoning_content": 'He said "hi"\n'}),  # escapes: the plain fast reading
        '{"choices": [{"index": 0, "delta": {"reasoning_content": "He said \\"hi\\"\\n"}, "finish_reason": null}]}',
        _event({"reasoning_content": 'He said "hi"\n'}, logprobs_note='delta-only must not read this: "delta":{}'),
    ],
    ids=["compact", "spaced-json-parsed-in-full", "key-text-inside-a-string"],
)
def test_the_tap_reads_every_chunk_shape_the_same_way(first: dict[str, Any] | str) -> None:
    lines: list[dict[str, Any] | str] = [
        first,
        _event({"reasoning_content": "Then ünïcode ✓."}),
        _event({"content": "Done 🎉", "reasoning_content": None}),
        _event({}, "stop"),
    ]
    assert _tap_reads(lines) == (None, 'He said "hi"\nThen ünïcode ✓.')
    calls = [{"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]
    with_calls = [first, _event({"tool_calls": calls}), _event({}, "tool_calls")]
    assert _tap_reads(with_calls)[0] == 'He said "hi"\n'
    two_choices = {"choices": [_event({"reasoning_content": "A"})["choices"][0], {"index": 1, "delta": {}}]}
    assert _tap_reads([two_choices, _event({"content": "Done 🎉"}), _event({}, "stop")]) == (None, "A")


def test_a_store_with_a_shorter_ttl_bounds_the_copy_in_the_process() -> None:
    # A store URL's ?ttl= (say, a short one for privacy) also bounds how long the process memory keeps the entry.
    class ShortStore:
        ttl = 5.0

    now = [1000.0]
    scope = Scope(b"account", ReasoningMemory(ttl=60, clock=lambda: now[0]), ShortStore())
    scope.remember([(b"saved", "r")])
    scope.warm({b"read".hex(): "r"})
    now[0] += 4.9
    assert scope.memory.get(b"saved") == "r" and scope.memory.get(b"read") == "r"
    now[0] += 0.2
    assert scope.memory.get(b"saved") is None and scope.memory.get(b"read") is None
    no_store = Scope(b"account", ReasoningMemory(ttl=60, clock=lambda: now[0]), None)
    no_store.remember([(b"k", "r")])
    now[0] += 59
    assert no_store.memory.get(b"k") == "r"  # without a store, the memory's own time to live
