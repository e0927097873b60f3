"""The hook with a durable store behind the process memory: a store of the user's own (the documented protocol).

The built-in SQLite and Redis stores are tested in test_stores.py and tests/redis; here a small dict-backed store
shows what the hook asks of any store: sync calls from sync clients, awaited calls only from async clients.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Mapping, Sequence

import openai
import pytest

from deepseek_openai import CompatWarning, InvalidRequestError, LegacyModelWarning, ReasoningStoreError
from deepseek_openai._compat._hook import _sdk_passes_errors
from deepseek_openai._compat._memory import merged, process_memory
from deepseek_openai.testing import FakeDeepSeek
from tests._wire import TOOL, sent_reasoning, tool_round

MODEL = "deepseek-flash"


class DictStore:
    """A store of one's own: get/put and their async twins over a dict; can be told to fail."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}
        self.calls: list[str] = []
        self.down = False
        self.sync_allowed = True

    def _check(self, name: str) -> None:
        self.calls.append(name)
        if self.down:
            raise ConnectionError("store is down")

    def get(self, keys: Sequence[str]) -> dict[str, str]:
        assert self.sync_allowed, "a sync store call from an async client blocks the event loop"
        self._check("get")
        return {k: self.data[k] for k in keys if k in self.data}

    def put(self, entries: Mapping[str, str]) -> None:
        assert self.sync_allowed, "a sync store call from an async client blocks the event loop"
        self._check("put")
        for key, value in entries.items():
            self.data[key] = merged(self.data.get(key), value)

    async def aget(self, keys: Sequence[str]) -> dict[str, str]:
        await asyncio.sleep(0)
        self._check("aget")
        return {k: self.data[k] for k in keys if k in self.data}

    async def aput(self, entries: Mapping[str, str]) -> None:
        await asyncio.sleep(0)
        self._check("aput")
        for key, value in entries.items():
            self.data[key] = merged(self.data.get(key), value)

    def close(self) -> None:
        pass


