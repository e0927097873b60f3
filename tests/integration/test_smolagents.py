"""smolagents on DeepSeek: ``OpenAIModel(model_id=..., client=create_client())``.

``ToolCallingAgent`` sends ``tool_choice="required"`` on every step, which DeepSeek refuses while thinking (400
through a raw client); our client sends those steps with thinking off. The tool loop then ends on smolagents'
``final_answer`` tool.
"""

from __future__ import annotations

import openai
import pytest
from smolagents import OpenAIModel, ToolCallingAgent, tool
from smolagents.utils import AgentGenerationError

from deepseek_openai import CompatWarning, create_client
from deepseek_openai.testing import FakeDeepSeek

from .conftest import assert_forced_tool_without_thinking, chat_requests, deepseek_400
from .conftest import get_weather as plain_get_weather


@tool
def get_weather(city: str) -> str:
    """Return the weather in a city.

    Args:
        city: the city's name.
    """
    return plain_get_weather(city)


def agent(client: openai.OpenAI) -> ToolCallingAgent:
    model = OpenAIModel(model_id="deepseek-flash", client=client)
    return ToolCallingAgent(tools=[get_weather], model=model, max_steps=3, verbosity_level=0)


def script_weather_then_answer(ds: FakeDeepSeek) -> None:
    ds.add_reply(tool_calls=[{"id": "call_00_w", "name": "get_weather", "arguments": {"city": "Paris"}}])
    ds.add_reply(tool_calls=[{"id": "call_01_a", "name": "final_answer", "arguments": {"answer": "sunny, 21 C"}}])


def test_tool_calling_agent_works_through_our_client(ds: FakeDeepSeek) -> None:
    script_weather_then_answer(ds)
    with pytest.warns(CompatWarning, match="tool_choice"):
        answer = agent(create_client()).run("What is the weather in Paris?")
    assert answer == "sunny, 21 C"
    bodies = chat_requests(ds)
    assert len(bodies) == 2
    for body in bodies:
        assert_forced_tool_without_thinking(body)
    tool_turn = bodies[1]["messages"]
    assert any("sunny in Paris" in str(m.get("content")) for m in tool_turn)  # the tool really ran


def test_tool_calling_agent_fails_through_raw_openai(ds: FakeDeepSeek, raw_client: openai.OpenAI) -> None:
    script_weather_then_answer(ds)
    with pytest.raises(AgentGenerationError, match=deepseek_400("tool_choice_thinking")):
        agent(raw_client).run("What is the weather in Paris?")
    assert chat_requests(ds)[0]["tool_choice"] == "required" and "thinking" not in chat_requests(ds)[0]
