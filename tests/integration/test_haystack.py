"""Haystack's ``OpenAIChatGenerator`` on DeepSeek: its ``client`` attribute set to ``create_client()`` before ``run()``.

Haystack builds the assistant turn it sends back without ``reasoning_content``: its tool loop gets DeepSeek's 400
through a raw client, and works through ours (the reasoning memory fills the turn in).
"""

from __future__ import annotations

import openai
import pytest
from haystack.components.generators.chat import OpenAIChatGenerator
from haystack.dataclasses import ChatMessage
from haystack.tools import Tool

from deepseek_openai import create_client
from deepseek_openai.testing import FakeDeepSeek

from .conftest import (
    assert_reasoning_passed_back,
    assert_turn_sent_without_reasoning,
    deepseek_400,
    get_weather,
    script_tool_turn,
)

weather = Tool(
    name="get_weather",
    description="Return the weather in a city.",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    function=get_weather,
)


def tool_loop(client: openai.OpenAI) -> str | None:
    generator = OpenAIChatGenerator(model="deepseek-flash", tools=[weather])
    generator.client = client
    messages = [ChatMessage.from_user("What is the weather in Paris?")]
    reply = generator.run(messages)["replies"][0]
    messages += [reply, *(ChatMessage.from_tool(weather.invoke(**c.arguments), origin=c) for c in reply.tool_calls)]
    return generator.run(messages)["replies"][0].text


def test_tool_loop_works_through_our_client_without_openai_env(ds: FakeDeepSeek) -> None:
    script_tool_turn(ds)  # no OPENAI_API_KEY set: the generator's default api_key is never read
    assert tool_loop(create_client()) == "Echo: What is the weather in Paris? (tools said: sunny in Paris)"
    assert_reasoning_passed_back(ds)


def test_tool_loop_fails_through_raw_openai(ds: FakeDeepSeek, raw_client: openai.OpenAI) -> None:
    script_tool_turn(ds)
    with pytest.raises(openai.BadRequestError, match=deepseek_400("passback")):
        tool_loop(raw_client)
    assert_turn_sent_without_reasoning(ds)
