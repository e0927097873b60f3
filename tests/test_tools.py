from __future__ import annotations

import json
import pickle
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field

from deepseek_openai import (
    InvalidRequestError,
    ToolRoundsExceededError,
    ToolRunResult,
    arun_tools,
    run_tools,
    strict_tool,
    thinking,
)
from deepseek_openai.testing import FakeDeepSeek

USER = {"role": "user", "content": "Weather in Hangzhou?"}
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def get_weather(city: str) -> dict[str, Any]:
    return {"city": city, "sky": "sunny", "celsius": 24}


def _tool_messages(result: ToolRunResult) -> list[dict[str, Any]]:
    return [m for m in result.messages if m["role"] == "tool"]


# -- run_tools -------------------------------------------------------------------------------------------------


def test_run_tools_runs_the_loop_and_keeps_reasoning(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_reply(
        reasoning="Need weather.", tool_calls=[{"name": "get_weather", "arguments": {"city": "HZ"}}]
    )
    fake_deepseek.add_reply("Sunny, 24°C.", reasoning="Got it.")
    history = [USER]
    result = run_tools(fake_deepseek.client(), history, [WEATHER], {"get_weather": get_weather})
    assert result.content == "Sunny, 24°C." and result.rounds == 2
    assert result.completion.choices[0].message.content == "Sunny, 24°C."
    assert [m["role"] for m in result.messages] == ["user", "assistant", "tool", "assistant"]
    assert result.messages[1]["reasoning_content"] == "Need weather."
    assert result.messages[-1] == {"role": "assistant", "content": "Sunny, 24°C.", "reasoning_content": "Got it."}
    tool = _tool_messages(result)[0]
    assert json.loads(tool["content"]) == get_weather("HZ")
    assert tool["tool_call_id"] == result.messages[1]["tool_calls"][0]["id"]
    assert history == [USER]  # the caller's list is not modified
    second = fake_deepseek.requests[-1].json
    assert second["model"] == "deepseek-flash" and second["tools"] == [WEATHER]
    assert second["messages"] == result.messages[:-1]  # passback on the wire: the double would 400 otherwise


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ({"name": "get_weather", "arguments": '{"city": "HZ"'}, "not valid JSON"),
        ({"name": "get_weather", "arguments": "[1, 2]"}, "must be a JSON object"),
        ({"name": "get_wether", "arguments": {"city": "HZ"}}, "no function 'get_wether'; available: get_weather"),
        ({"name": "get_weather", "arguments": {"town": "HZ"}}, "TypeError"),
        ({"name": "get_weather", "arguments": {"city": "nowhere"}}, "Error: KeyError: 'nowhere'"),
    ],
)
def test_bad_calls_are_fed_back_to_the_model(fake_deepseek: FakeDeepSeek, call: dict[str, Any], expected: str) -> None:
    def picky_weather(city: str) -> str:
        if city == "nowhere":
            raise KeyError(city)
        return "sunny"

    fake_deepseek.add_reply(tool_calls=[call])
    fake_deepseek.add_reply("Sorry, I could not find out.")
    result = run_tools(fake_deepseek.client(), [USER], [WEATHER], {"get_weather": picky_weather})
    assert result.content == "Sorry, I could not find out." and result.rounds == 2
    content = _tool_messages(result)[0]["content"]
    assert content.startswith("Error: ") and expected in content
    assert fake_deepseek.requests[-1].json["messages"][-1]["content"] == content


def test_max_rounds_bounds_the_loop_and_keeps_a_complete_history(fake_deepseek: FakeDeepSeek) -> None:
    for _ in range(3):
        fake_deepseek.add_reply(tool_calls=[{"name": "get_weather", "arguments": {"city": "HZ"}}])
    with pytest.raises(ToolRoundsExceededError, match="after 2 round") as info:
        run_tools(fake_deepseek.client(), [USER], [WEATHER], [get_weather], max_rounds=2)
    partial = info.value.result
    assert partial.rounds == 2 and len(fake_deepseek.requests) == 2
    assert [m["role"] for m in partial.messages] == ["user", "assistant", "tool", "assistant", "tool"]
    assert "max_rounds" in info.value.fix
    copy = pickle.loads(pickle.dumps(info.value))
    assert copy.result.messages == partial.messages and copy.fix == info.value.fix
    # The history is ready to continue with.
    fake_deepseek.add_reply("Done.")
    again = run_tools(fake_deepseek.client(), partial.messages, [WEATHER], [get_weather])
    assert again.content == "Done." and again.rounds == 2


