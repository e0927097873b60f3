"""Two replies under one key with different reasoning: the key is ambiguous and fills neither (no user gets another's).

Two users of one shared client whose conversations are identical up to a turn (the same system prompt, the same
"hi", the same stock reply) have one key for that turn. Whichever reasoning came first, neither is filled into a
later request: it is refused (``missing_reasoning='error'``) or sent with thinking off (``'disable_thinking'``).
"""

from __future__ import annotations

import asyncio
import json
import threading
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from deepseek_openai import CompatWarning, InvalidRequestError, thinking, user_id
from deepseek_openai._compat import _memory
from deepseek_openai._compat._memory import ReasoningMemory
from deepseek_openai._compat._stores import SQLiteStore
from deepseek_openai.testing import FakeDeepSeek
from tests._rounds import run_round
from tests._wire import WEATHER_TOOL as TOOL
from tests._wire import sent_reasoning
from tests.compat.test_passback_store import DictStore

MODEL = "deepseek-flash"
GREETING = "Hello! How can I help you today?"
SYSTEM = {"role": "system", "content": "You are the shop assistant."}
ASK = [SYSTEM, {"role": "user", "content": "hi"}]
NEXT = [*ASK, {"role": "assistant", "content": GREETING}, {"role": "user", "content": "weather in Paris?"}]
AMBIGUOUS = r"messages\[2\]: .*two replies with the same conversation up to that turn came with different reasoning"


def private(n: int) -> str:
    return f"user {n}'s private reasoning"


def leaked(ds: FakeDeepSeek) -> list[str]:
    """Any private reasoning that went out in a request the double received."""
    return [text for r in ds.requests for text in [json.dumps(r.json)] if "private reasoning" in text]


def at_once(
    ds: FakeDeepSeek, mode: str, users: int, sync: Callable[[Any], Any], task: Callable[[Any], Awaitable[Any]]
) -> list[BaseException | None]:
    """Run ``sync`` for ``users`` users in threads on one sync client while as many tasks run ``task`` on one async
    client, on an event loop in this thread; return each user's error (``None``: it went out)."""
    errors: list[BaseException | None] = [None] * (2 * users)
    client = ds.client(missing_reasoning=mode)

    def run(i: int) -> None:
        try:
            sync(client)
        except Exception as err:  # noqa: BLE001 - the test checks each user's error
            errors[i] = err

    async def arun(i: int, shared: Any) -> None:
        try:
            await task(shared)
        except Exception as err:  # noqa: BLE001 - the test checks each user's error
            errors[i] = err

    async def main() -> None:
        async with ds.async_client(missing_reasoning=mode) as shared:
            await asyncio.gather(*(arun(users + i, shared) for i in range(users)))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    asyncio.run(main())
    for t in threads:
        t.join()
    client.close()
    return errors


@pytest.mark.parametrize("mode", ["error", "disable_thinking"])
def test_users_with_identical_conversations_in_threads_and_tasks_never_get_each_others_reasoning(
    fake_deepseek: FakeDeepSeek, mode: str
) -> None:
    users = 3  # per side: three on a sync client in threads, three on an async client in tasks, all at once
    for n in range(2 * users):
        fake_deepseek.add_reply(GREETING, reasoning=private(n))

    def first(client: Any) -> Any:
        return client.chat.completions.create(model=MODEL, messages=ASK)

    def follow_up(client: Any) -> Any:
        return client.chat.completions.create(model=MODEL, messages=NEXT, tools=[TOOL])

    assert at_once(fake_deepseek, mode, users, first, first) == [None] * (2 * users)  # type: ignore[arg-type]
    assert len(fake_deepseek.requests) == 2 * users
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        errors = at_once(fake_deepseek, mode, users, follow_up, follow_up)  # type: ignore[arg-type]
    if mode == "error":
        assert all(isinstance(e, InvalidRequestError) for e in errors), errors
        assert all(
            'user_id("' in e.fix and "assistant_turn(reply)" in e.fix and "disable_thinking" in e.fix
            for e in errors
            if isinstance(e, InvalidRequestError)
        )
        assert len(fake_deepseek.requests) == 2 * users  # every follow-up refused before the network
    else:
        assert errors == [None] * (2 * users)
        followups = fake_deepseek.requests[2 * users :]
        assert len(followups) == 2 * users and all(r.json["thinking"] == {"type": "disabled"} for r in followups)
        assert all(sent_reasoning(fake_deepseek, i) == [None] for i in range(2 * users, 4 * users))
        assert any("thinking turned off for ambiguous reasoning" in str(w.message) for w in caught)
    assert leaked(fake_deepseek) == []


