"""Reasoning passback through a real redis-server: rounds of a tool loop in different processes, expiry, outages.

The Redis leg of .ci/run gives the server's URL in DEEPSEEK_OPENAI_REDIS_URL; the outage test runs a server of its
own and stops it mid-run.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import openai
import pytest
import redis

from deepseek_openai import CompatWarning, InvalidRequestError, ReasoningStoreError
from deepseek_openai._compat._memory import process_memory
from deepseek_openai.testing import FakeDeepSeek
from tests._rounds import TOOL, run_round
from tests.compat.test_passback_ambiguous import check_another_worker_makes_the_turn_ambiguous
from tests.compat.test_passback_sqlite import three_rounds
from tests.redis.test_redis_store import URL, Server, poll


def sent_reasoning(ds: FakeDeepSeek) -> list[str | None]:
    return [m.get("reasoning_content") for m in ds.requests[-1].json["messages"] if m["role"] == "assistant"]


def test_a_tool_loop_whose_rounds_run_in_different_processes(fake_deepseek: FakeDeepSeek, tmp_path: Path) -> None:
    three_rounds(fake_deepseek, URL, tmp_path / "history.json")
    assert sent_reasoning(fake_deepseek) == ["first, look it up", "then look again"]


def test_a_worker_saving_another_reply_makes_the_turn_ambiguous_for_every_worker(
    fake_deepseek: FakeDeepSeek, tmp_path: Path
) -> None:
    check_another_worker_makes_the_turn_ambiguous(fake_deepseek, URL, tmp_path / "history.json")


def test_an_expired_entry_is_not_filled(fake_deepseek: FakeDeepSeek, tmp_path: Path) -> None:
    store = URL + "?ttl=1"
    fake_deepseek.add_reply(reasoning="soon gone", tool_calls=[{"name": "lookup", "arguments": {}}])
    history = tmp_path / "history.json"
    history.write_text(json.dumps([{"role": "user", "content": f"what is it? {uuid.uuid4()}"}]))
    assert run_round(fake_deepseek.base_url, fake_deepseek.api_key, store, history).returncode == 0
    raw = redis.Redis.from_url(URL)
    assert poll(lambda: not raw.keys("deepseek_openai:r:*") or _none_left(raw, fake_deepseek), seconds=15)
    raw.close()
    refused = run_round(fake_deepseek.base_url, fake_deepseek.api_key, store, history)
    assert refused.returncode != 0 and "InvalidRequestError" in refused.stderr
    assert len(fake_deepseek.requests) == 1


def _none_left(raw: Any, ds: FakeDeepSeek) -> bool:
    # Other tests' keys live on with the default TTL; ours (ttl=1) are the ones with a PTTL of a second or less.
    return all(raw.pttl(key) > 1000 for key in raw.keys("deepseek_openai:r:*"))


def first_round(ds: FakeDeepSeek, client: openai.OpenAI) -> list[Any]:
    ds.add_reply(reasoning="Call it.", tool_calls=[{"name": "lookup", "arguments": {}}])
    ask = {"role": "user", "content": f"go {uuid.uuid4()}"}
    reply = client.chat.completions.create(model="deepseek-flash", messages=[ask], tools=[TOOL])  # type: ignore[list-item]
    call = reply.choices[0].message.tool_calls[0]  # type: ignore[index]
    turn = {"role": "assistant", "content": "", "tool_calls": [call.model_dump(include={"id", "type", "function"})]}
    return [ask, turn, {"role": "tool", "tool_call_id": call.id, "content": "42"}]


def test_the_server_going_down_mid_run(fake_deepseek: FakeDeepSeek) -> None:
    server = Server()
    server.start()
    url = f"redis://127.0.0.1:{server.port}/0"
    try:
        with fake_deepseek.client(reasoning_store=url) as client:
            messages = first_round(fake_deepseek, client)
    finally:
        server.stop()
    process_memory().clear()  # as another worker would be: only the store knew the turn
    sent = len(fake_deepseek.requests)
    with fake_deepseek.client(reasoning_store=url) as client:
        with pytest.raises(ReasoningStoreError, match=r"127\.0\.0\.1") as info:
            client.chat.completions.create(model="deepseek-flash", messages=messages, tools=[TOOL])  # type: ignore[arg-type,list-item]
        assert "DEEPSEEK_REASONING_STORE" in info.value.fix and len(fake_deepseek.requests) == sent
    client = fake_deepseek.client(reasoning_store=url, missing_reasoning="disable_thinking")
    with client, pytest.warns(CompatWarning) as caught:
        client.chat.completions.create(model="deepseek-flash", messages=messages, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert any("its store failed" in str(w.message) for w in caught)
    assert fake_deepseek.requests[-1].json["thinking"] == {"type": "disabled"}


async def test_an_async_client_reads_redis_without_blocking(fake_deepseek: FakeDeepSeek) -> None:
    with fake_deepseek.client(reasoning_store=URL) as client:
        messages = first_round(fake_deepseek, client)
    process_memory().clear()
    async with fake_deepseek.async_client(reasoning_store=URL) as aclient:
        await aclient.chat.completions.create(model="deepseek-flash", messages=messages, tools=[TOOL])  # type: ignore[arg-type,list-item]
        assert sent_reasoning(fake_deepseek) == ["Call it."]
        other = [
            {"role": "user", "content": "new"},
            {"role": "assistant", "content": "?"},
            {"role": "user", "content": "x"},
        ]
        with pytest.raises(InvalidRequestError, match=r"messages\[1\]"):
            await aclient.chat.completions.create(model="deepseek-flash", messages=other, tools=[TOOL])  # type: ignore[arg-type,list-item]