def test_parallel_calls_each_get_their_tool_message(fake_deepseek: FakeDeepSeek) -> None:
    calls = [{"name": "get_weather", "arguments": {"city": c}, "id": f"id_{c}"} for c in ("HZ", "BJ")]
    fake_deepseek.add_reply(tool_calls=calls)
    fake_deepseek.add_reply("Both sunny.")
    result = run_tools(fake_deepseek.client(), [USER], [WEATHER], [get_weather], **thinking(False))
    tools = _tool_messages(result)
    assert [t["tool_call_id"] for t in tools] == ["id_HZ", "id_BJ"]
    assert [json.loads(t["content"])["city"] for t in tools] == ["HZ", "BJ"]
    assert "reasoning_content" not in result.messages[1]  # thinking off: nothing to pass back
    assert fake_deepseek.requests[0].json["thinking"] == {"type": "disabled"}


def test_sync_loop_reports_async_functions_instead_of_leaking_a_coroutine(fake_deepseek: FakeDeepSeek) -> None:
    async def get_weather(city: str) -> str:
        return "sunny"

    fake_deepseek.add_reply(tool_calls=[{"name": "get_weather", "arguments": {"city": "HZ"}}])
    fake_deepseek.add_reply("ok")
    result = run_tools(fake_deepseek.client(), [USER], [WEATHER], [get_weather])
    assert "use arun_tools()" in _tool_messages(result)[0]["content"]


def test_requests_deepseek_would_refuse_fail_before_the_network(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client()
    with pytest.raises(InvalidRequestError) as info:
        run_tools(client, [USER], [WEATHER], [get_weather], tool_choice="required")
    assert info.value.rule == "tool_choice_thinking"
    with pytest.raises(InvalidRequestError, match="does not stream"):
        run_tools(client, [USER], [WEATHER], [get_weather], stream=True)
    with pytest.raises(InvalidRequestError, match="max_rounds"):
        run_tools(client, [USER], [WEATHER], [get_weather], max_rounds=0)
    assert fake_deepseek.requests == []


async def test_arun_tools_with_async_and_sync_functions(fake_deepseek: FakeDeepSeek) -> None:
    async def get_time(tz: str) -> str:
        return f"12:00 {tz}"

    fake_deepseek.add_reply(
        reasoning="Two tools.",
        tool_calls=[
            {"name": "get_time", "arguments": {"tz": "UTC"}},
            {"name": "get_weather", "arguments": '{"city":"X"}'},
        ],
    )
    fake_deepseek.add_reply("Noon and sunny.")
    time_tool = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}
    async with fake_deepseek.async_client() as client:
        result = await arun_tools(client, [USER], [WEATHER, time_tool], [get_time, get_weather], max_tokens=500)
    assert result.content == "Noon and sunny." and result.rounds == 2
    tools = _tool_messages(result)
    assert tools[0]["content"] == "12:00 UTC" and json.loads(tools[1]["content"])["city"] == "X"
    assert fake_deepseek.requests[-1].json["max_tokens"] == 500
    assert fake_deepseek.requests[-1].json["messages"][1]["reasoning_content"] == "Two tools."


async def test_arun_tools_feeds_back_async_exceptions(fake_deepseek: FakeDeepSeek) -> None:
    async def get_weather(city: str) -> str:
        raise RuntimeError("service down")

    fake_deepseek.add_reply(tool_calls=[{"name": "get_weather", "arguments": {"city": "HZ"}}])
    fake_deepseek.add_reply("Cannot tell.")
    async with fake_deepseek.async_client() as client:
        result = await arun_tools(client, [USER], [WEATHER], {"get_weather": get_weather})
    assert _tool_messages(result)[0]["content"] == "Error: RuntimeError: service down"