def test_a_restarted_process_fills_from_the_store(fake_deepseek: FakeDeepSeek) -> None:
    store = DictStore()
    with fake_deepseek.client(reasoning_store=store) as client:
        messages = tool_round(fake_deepseek, client)
    assert store.calls == ["put"] and len(store.data) == 2  # the conversation key and the tool-call id key
    assert all(len(key) == 32 and "go" not in key for key in store.data)  # hex digests, never message text
    process_memory().clear()  # a restart: the process memory is empty, the store is not
    with fake_deepseek.client(reasoning_store=store) as client:
        client.chat.completions.create(model=MODEL, messages=messages, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert sent_reasoning(fake_deepseek) == ["Call f."] and store.calls == ["put", "get", "put"]


def test_the_store_is_read_first_even_when_the_process_memory_knows(fake_deepseek: FakeDeepSeek) -> None:
    # Another worker may have made the turn ambiguous in the store (test_passback_ambiguous.py): the store decides.
    store = DictStore()
    client = fake_deepseek.client(reasoning_store=store)
    client.chat.completions.create(model=MODEL, messages=tool_round(fake_deepseek, client), tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert store.calls == ["put", "get", "put"] and sent_reasoning(fake_deepseek) == ["Call f."]


def test_a_turn_the_store_lost_is_still_filled_from_the_process_memory(fake_deepseek: FakeDeepSeek) -> None:
    # A save the store lost (it failed, with a warning, or the entry expired there first) leaves the process memory
    # to answer: the store only ever adds what other processes received.
    store = DictStore()
    client = fake_deepseek.client(reasoning_store=store)
    messages = tool_round(fake_deepseek, client)
    store.data.clear()
    client.chat.completions.create(model=MODEL, messages=messages, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert sent_reasoning(fake_deepseek) == ["Call f."]


def test_the_environment_variable_names_the_store(fake_deepseek: FakeDeepSeek, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPSEEK_REASONING_STORE", "memory")
    assert fake_deepseek.client()._client.reasoning_store is None  # type: ignore[attr-defined]
    monkeypatch.setenv("DEEPSEEK_REASONING_STORE", "ftp://nowhere")
    with pytest.raises(InvalidRequestError, match=r"sqlite|redis"):
        fake_deepseek.client()


def test_a_store_that_is_down_is_a_clear_error_before_the_network(fake_deepseek: FakeDeepSeek) -> None:
    store = DictStore()
    with fake_deepseek.client(reasoning_store=store) as first:
        messages = tool_round(fake_deepseek, first)
    process_memory().clear()
    store.down = True
    sent = len(fake_deepseek.requests)
    with pytest.raises(ReasoningStoreError, match="store is down") as info:
        fake_deepseek.client(reasoning_store=store).chat.completions.create(
            model=MODEL,
            messages=messages,
            tools=[TOOL],  # type: ignore[arg-type,list-item]
        )
    assert "DEEPSEEK_REASONING_STORE" in info.value.fix and len(fake_deepseek.requests) == sent


def test_a_store_that_is_down_with_disable_thinking_sends_without_thinking(fake_deepseek: FakeDeepSeek) -> None:
    store = DictStore()
    with fake_deepseek.client(reasoning_store=store) as first:
        messages = tool_round(fake_deepseek, first)
    process_memory().clear()
    store.down = True
    client = fake_deepseek.client(reasoning_store=store, missing_reasoning="disable_thinking")
    with pytest.warns(CompatWarning) as caught:  # the lookup failed, and then saving the reply failed too
        client.chat.completions.create(model=MODEL, messages=messages, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert any("its store failed" in str(w.message) for w in caught)
    assert any("kept in this process only" in str(w.message) for w in caught)
    assert fake_deepseek.requests[-1].json["thinking"] == {"type": "disabled"}


def test_a_store_that_cannot_save_loses_no_reply(fake_deepseek: FakeDeepSeek) -> None:
    store = DictStore()
    store.down = True
    client = fake_deepseek.client(reasoning_store=store)
    with pytest.warns(CompatWarning, match="kept in this process only"):
        messages = tool_round(fake_deepseek, client)
    store.down = False
    client.chat.completions.create(model=MODEL, messages=messages, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert sent_reasoning(fake_deepseek) == ["Call f."]


async def test_an_async_client_reads_and_writes_the_store_without_blocking(fake_deepseek: FakeDeepSeek) -> None:
    store = DictStore()
    with fake_deepseek.client(reasoning_store=store) as first:
        messages = tool_round(fake_deepseek, first)
    process_memory().clear()
    store.sync_allowed = False  # from here on a blocking call fails the test
    async with fake_deepseek.async_client(reasoning_store=store) as client:
        fake_deepseek.add_reply("Done.", reasoning="All done.")
        await client.chat.completions.create(model=MODEL, messages=messages, tools=[TOOL])  # type: ignore[arg-type,list-item]
        assert sent_reasoning(fake_deepseek) == ["Call f."]
        stream = await client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "x"}], stream=True
        )
        async for _ in stream:
            pass
    assert store.calls[1:] == ["aget", "aput", "aput"]


async def test_an_async_client_rewrites_a_request_that_reads_the_store_once(fake_deepseek: FakeDeepSeek) -> None:
    # The async client reads the store in send(): the rewrite made in build_request resumes there, not run again,
    # so a warning raised before the store read is shown once even where every warning is shown.
    store = DictStore()
    with fake_deepseek.client(reasoning_store=store) as first:
        messages = tool_round(fake_deepseek, first)
    process_memory().clear()
    async with fake_deepseek.async_client(reasoning_store=store) as client:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            await client.chat.completions.create(model="deepseek-reasoner", messages=messages, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert [w.category for w in caught] == [LegacyModelWarning]
    assert store.calls[1:] == ["aget", "aput"] and sent_reasoning(fake_deepseek) == ["Call f."]
    assert fake_deepseek.requests[-1].json["model"] == "deepseek-flash"


@pytest.mark.parametrize(
    ("down", "error", "match"),
    [(False, InvalidRequestError, r"messages\[1\]"), (True, ReasoningStoreError, "store is down")],
    ids=["unknown turn", "store down"],
)
async def test_an_async_client_refuses_before_the_network_when_a_turn_cannot_be_filled(
    fake_deepseek: FakeDeepSeek, down: bool, error: type[Exception], match: str
) -> None:
    # A turn the store does not know, or a store that is down: either way nothing is sent, and only aget was asked.
    store = DictStore()
    store.sync_allowed, store.down = False, down
    unknown = [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": "from a database"},
        {"role": "user", "content": "next"},
    ]
    expected = error if _sdk_passes_errors() else openai.BadRequestError
    async with fake_deepseek.async_client(reasoning_store=store) as client:
        with pytest.raises(expected, match=match):
            await client.chat.completions.create(model=MODEL, messages=unknown, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert store.calls == ["aget"] and fake_deepseek.requests == []


async def test_what_an_async_client_reads_from_the_store_lives_no_longer_than_the_store_keeps_it(
    fake_deepseek: FakeDeepSeek, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The async read happens in send(); the copy it leaves in the process memory is bounded by the store's ttl too.
    class ShortStore(DictStore):
        ttl = 5.0

    now = [1000.0]
    memory = process_memory()
    monkeypatch.setattr(memory, "_clock", lambda: now[0])
    store = ShortStore()
    store.sync_allowed = False
    ask = [{"role": "user", "content": "hi"}]
    again = [*ask, {"role": "assistant", "content": "Hello."}, {"role": "user", "content": "?"}]
    async with fake_deepseek.async_client(reasoning_store=store) as client:
        fake_deepseek.add_reply("Hello.", reasoning="R1")
        await client.chat.completions.create(model=MODEL, messages=ask)  # type: ignore[arg-type]
        memory.clear()  # a worker that never saw the reply: the next request reads it from the store
        await client.chat.completions.create(model=MODEL, messages=again, tools=[TOOL])  # type: ignore[arg-type,list-item]
        assert sent_reasoning(fake_deepseek) == ["R1"] and "R1" in (v for v, _ in memory._items.values())
        now[0] += 5.1
        assert "R1" not in (memory.get(key) for key in list(memory._items))
