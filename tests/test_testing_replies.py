"""FakeDeepSeek's replies read back through the real SDK: DeepSeek's shapes, usage, cache, scripts."""

from __future__ import annotations

import json
import re
from typing import Any

import openai
import pytest

from deepseek_openai import MODELS
from deepseek_openai.testing import CACHE_UNIT, FakeDeepSeek, count_tokens

USER = [{"role": "user", "content": "hello there"}]
OFF = {"thinking": {"type": "disabled"}}


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def chat(ds: FakeDeepSeek, mode: str, client_kw: dict[str, Any] | None = None, **kw: Any) -> Any:
    kw.setdefault("model", "deepseek-flash")
    kw.setdefault("messages", USER)
    if mode == "sync":
        with ds.client(max_retries=0, **(client_kw or {})) as client:
            return client.chat.completions.create(**kw)
    async with ds.async_client(max_retries=0, **(client_kw or {})) as aclient:
        return await aclient.chat.completions.create(**kw)


async def fim(ds: FakeDeepSeek, mode: str, **kw: Any) -> Any:
    kw.setdefault("model", "deepseek-flash")
    if mode == "sync":
        with ds.client(beta=True, max_retries=0) as client:
            return client.completions.create(**kw)
    async with ds.async_client(beta=True, max_retries=0) as aclient:
        return await aclient.completions.create(**kw)


def check_usage(usage: Any) -> None:
    assert usage.prompt_cache_hit_tokens + usage.prompt_cache_miss_tokens == usage.prompt_tokens
    assert usage.prompt_tokens_details.cached_tokens == usage.prompt_cache_hit_tokens
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