def test_strict_tools_on_the_main_base_run_with_a_warning(fake_deepseek: FakeDeepSeek) -> None:
    # DeepSeek answered HTTP 200 to strict tools on the main base (API digest §18): run_tools warns, never refuses.
    fake_deepseek.add_reply(tool_calls=[{"name": "get_weather", "arguments": {"city": "HZ"}}])
    fake_deepseek.add_reply("Sunny.")
    tool = strict_tool("get_weather", WEATHER["function"]["parameters"])
    with pytest.warns(UserWarning, match="not on the beta base URL") as caught:
        result = run_tools(fake_deepseek.client(), [USER], [tool], [get_weather])
    assert len(caught) == 1 and caught[0].filename == __file__
    assert result.content == "Sunny."
    assert [r.path for r in fake_deepseek.requests] == ["/chat/completions"] * 2
    assert fake_deepseek.requests[0].json["tools"] == [tool]


async def test_arun_tools_strict_tools_on_the_main_base_warn(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_reply("Nothing to call.")
    tool = strict_tool("get_weather", WEATHER["function"]["parameters"])
    async with fake_deepseek.async_client() as client:
        with pytest.warns(UserWarning, match="may not enforce"):
            result = await arun_tools(client, [USER], [tool], [get_weather])
    assert result.content == "Nothing to call." and fake_deepseek.requests[0].json["tools"] == [tool]


def test_strict_tools_run_on_the_beta_base(fake_deepseek: FakeDeepSeek) -> None:
    class Weather(BaseModel):
        """Get the weather for a city."""

        city: str

    fake_deepseek.add_reply(tool_calls=[{"name": "get_weather", "arguments": {"city": "HZ"}}])
    fake_deepseek.add_reply("Sunny.")
    tool = strict_tool("get_weather", Weather)
    result = run_tools(fake_deepseek.client(beta=True), [USER], [tool], [get_weather])
    assert result.content == "Sunny."
    sent = fake_deepseek.requests[0]
    assert sent.path == "/beta/chat/completions" and sent.json["tools"][0]["function"]["strict"] is True


# -- strict_tool -----------------------------------------------------------------------------------------------


def test_strict_tool_fills_required_and_additional_properties_everywhere() -> None:
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "who"},
            "address": {"type": "object", "properties": {"zip": {"type": "string", "pattern": "^[0-9]{6}$"}}},
            "tags": {"type": "array", "items": {"type": "object", "properties": {"k": {"type": "string"}}}},
            "either": {"anyOf": [{"type": "integer", "minimum": 0}, {"$ref": "#/$defs/Point"}]},
        },
        "required": ["name"],
        "$defs": {"Point": {"type": "object", "properties": {"x": {"type": "number"}, "y": {"type": "number"}}}},
    }
    original = json.dumps(schema, sort_keys=True)
    tool = strict_tool("save_contact", schema, description="Save a contact.")
    assert json.dumps(schema, sort_keys=True) == original  # input untouched
    assert tool["type"] == "function"
    function = tool["function"]
    assert (function["name"], function["description"], function["strict"]) == ("save_contact", "Save a contact.", True)
    p = function["parameters"]
    assert p["required"] == ["name", "address", "tags", "either"] and p["additionalProperties"] is False
    address = p["properties"]["address"]
    assert address["required"] == ["zip"] and address["additionalProperties"] is False
    item = p["properties"]["tags"]["items"]
    assert item["required"] == ["k"] and item["additionalProperties"] is False
    point = p["$defs"]["Point"]
    assert point["required"] == ["x", "y"] and point["additionalProperties"] is False


class Address(BaseModel):
    zip: str = Field(pattern=r"^\d+$")
    kind: Literal["home"] = "home"


class Node(BaseModel):
    label: str
    children: list[Node] = []


class Contact(BaseModel):
    """Save a contact."""

    name: str
    age: int = Field(30, ge=0, le=150)
    address: Address = Field(description="where they live")
    tree: Node


if not hasattr(Node, "model_rebuild"):  # pydantic 1 resolves a self-reference only when asked to
    Node.update_forward_refs()