@pytest.mark.parametrize("tools", [[TOOL], None], ids=["tools", "no tools"])
@pytest.mark.parametrize("alice_first", [True, False])
def test_a_reasoning_and_a_turn_received_with_thinking_off_make_the_key_ambiguous_in_either_order(
    fake_deepseek: FakeDeepSeek, alice_first: bool, tools: Any
) -> None:
    client = fake_deepseek.client()
    extra = {"tools": tools} if tools else {}

    def alice() -> None:
        fake_deepseek.add_reply(GREETING, reasoning=private(1))
        client.chat.completions.create(model=MODEL, messages=ASK, **extra)  # type: ignore[arg-type]

    def bob() -> None:  # thinking off, with tools or without: his turn is remembered as "no reasoning"
        fake_deepseek.add_reply(GREETING)
        client.chat.completions.create(model=MODEL, messages=ASK, **extra, **thinking(False))  # type: ignore[arg-type]

    for send in (alice, bob) if alice_first else (bob, alice):
        send()
    with pytest.raises(InvalidRequestError, match=AMBIGUOUS):
        client.chat.completions.create(model=MODEL, messages=NEXT, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert len(fake_deepseek.requests) == 2 and leaked(fake_deepseek) == []


def test_the_same_reasoning_received_twice_stays_fillable(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client()
    for _ in range(2):  # the same request answered twice with the same reply, reasoning included
        fake_deepseek.add_reply(GREETING, reasoning="the same thoughts")
        client.chat.completions.create(model=MODEL, messages=ASK)  # type: ignore[arg-type]
    client.chat.completions.create(model=MODEL, messages=NEXT, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert sent_reasoning(fake_deepseek) == ["the same thoughts"]


def test_user_ids_keep_identical_conversations_apart_and_fillable(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client()
    for n in (1, 2):
        fake_deepseek.add_reply(GREETING, reasoning=private(n))
        client.chat.completions.create(model=MODEL, messages=ASK, **user_id(f"user-{n}"))  # type: ignore[arg-type]
    for n in (2, 1):
        client.chat.completions.create(model=MODEL, messages=NEXT, tools=[TOOL], **user_id(f"user-{n}"))  # type: ignore[arg-type,list-item]
        assert sent_reasoning(fake_deepseek) == [private(n)]


def test_an_ambiguous_turn_falls_back_to_deepseeks_tool_call_ids(fake_deepseek: FakeDeepSeek) -> None:
    # Two replies with one conversation key but their own (unique) DeepSeek tool-call ids: the ids still tell them
    # apart when the history keeps them.
    client = fake_deepseek.client()
    call = {"name": "get_weather", "arguments": {"city": "Paris"}}
    turns = []
    for n, call_id in ((1, "call_aaaaaaaaaaaaaaaaaaaaaaaa"), (2, "call_bbbbbbbbbbbbbbbbbbbbbbbb")):
        fake_deepseek.add_reply(reasoning=private(n), tool_calls=[{**call, "id": call_id}])
        client.chat.completions.create(model=MODEL, messages=ASK, tools=[TOOL])  # type: ignore[arg-type,list-item]
        calls = [
            {"id": call_id, "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}
        ]
        turns.append({"role": "assistant", "content": "", "tool_calls": calls})
    for n, turn in ((2, turns[1]), (1, turns[0])):
        result = {"role": "tool", "tool_call_id": turn["tool_calls"][0]["id"], "content": "sunny"}
        client.chat.completions.create(model=MODEL, messages=[*ASK, turn, result], tools=[TOOL])  # type: ignore[arg-type,list-item]
        assert sent_reasoning(fake_deepseek) == [private(n)]
    renamed = {**turns[0], "tool_calls": [{**turns[0]["tool_calls"][0], "id": "call_0"}]}  # a framework's own id
    with pytest.raises(InvalidRequestError, match=AMBIGUOUS):
        client.chat.completions.create(
            model=MODEL,
            messages=[*ASK, renamed, {"role": "tool", "tool_call_id": "call_0", "content": "sunny"}],  # type: ignore[list-item]
            tools=[TOOL],  # type: ignore[list-item]
        )


# -- across processes: the store knows what another worker received ---------------------------------------------


def test_a_worker_does_not_fill_what_another_worker_made_ambiguous(fake_deepseek: FakeDeepSeek) -> None:
    # Worker A received Alice's reply (in its memory and the store); worker B received Bob's, and the store marked
    # the key ambiguous. Worker A's memory alone would fill Alice's reasoning: the store is read first.
    store = DictStore()
    client = fake_deepseek.client(reasoning_store=store)
    fake_deepseek.add_reply(GREETING, reasoning=private(1))
    client.chat.completions.create(model=MODEL, messages=ASK)  # type: ignore[arg-type]
    store.put({key: private(2) for key in store.data})  # worker B's save of Bob's reply, under the same key
    with pytest.raises(InvalidRequestError, match=AMBIGUOUS):
        client.chat.completions.create(model=MODEL, messages=NEXT, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert store.calls == ["put", "put", "get"] and leaked(fake_deepseek) == []


async def test_an_async_worker_reads_the_store_first_too(fake_deepseek: FakeDeepSeek) -> None:
    store = DictStore()
    store.sync_allowed = False
    fake_deepseek.add_reply(GREETING, reasoning=private(1))
    async with fake_deepseek.async_client(reasoning_store=store, missing_reasoning="disable_thinking") as client:
        await client.chat.completions.create(model=MODEL, messages=ASK)  # type: ignore[arg-type]
        await store.aput({key: private(2) for key in store.data})
        with pytest.warns(CompatWarning, match="thinking turned off for ambiguous reasoning"):
            await client.chat.completions.create(model=MODEL, messages=NEXT, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert fake_deepseek.requests[-1].json["thinking"] == {"type": "disabled"}
    assert store.calls[-2:] == ["aget", "aput"] and leaked(fake_deepseek) == []


def test_two_sqlite_store_objects_over_one_file_with_separate_process_memories(
    fake_deepseek: FakeDeepSeek, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "reasoning.db"
    memories = [ReasoningMemory(), ReasoningMemory()]
    workers = [fake_deepseek.client(reasoning_store=SQLiteStore(path)) for _ in range(2)]

    def on(worker: int) -> Any:
        monkeypatch.setattr(_memory, "_PROCESS", [memories[worker]])  # each worker process has a memory of its own
        return workers[worker]

    for n in (0, 1):
        fake_deepseek.add_reply(GREETING, reasoning=private(n))
        on(n).chat.completions.create(model=MODEL, messages=ASK)  # type: ignore[arg-type]
    assert all(len(memory) == 1 for memory in memories)  # each worker remembers its own user's reasoning
    for n in (0, 1):
        with pytest.raises(InvalidRequestError, match=AMBIGUOUS):
            on(n).chat.completions.create(model=MODEL, messages=NEXT, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert len(fake_deepseek.requests) == 2 and leaked(fake_deepseek) == []


def check_another_worker_makes_the_turn_ambiguous(ds: FakeDeepSeek, url: str, history: Path) -> None:
    """This process (worker A) receives Alice's reply; a worker process B then receives Bob's, for one conversation:
    neither A (Alice's reasoning in its memory) nor a fresh worker C fills anything into the next request."""
    history.write_text(json.dumps([{"role": "user", "content": "what is it?"}]))
    ds.add_reply(GREETING, reasoning=private(1))
    with ds.client(reasoning_store=url) as client:
        client.chat.completions.create(model=MODEL, messages=json.loads(history.read_text()), tools=[TOOL])  # type: ignore[arg-type,list-item]
        ds.add_reply(GREETING, reasoning=private(2))
        bob = run_round(ds.base_url, ds.api_key, url, history)  # worker B: Bob's reply
        assert bob.returncode == 0, bob.stderr[-2000:]
        messages = [*json.loads(history.read_text()), {"role": "user", "content": "and now?"}]
        assert messages[1] == {"role": "assistant", "content": GREETING}
        with pytest.raises(InvalidRequestError, match=r"messages\[1\]: .*came with different reasoning"):
            client.chat.completions.create(model=MODEL, messages=messages, tools=[TOOL])  # type: ignore[arg-type,list-item]
    history.write_text(json.dumps(messages))
    third = run_round(ds.base_url, ds.api_key, url, history)  # worker C: a fresh process memory
    assert third.returncode != 0 and "came with different reasoning" in third.stderr
    assert len(ds.requests) == 2 and leaked(ds) == []


@pytest.mark.slow  # real worker processes: the slow leg (pytest -m slow)
def test_a_worker_process_saving_another_reply_makes_the_key_ambiguous_for_this_one(
    fake_deepseek: FakeDeepSeek, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'reasoning.db'}"
    check_another_worker_makes_the_turn_ambiguous(fake_deepseek, url, tmp_path / "history.json")