async def test_default_reply_has_deepseek_shape(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    reply = await chat(fake_deepseek, mode)
    assert reply.object == "chat.completion"
    assert reply.model == "deepseek-flash"
    assert re.fullmatch(r"[0-9a-f]{32}", reply.system_fingerprint)  # newest format: bare 32 hex digits
    assert isinstance(reply.created, int) and reply.id
    message = reply.choices[0].message
    assert message.role == "assistant"
    assert message.content == "Echo: hello there"
    assert getattr(message, "reasoning_content", None)  # thinking is on by default
    assert reply.choices[0].finish_reason == "stop"
    usage = reply.usage
    check_usage(usage)
    assert usage.prompt_tokens == count_tokens("<user>hello there\n")
    assert usage.completion_tokens_details.reasoning_tokens == count_tokens(message.reasoning_content)
    assert usage.completion_tokens == count_tokens(message.reasoning_content) + count_tokens(message.content)


@pytest.mark.parametrize(
    "extra",
    [
        {"extra_body": OFF},
        {"extra_body": {"reasoning_effort": "none"}},
        {"extra_body": {**OFF, "reasoning_effort": "high"}},
    ],
)
async def test_thinking_off_has_no_reasoning(fake_deepseek: FakeDeepSeek, mode: str, extra: dict[str, Any]) -> None:
    reply = await chat(fake_deepseek, mode, **extra)
    assert getattr(reply.choices[0].message, "reasoning_content", None) is None
    assert reply.usage.completion_tokens_details is None  # real non-thinking replies omit the field


@pytest.mark.parametrize("alias", [n for n, i in MODELS.items() if i.status != "retired"])
async def test_model_in_reply_is_the_served_name(fake_deepseek: FakeDeepSeek, mode: str, alias: str) -> None:
    reply = await chat(fake_deepseek, mode, model=alias)
    assert reply.model == MODELS[alias].served_by
    assert fake_deepseek.requests[-1].json["model"] == alias


async def test_replies_are_deterministic(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    first, second = await chat(fake_deepseek, mode), await chat(fake_deepseek, mode)
    assert first.choices[0].message.model_dump() == second.choices[0].message.model_dump()
    assert first.id != second.id


async def test_json_object_reply_is_valid_json(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    reply = await chat(
        fake_deepseek,
        mode,
        messages=[{"role": "user", "content": "Answer in json: hi"}],
        response_format={"type": "json_object"},
    )
    assert json.loads(reply.choices[0].message.content) == {"echo": "Answer in json: hi"}


async def test_prefix_completion_continues_and_respects_stop(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    messages = [
        {"role": "user", "content": "write hi"},
        {"role": "assistant", "content": "```python\n", "prefix": True},
    ]
    reply = await chat(fake_deepseek, mode, {"beta": True}, messages=messages, stop=["```"], extra_body=OFF)
    content = reply.choices[0].message.content
    assert not content.startswith("```python")
    assert "```" not in content and content.strip()
    assert reply.choices[0].finish_reason == "stop"
    assert fake_deepseek.requests[-1].path == "/beta/chat/completions"


async def test_max_tokens_truncates_with_length(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    reply = await chat(fake_deepseek, mode, max_tokens=2, extra_body=OFF)
    assert reply.choices[0].finish_reason == "length"
    assert reply.usage.completion_tokens <= 2
    assert "Echo: hello there".startswith(reply.choices[0].message.content)


async def test_fim_default_reply(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    reply = await fim(fake_deepseek, mode, prompt="def f():\n", suffix="\n    return 1\n", max_tokens=64)
    assert reply.object == "text_completion"
    assert reply.model == "deepseek-flash"
    assert reply.choices[0].text and reply.choices[0].finish_reason == "stop"
    check_usage(reply.usage)
    assert reply.usage.prompt_tokens == count_tokens("def f():\n\n    return 1\n")
    assert fake_deepseek.requests[-1].path == "/beta/completions"


async def test_fim_echo_and_scripted_text(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    fake_deepseek.add_reply("    return 42\n")
    reply = await fim(fake_deepseek, mode, prompt="def f():\n", echo=True)
    assert reply.choices[0].text == "def f():\n    return 42\n"


async def test_scripted_reply_is_exact(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    fake_deepseek.add_reply("Paris.", reasoning="France's capital is Paris.")
    reply = await chat(fake_deepseek, mode)
    assert reply.choices[0].message.content == "Paris."
    assert reply.choices[0].message.reasoning_content == "France's capital is Paris."


@pytest.mark.parametrize("finish", ["length", "content_filter", "insufficient_system_resource", "aborted"])
async def test_scripted_finish_reasons(fake_deepseek: FakeDeepSeek, mode: str, finish: str) -> None:
    fake_deepseek.add_reply("partial", finish_reason=finish)
    reply = await chat(fake_deepseek, mode)
    assert reply.choices[0].finish_reason == finish
    assert reply.choices[0].message.content == "partial"


async def test_scripted_tool_calls(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    fake_deepseek.add_reply(
        tool_calls=[
            {"name": "get_weather", "arguments": {"city": "Paris"}},
            {"name": "now", "arguments": "{}", "id": "mine"},
        ]
    )
    reply = await chat(fake_deepseek, mode)
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content == ""
    first, second = choice.message.tool_calls
    assert first.id.startswith("call_00_") and second.id == "mine"
    assert first.type == "function" and first.function.name == "get_weather"
    assert json.loads(first.function.arguments) == {"city": "Paris"}


async def test_usage_override(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    fake_deepseek.add_reply("x", usage={"prompt_tokens": 1000, "prompt_cache_hit_tokens": 640, "completion_tokens": 5})
    usage = (await chat(fake_deepseek, mode)).usage
    assert (usage.prompt_tokens, usage.prompt_cache_hit_tokens, usage.prompt_cache_miss_tokens) == (1000, 640, 360)
    assert usage.total_tokens == 1005
    check_usage(usage)


async def test_json_blank(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    fake_deepseek.add_reply(json_blank=True)
    asks_json = [{"role": "user", "content": "Reply in json."}]
    reply = await chat(fake_deepseek, mode, messages=asks_json, response_format={"type": "json_object"})
    assert reply.choices[0].message.content and not reply.choices[0].message.content.strip()
    assert reply.choices[0].finish_reason == "stop"


async def test_json_object_without_the_word_json_is_refused(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    with pytest.raises(openai.BadRequestError, match="must contain the word 'json'"):
        await chat(fake_deepseek, mode, response_format={"type": "json_object"})
    reply = await chat(
        fake_deepseek,
        mode,
        messages=[{"role": "system", "content": "Answer as JSON."}, {"role": "user", "content": "hi"}],
        response_format={"type": "json_object"},
    )
    assert reply.choices[0].finish_reason == "stop"  # any role and any case count


async def test_cache_hits_for_a_shared_prefix_rounded_to_64(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    long = [{"role": "system", "content": "You are terse. " * 40}, {"role": "user", "content": "one"}]
    first = (await chat(fake_deepseek, mode, messages=long)).usage
    assert first.prompt_cache_hit_tokens == 0
    follow = [*long, {"role": "assistant", "content": "1"}, {"role": "user", "content": "two"}]
    second = (await chat(fake_deepseek, mode, messages=follow)).usage
    assert second.prompt_cache_hit_tokens == first.prompt_tokens // CACHE_UNIT * CACHE_UNIT > 0
    check_usage(second)
    other = (await chat(fake_deepseek, mode, messages=follow, model="deepseek-v4-pro")).usage
    assert other.prompt_cache_hit_tokens == 0  # caches are per model
    fake_deepseek.reset()
    assert (await chat(fake_deepseek, mode, messages=follow)).usage.prompt_cache_hit_tokens == 0


async def test_tool_round_trip_with_reasoning_passback(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    tools = [
        {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}}
    ]
    fake_deepseek.add_reply(reasoning="Need the tool.", tool_calls=[{"name": "get_weather", "arguments": "{}"}])
    messages: list[Any] = [{"role": "user", "content": "weather?"}]
    first = await chat(fake_deepseek, mode, messages=messages, tools=tools)
    call = first.choices[0].message.tool_calls[0]
    messages += [first.choices[0].message, {"role": "tool", "tool_call_id": call.id, "content": "sunny"}]
    second = await chat(fake_deepseek, mode, messages=messages, tools=tools)
    assert second.choices[0].message.content == "Echo: weather? (tools said: sunny)"
    assert fake_deepseek.requests[-1].json["messages"][1]["reasoning_content"] == "Need the tool."


async def test_models_lists_current_models_with_limits(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    if mode == "sync":
        with fake_deepseek.client() as client:
            models = client.models.list().data
    else:
        async with fake_deepseek.async_client() as aclient:
            models = (await aclient.models.list()).data
    assert [m.id for m in models] == ["deepseek-flash", "deepseek-v4-pro"]
    flash, pro = (m.model_dump() for m in models)
    assert flash["owned_by"] == "deepseek" and flash["object"] == "model"
    assert flash["context_window"] == MODELS["deepseek-flash"].context_window
    assert flash["max_output_tokens"] == MODELS["deepseek-flash"].max_output_tokens
    assert flash["input_modalities"] == ["text", "image"] and pro["input_modalities"] == ["text"]
    assert flash["effort"] == {"supported_levels": ["low", "high", "max"], "default_level": "high"}


@pytest.mark.parametrize(("balance", "available"), [("110.5", True), ("0", False)])
async def test_balance_endpoint(mode: str, balance: str, available: bool) -> None:
    with FakeDeepSeek(balance=balance, currency="CNY") as ds:
        if mode == "sync":
            with ds.client() as client:
                body = client.get("/user/balance", cast_to=object)
        else:
            async with ds.async_client() as aclient:
                body = await aclient.get("/user/balance", cast_to=object)
    assert body == {
        "is_available": available,
        "balance_infos": [
            {
                "currency": "CNY",
                "total_balance": f"{float(balance):.2f}",
                "granted_balance": "0.00",
                "topped_up_balance": f"{float(balance):.2f}",
            }
        ],
    }


def _raw_post(ds: FakeDeepSeek, path: str, body: dict[str, Any]) -> dict[str, Any]:
    import urllib.request

    request = urllib.request.Request(
        ds.base_url + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {ds.api_key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        parsed: dict[str, Any] = json.loads(answer.read())
    return parsed


def test_on_the_wire_only_thinking_replies_carry_completion_tokens_details(fake_deepseek: FakeDeepSeek) -> None:
    ask = {"model": "deepseek-flash", "messages": [{"role": "user", "content": "hi"}]}
    thinking = _raw_post(fake_deepseek, "/chat/completions", ask)
    assert thinking["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0
    off = _raw_post(fake_deepseek, "/chat/completions", {**ask, "thinking": {"type": "disabled"}})
    assert "completion_tokens_details" not in off["usage"]
    assert re.fullmatch(r"[0-9a-f]{32}", off["system_fingerprint"])
    fim = _raw_post(fake_deepseek, "/beta/completions", {"model": "deepseek-flash", "prompt": "x = "})
    assert "completion_tokens_details" not in fim["usage"]