def test_strict_tool_from_a_pydantic_model_with_refs_and_recursion() -> None:
    tool = strict_tool("save_contact", Contact)
    function = tool["function"]
    assert function["description"] == "Save a contact."
    p = function["parameters"]
    assert "title" not in p and "title" not in p["properties"]["name"]
    assert p["required"] == ["name", "age", "address", "tree"]
    assert p["properties"]["age"] == {"type": "integer", "minimum": 0, "maximum": 150, "default": 30}
    assert p["$defs"]["Address"]["properties"]["kind"] == {"type": "string", "enum": ["home"]}
    assert p["$defs"]["Address"]["required"] == ["zip", "kind"]
    assert p["$defs"]["Node"]["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    assert p["$defs"]["Node"]["additionalProperties"] is False


def test_unsupported_constructs_are_named_with_their_paths() -> None:
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 9},
            "when": {"type": "string", "format": "date-time"},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "maybe": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "free": {"type": "object", "additionalProperties": {"type": "string"}},
            "one": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "nested": {"type": "object", "properties": {"deep": {"type": "number", "maxLength": 3}}},
            "anything": {},
        },
        "$defs": {"P": {"type": "string", "minLength": 2}},
    }
    with pytest.raises(InvalidRequestError) as info:
        strict_tool("f", schema)
    text = str(info.value)
    for problem in [
        "minLength at properties.name",
        "maxLength at properties.name",
        "format 'date-time' at properties.when",
        "minItems at properties.tags",
        "type 'null' at properties.maybe.anyOf[1]",
        "additionalProperties other than false at properties.free",
        "oneOf at properties.one",
        "maxLength at properties.nested.properties.deep",
        "a schema without type, enum, anyOf or $ref at properties.anything",
        "minLength at $defs.P",
    ]:
        assert problem in text, problem
    assert info.value.rule == "strict_schema" and "'f'" in text and "strict_tool()" in info.value.fix


def test_refs_must_point_into_defs_and_the_root_must_be_an_object() -> None:
    with pytest.raises(InvalidRequestError, match=r"\$ref '#/\$defs/Missing'.* at properties.a"):
        strict_tool("f", {"type": "object", "properties": {"a": {"$ref": "#/$defs/Missing"}}})
    with pytest.raises(InvalidRequestError, match=r"top-level type other than object at \(root\)"):
        strict_tool("f", {"type": "string"})
    with pytest.raises(InvalidRequestError, match="pydantic model class"):
        strict_tool("f", 42)


def test_old_definitions_are_moved_to_defs() -> None:
    schema = {
        "type": "object",
        "properties": {"p": {"$ref": "#/definitions/P"}},
        "definitions": {"P": {"type": "object", "properties": {"x": {"type": "integer"}}}},
    }
    p = strict_tool("f", schema)["function"]["parameters"]
    assert p["properties"]["p"] == {"$ref": "#/$defs/P"} and p["$defs"]["P"]["required"] == ["x"]
    assert "definitions" not in p


@pytest.mark.parametrize("name", ["", "a" * 65, "get weather", "get.weather", "名字"])
def test_function_names_follow_deepseeks_format(name: str) -> None:
    with pytest.raises(InvalidRequestError) as info:
        strict_tool(name, {"type": "object", "properties": {}})
    assert info.value.rule == "tool_name" and "64" in info.value.fix


def test_longest_valid_name_is_accepted() -> None:
    assert strict_tool("a-B_9" + "x" * 59, {"type": "object"})["function"]["parameters"] == {
        "type": "object",
        "properties": {},
        "required": [],
        "additionalProperties": False,
    }


@pytest.mark.parametrize("max_rounds", ["3", 2.5, True, None])
def test_max_rounds_that_is_not_a_whole_number_is_refused(fake_deepseek: FakeDeepSeek, max_rounds: Any) -> None:
    with pytest.raises(InvalidRequestError, match="max_rounds") as info:
        run_tools(fake_deepseek.client(), [USER], [WEATHER], [get_weather], max_rounds=max_rounds)
    assert "1 or more" in info.value.fix and fake_deepseek.requests == []


@pytest.mark.parametrize("functions", [get_weather, "get_weather", ["get_weather"], {"get_weather": 42}])
def test_functions_that_are_not_functions_are_refused(fake_deepseek: FakeDeepSeek, functions: Any) -> None:
    # A single function instead of a list used to fail with a raw TypeError.
    with pytest.raises(InvalidRequestError, match="functions must be a list of functions") as info:
        run_tools(fake_deepseek.client(), [USER], [WEATHER], functions)
    assert "functions=[get_weather" in info.value.fix and fake_deepseek.requests == []
