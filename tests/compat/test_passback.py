"""Reasoning passback in production: scoped to its conversation and account, shared by every client of a process.

Each test runs a real client against the double on loopback and checks what went out on the wire.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import openai
import pytest

from deepseek_openai import InvalidRequestError, create_async_http_client, create_http_client, thinking, user_id
from deepseek_openai.testing import FakeDeepSeek
from tests._wire import WEATHER_TOOL as TOOL
from tests._wire import rebuilt, sent_reasoning

GREETING = "Hello! How can I help you today?"
MODEL = "deepseek-flash"


def test_a_stock_reply_of_one_user_never_fills_another_users_history(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client()  # one client shared by a web app's users
    fake_deepseek.add_reply(GREETING, reasoning="Alice wrote her account number 4242; greet her.")
    alice = [{"role": "user", "content": "Hi, I am Alice, account 4242."}]
    client.chat.completions.create(model=MODEL, messages=alice)  # type: ignore[arg-type]
    # Bob's own history (from the app's database) holds the same stock text, without reasoning.
    bob = [
        {"role": "user", "content": "hello"},
        {"role": "assistant", "content": GREETING},
        {"role": "user", "content": "weather in Paris?"},
    ]
    with pytest.raises(InvalidRequestError, match=r"messages\[1\]"):
        client.chat.completions.create(model=MODEL, messages=bob, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert len(fake_deepseek.requests) == 1
    assert all("4242" not in json.dumps(r.json) for r in fake_deepseek.requests[1:])


def test_a_reply_received_with_thinking_off_never_blanks_another_conversation(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client()
    fake_deepseek.add_reply(GREETING, reasoning="Alice's own thoughts.")
    alice: list[Any] = [{"role": "user", "content": "Hi, I am Alice."}]
    alice.append(rebuilt(client.chat.completions.create(model=MODEL, messages=alice).choices[0].message))  # type: ignore[arg-type]
    # Bob, in a tool request with thinking off, receives the same text: remembered as "no reasoning" for him only.
    fake_deepseek.add_reply(GREETING)
    bob = [{"role": "user", "content": "Hi, I am Bob."}]
    client.chat.completions.create(model=MODEL, messages=bob, tools=[TOOL], **thinking(False))  # type: ignore[arg-type,list-item]
    alice.append({"role": "user", "content": "weather in Paris?"})
    client.chat.completions.create(model=MODEL, messages=alice, tools=[TOOL])  # type: ignore[arg-type,list-item]
    sent = fake_deepseek.requests[-1].json
    assert sent_reasoning(fake_deepseek) == ["Alice's own thoughts."]
    assert sent.get("thinking") != {"type": "disabled"}  # Alice's request still thinks


def test_each_turn_gets_its_own_reasoning_when_two_turns_have_the_same_text(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client()
    fake_deepseek.add_reply("Done.", reasoning="first task")
    fake_deepseek.add_reply("Done.", reasoning="second task")
    messages: list[Any] = []
    for ask in ("rename the file", "now delete the backup"):
        messages.append({"role": "user", "content": ask})
        reply = client.chat.completions.create(model=MODEL, messages=messages)  # type: ignore[arg-type]
        messages.append(rebuilt(reply.choices[0].message))
    messages.append({"role": "user", "content": "and the weather?"})
    client.chat.completions.create(model=MODEL, messages=messages, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert sent_reasoning(fake_deepseek) == ["first task", "second task"]


def test_frameworks_that_reissue_ids_and_reserialise_arguments_are_filled(fake_deepseek: FakeDeepSeek) -> None:
    # magentic-style: its own call ids, arguments dumped again (spacing, key order), text parts for content.
    client = fake_deepseek.client()
    fake_deepseek.add_reply(
        reasoning="Look up Paris in Celsius.",
        tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris", "unit": "C"}}],
    )
    ask = {"role": "user", "content": "weather in Paris?"}
    reply = client.chat.completions.create(model=MODEL, messages=[ask], tools=[TOOL])  # type: ignore[arg-type,list-item]
    call = reply.choices[0].message.tool_calls[0]  # type: ignore[index]
    arguments = json.dumps(dict(reversed(list(json.loads(call.function.arguments).items()))), indent=2)  # type: ignore[union-attr]
    turn = {
        "role": "assistant",
        "content": [],
        "tool_calls": [
            {"id": "magentic-0", "type": "function", "function": {"arguments": arguments, "name": "get_weather"}}
        ],
    }
    messages = [
        {"role": "user", "content": [{"type": "text", "text": "weather in Paris?"}]},
        turn,
        {"role": "tool", "tool_call_id": "magentic-0", "content": "sunny"},
    ]
    client.chat.completions.create(model=MODEL, messages=messages, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert sent_reasoning(fake_deepseek) == ["Look up Paris in Celsius."]


def test_an_edited_conversation_is_not_filled(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client()
    fake_deepseek.add_reply("Paris is sunny.", reasoning="The user asked about Paris.")
    messages: list[Any] = [{"role": "user", "content": "weather in Paris?"}]
    messages.append(rebuilt(client.chat.completions.create(model=MODEL, messages=messages).choices[0].message))  # type: ignore[arg-type]
    messages[0] = {"role": "user", "content": "weather in Rome?"}  # an earlier turn changed: another conversation
    messages.append({"role": "user", "content": "thanks"})
    with pytest.raises(InvalidRequestError, match=r"messages\[1\]"):
        client.chat.completions.create(model=MODEL, messages=messages, tools=[TOOL])  # type: ignore[arg-type,list-item]


async def test_every_client_of_the_process_shares_the_memory(fake_deepseek: FakeDeepSeek) -> None:
    # A client per request, then an async client, then a framework's own openai.OpenAI over our HTTP client.
    ask = {"role": "user", "content": "weather in Paris?"}
    fake_deepseek.add_reply(reasoning="round 1", tool_calls=[{"name": "get_weather", "arguments": {"city": "P"}}])
    first = fake_deepseek.client().chat.completions.create(model=MODEL, messages=[ask], tools=[TOOL])  # type: ignore[arg-type,list-item]
    turn = rebuilt(first.choices[0].message)
    messages: list[Any] = [ask, turn, {"role": "tool", "tool_call_id": turn["tool_calls"][0]["id"], "content": "sun"}]
    fake_deepseek.add_reply("Sunny.", reasoning="round 2")
    async with fake_deepseek.async_client() as aclient:
        second = await aclient.chat.completions.create(model=MODEL, messages=messages, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert sent_reasoning(fake_deepseek) == ["round 1"]
    messages += [rebuilt(second.choices[0].message), {"role": "user", "content": "thanks"}]
    with create_http_client(verify=False) as http:
        framework = openai.OpenAI(api_key=fake_deepseek.api_key, base_url=fake_deepseek.base_url, http_client=http)
        framework.chat.completions.create(model=MODEL, messages=messages, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert sent_reasoning(fake_deepseek) == ["round 1", "round 2"]


def test_another_api_key_does_not_see_the_accounts_memory(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_reply("Sunny.", reasoning="mine")
    messages: list[Any] = [{"role": "user", "content": "weather?"}]
    reply = fake_deepseek.client().chat.completions.create(model=MODEL, messages=messages)  # type: ignore[arg-type]
    messages += [rebuilt(reply.choices[0].message), {"role": "user", "content": "thanks"}]
    other = fake_deepseek.client(api_key="sk-another-account-00000000")
    with pytest.raises(InvalidRequestError, match=r"messages\[1\]"):
        other.chat.completions.create(model=MODEL, messages=messages, tools=[TOOL])  # type: ignore[arg-type,list-item]
    fake_deepseek.client().chat.completions.create(model=MODEL, messages=messages, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert sent_reasoning(fake_deepseek) == ["mine"]


def test_user_ids_keep_identical_conversations_apart(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client()
    ask = [{"role": "user", "content": "Hi"}]
    fake_deepseek.add_reply(GREETING, reasoning="for alice")
    client.chat.completions.create(model=MODEL, messages=ask, **user_id("alice"))  # type: ignore[arg-type]
    history = [*ask, {"role": "assistant", "content": GREETING}, {"role": "user", "content": "weather?"}]
    with pytest.raises(InvalidRequestError, match=r"messages\[1\]"):
        client.chat.completions.create(model=MODEL, messages=history, tools=[TOOL], **user_id("bob"))  # type: ignore[arg-type,list-item]
    client.chat.completions.create(model=MODEL, messages=history, tools=[TOOL], **user_id("alice"))  # type: ignore[arg-type,list-item]
    assert sent_reasoning(fake_deepseek) == ["for alice"]


USERS = 8


def _colliding_replies(ds: FakeDeepSeek) -> None:
    for n in range(USERS):
        ds.add_reply("OK.", reasoning=f"private thoughts {n}")


def _check_each_user_got_their_own(ds: FakeDeepSeek, received: dict[str, str]) -> None:
    followups = [r.json for r in ds.requests if r.json.get("tools")]
    assert len(followups) == USERS
    for body in followups:
        user = body["messages"][0]["content"]
        assert body["messages"][1]["reasoning_content"] == received[user]
    assert sorted(received.values()) == sorted(f"private thoughts {n}" for n in range(USERS))


def test_users_on_one_client_in_threads_each_get_their_own_reasoning(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client()
    _colliding_replies(fake_deepseek)
    received: dict[str, str] = {}
    barrier = threading.Barrier(USERS)

    def user(n: int) -> None:
        messages: list[Any] = [{"role": "user", "content": f"I am user {n}"}]
        reply = client.chat.completions.create(model=MODEL, messages=messages)  # type: ignore[arg-type]
        received[f"I am user {n}"] = reply.choices[0].message.reasoning_content  # type: ignore[attr-defined]
        messages += [rebuilt(reply.choices[0].message), {"role": "user", "content": "and now?"}]
        barrier.wait()  # every user has received the same text before anyone sends it back
        client.chat.completions.create(model=MODEL, messages=messages, tools=[TOOL])  # type: ignore[arg-type,list-item]

    threads = [threading.Thread(target=user, args=(n,)) for n in range(USERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _check_each_user_got_their_own(fake_deepseek, received)


async def test_users_on_one_async_client_in_tasks_each_get_their_own_reasoning(fake_deepseek: FakeDeepSeek) -> None:
    _colliding_replies(fake_deepseek)
    received: dict[str, str] = {}
    all_received = asyncio.Event()
    async with fake_deepseek.async_client() as client:

        async def user(n: int) -> None:
            messages: list[Any] = [{"role": "user", "content": f"I am user {n}"}]
            reply = await client.chat.completions.create(model=MODEL, messages=messages)  # type: ignore[arg-type]
            received[f"I am user {n}"] = reply.choices[0].message.reasoning_content  # type: ignore[attr-defined]
            if len(received) == USERS:
                all_received.set()
            await all_received.wait()
            messages += [rebuilt(reply.choices[0].message), {"role": "user", "content": "and now?"}]
            await client.chat.completions.create(model=MODEL, messages=messages, tools=[TOOL])  # type: ignore[arg-type,list-item]

        await asyncio.gather(*(user(n) for n in range(USERS)))
    _check_each_user_got_their_own(fake_deepseek, received)


def test_a_framework_http_client_is_scoped_like_ours(fake_deepseek: FakeDeepSeek) -> None:
    # Two frameworks' clients over one async HTTP client factory and one sync one: same account, same memory.
    fake_deepseek.add_reply("Sunny.", reasoning="seen by the framework")
    messages: list[Any] = [{"role": "user", "content": "weather?"}]
    with create_http_client(verify=False) as http:
        framework = openai.OpenAI(api_key=fake_deepseek.api_key, base_url=fake_deepseek.base_url, http_client=http)
        reply = framework.chat.completions.create(model=MODEL, messages=messages)  # type: ignore[arg-type]
    messages += [rebuilt(reply.choices[0].message), {"role": "user", "content": "thanks"}]

    async def follow_up() -> None:
        async with create_async_http_client(verify=False) as ahttp:
            aclient = openai.AsyncOpenAI(
                api_key=fake_deepseek.api_key, base_url=fake_deepseek.base_url, http_client=ahttp
            )
            await aclient.chat.completions.create(model=MODEL, messages=messages, tools=[TOOL])  # type: ignore[arg-type,list-item]

    asyncio.run(follow_up())
    assert sent_reasoning(fake_deepseek) == ["seen by the framework"]
