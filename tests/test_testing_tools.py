"""FakeDeepSeek's default with tools: it calls a function from its schema, then answers with the results."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from deepseek_openai import arun_tools, assistant_turn, run_tools, strict_tool
from deepseek_openai.testing import FakeDeepSeek

ASK = {"role": "user", "content": "weather in Hangzhou?"}
OFF = {"thinking": {"type": "disabled"}}
CALL_ID = re.compile(r"call_00_[0-9a-f]{24}")
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Today's weather.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "days": {"type": "integer"},
                "ratio": {"type": "number"},
                "hourly": {"type": "boolean"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "tags": {"type": "array", "items": {"type": "string"}},
                "where": {"type": "object", "properties": {"lat": {"type": "number"}}},
                "note": {"type": "string"},  # optional: left out
            },
            "required": ["city", "days", "ratio", "hourly", "unit", "tags", "where"],
        },
    },
}
WEATHER_ARGS = {
    "city": "Hangzhou",  # the place the user named, not the whole message
    "days": 1,
    "ratio": 1,
    "hourly": True,
    "unit": "celsius",
    "tags": ["example"],
    "where": {},
}
CLOCK = {"type": "function", "function": {"name": "now"}}  # no parameters: no arguments


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def chat(ds: FakeDeepSeek, mode: str, **kw: Any) -> Any:
    kw.setdefault("model", "deepseek-flash")
    kw.setdefault("messages", [ASK])
    kw.setdefault("tools", [WEATHER, CLOCK])
    if mode == "sync":
        with ds.client(max_retries=0) as client:
            return client.chat.completions.create(**kw)
    async with ds.async_client(max_retries=0) as aclient:
        return await aclient.chat.completions.create(**kw)


async def streamed(ds: FakeDeepSeek, mode: str, **kw: Any) -> list[Any]:
    kw.update(stream=True, model="deepseek-flash", messages=[ASK], tools=[WEATHER, CLOCK])
    if mode == "sync":
        with ds.client(max_retries=0) as client:
            return list(client.chat.completions.create(**kw))
    async with ds.async_client(max_retries=0) as aclient:
        return [c async for c in await aclient.chat.completions.create(**kw)]


@pytest.mark.parametrize("thinking", [True, False], ids=["thinking", "non-thinking"])
async def test_default_calls_the_first_function_with_placeholders(
    fake_deepseek: FakeDeepSeek, mode: str, thinking: bool
) -> None:
    reply = await chat(fake_deepseek, mode, **({} if thinking else {"extra_body": OFF}))
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content == ""
    (call,) = choice.message.tool_calls
    assert CALL_ID.fullmatch(call.id) and call.type == "function"
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == WEATHER_ARGS
    reasoning = getattr(choice.message, "reasoning_content", None)
    assert (reasoning == "The user wrote 20 characters; I will call get_weather first.") if thinking else not reasoning
    assert reply.usage.completion_tokens > 0


@pytest.mark.parametrize(
    ("choice", "name", "arguments"),
    [
        ({"type": "function", "function": {"name": "now"}}, "now", {}),
        ("required", "get_weather", WEATHER_ARGS),
        ("auto", "get_weather", WEATHER_ARGS),
    ],
    ids=["named", "required", "auto"],
)
async def test_tool_choice_picks_the_function(
    fake_deepseek: FakeDeepSeek, mode: str, choice: Any, name: str, arguments: dict[str, Any]
) -> None:
    reply = await chat(fake_deepseek, mode, tool_choice=choice, extra_body=OFF)
    (call,) = reply.choices[0].message.tool_calls
    assert call.function.name == name and json.loads(call.function.arguments) == arguments


async def test_tool_choice_none_and_scripted_content_answer_in_text(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    none = await chat(fake_deepseek, mode, tool_choice="none")
    assert none.choices[0].message.content == "Echo: weather in Hangzhou?" and not none.choices[0].message.tool_calls
    fake_deepseek.add_reply("Scripted text wins.")
    scripted = await chat(fake_deepseek, mode)
    assert scripted.choices[0].message.content == "Scripted text wins."
    assert scripted.choices[0].finish_reason == "stop" and not scripted.choices[0].message.tool_calls


async def test_a_reply_scripting_only_reasoning_still_calls_the_tool(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    fake_deepseek.add_reply(reasoning="Use the weather tool.")
    reply = await chat(fake_deepseek, mode)
    assert getattr(reply.choices[0].message, "reasoning_content", None) == "Use the weather tool."
    assert reply.choices[0].message.tool_calls[0].function.name == "get_weather"


async def test_schema_refs_unions_and_consts(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    parameters = {
        "type": "object",
        "properties": {
            "place": {"$ref": "#/$defs/Place"},
            "size": {"anyOf": [{"type": "null"}, {"type": "integer"}]},
            "maybe": {"type": ["null", "boolean"]},
            "version": {"const": 2},
            "free": {},
        },
        "required": ["place", "size", "maybe", "version", "free"],
        "$defs": {"Place": {"type": "string", "enum": ["Hangzhou", "Beijing"]}},
    }
    tool = {"type": "function", "function": {"name": "lookup", "parameters": parameters}}
    reply = await chat(fake_deepseek, mode, messages=[{"role": "user", "content": ""}], tools=[tool])
    arguments = json.loads(reply.choices[0].message.tool_calls[0].function.arguments)
    assert arguments == {"place": "Hangzhou", "size": 1, "maybe": True, "version": 2, "free": "example"}


async def test_after_tool_results_the_default_answer_quotes_them(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    first = await chat(fake_deepseek, mode, tools=[WEATHER], tool_choice="auto")
    turn = assistant_turn(first)
    call_id = turn["tool_calls"][0]["id"]
    history = [ASK, turn, {"role": "tool", "tool_call_id": call_id, "content": "sunny, 24 °C"}]
    second = await chat(fake_deepseek, mode, messages=history, tools=[WEATHER])
    choice = second.choices[0]
    assert choice.finish_reason == "stop" and not choice.message.tool_calls
    assert choice.message.content == "Echo: weather in Hangzhou? (tools said: sunny, 24 °C)"
    assert "tools' results" in getattr(choice.message, "reasoning_content", "")
    in_json = [{"role": "system", "content": "Reply in json."}, *history]  # json_object needs the word
    as_json = await chat(
        fake_deepseek, mode, messages=in_json, tools=[WEATHER], response_format={"type": "json_object"}
    )
    assert json.loads(as_json.choices[0].message.content) == {
        "echo": "weather in Hangzhou?",
        "tools_said": ["sunny, 24 °C"],
    }


async def test_stream_sends_the_default_call_as_deltas(fake_deepseek: FakeDeepSeek, mode: str) -> None:
    got = await streamed(fake_deepseek, mode)
    fragments = [tc for c in got for tc in c.choices[0].delta.tool_calls or []]
    head, *rest = fragments
    assert CALL_ID.fullmatch(head.id) and head.type == "function" and head.function.name == "get_weather"
    assert rest and all(tc.id is None and tc.function.name is None and tc.index == 0 for tc in rest)
    arguments = (head.function.arguments or "") + "".join(tc.function.arguments for tc in rest)
    assert json.loads(arguments) == WEATHER_ARGS
    assert got[-1].choices[0].finish_reason == "tool_calls"
    reasoning = "".join(getattr(c.choices[0].delta, "reasoning_content", None) or "" for c in got)
    assert reasoning.endswith("call get_weather first.")
    assert not "".join(c.choices[0].delta.content or "" for c in got)


def get_weather(**arguments: Any) -> dict[str, Any]:
    return {"sky": "sunny", "asked": arguments["city"], "unit": arguments["unit"]}


def test_run_tools_end_to_end(fake_deepseek: FakeDeepSeek) -> None:
    calls: list[dict[str, Any]] = []

    def recorded(**arguments: Any) -> dict[str, Any]:
        calls.append(arguments)
        return get_weather(**arguments)

    result = run_tools(fake_deepseek.client(), [ASK], [WEATHER], {"get_weather": recorded})
    assert calls == [WEATHER_ARGS]
    assert result.rounds == 2
    assert result.content.startswith("Echo: weather in Hangzhou? (tools said: {")
    assert '"sky": "sunny"' in result.content
    assert [m["role"] for m in result.messages] == ["user", "assistant", "tool", "assistant"]
    sent = fake_deepseek.requests[-1].json["messages"]
    assert sent[1]["reasoning_content"].endswith("call get_weather first.")  # passback kept by run_tools


async def test_arun_tools_end_to_end_with_a_strict_tool(fake_deepseek: FakeDeepSeek) -> None:
    tool = strict_tool("get_weather", WEATHER["function"]["parameters"])  # type: ignore[index]
    async with fake_deepseek.async_client(beta=True) as client:
        result = await arun_tools(client, [ASK], [tool], [get_weather])
    assert result.rounds == 2
    tool_message = result.messages[2]
    assert json.loads(tool_message["content"]) == {"sky": "sunny", "asked": "Hangzhou", "unit": "celsius"}
    assert result.content == f"Echo: weather in Hangzhou? (tools said: {tool_message['content']})"
    assert fake_deepseek.requests[-1].path == "/beta/chat/completions"


def _args(parameters: dict[str, Any], said: str) -> dict[str, Any]:
    from deepseek_openai.testing._tooluse import default_call

    tool = {"type": "function", "function": {"name": "f", "parameters": parameters}}
    call = default_call({"tools": [tool], "messages": [{"role": "user", "content": said}]}, said)
    assert call is not None
    parsed: dict[str, Any] = json.loads(call.arguments)
    return parsed


@pytest.mark.parametrize(
    ("prop", "said", "value"),
    [
        ({"type": "string"}, "What is the weather in New York today?", "New York"),
        ({"type": "string"}, "is it raining?", "Paris"),  # no place named: a plausible city
        ({"type": "integer", "minimum": 1, "maximum": 14}, "", 7),
        ({"type": "number", "exclusiveMinimum": 0}, "", 1),
        ({"type": "integer", "minimum": 10, "multipleOf": 5}, "", 10),
        ({"type": "string", "enum": ["fahrenheit", "celsius"]}, "", "fahrenheit"),
        ({"type": "string", "format": "email"}, "", "user@example.com"),
        ({"type": "string", "default": "Rome"}, "weather in Oslo", "Rome"),
    ],
)
def test_default_call_picks_plausible_values(prop: dict[str, Any], said: str, value: Any) -> None:
    parameters = {"type": "object", "properties": {"location": prop}, "required": ["location"]}
    assert _args(parameters, said) == {"location": value}


def test_default_call_never_passes_the_whole_message_as_a_place() -> None:
    said = "Please tell me the weather in Hangzhou and then book a table for two."
    args = _args(
        {
            "type": "object",
            "properties": {"city": {"type": "string"}, "query": {"type": "string"}, "when": {"type": "string"}},
            "required": ["city", "query", "when"],
        },
        said,
    )
    assert args["city"] == "Hangzhou" and args["when"] == "example"
    assert args["query"] == "Please tell me the weather in Hangzhou and then book a table"  # first 12 words
