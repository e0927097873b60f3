"""openai-agents on DeepSeek: ``OpenAIChatCompletionsModel(model=..., openai_client=create_async_client())``.

The Agents SDK already sends each assistant turn back with its ``reasoning_content``, so its tool loop works through
a raw client too: these tests keep it working, and check our client sends those requests unchanged. Structured
output (``output_type=``) and a forced ``tool_choice`` are where a raw client gets DeepSeek's 400.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import openai
import pytest
from agents import Agent, ModelSettings, OpenAIChatCompletionsModel, Runner, function_tool, set_tracing_disabled
from pydantic import BaseModel

from deepseek_openai import CompatWarning, create_async_client
from deepseek_openai.testing import FakeDeepSeek

from .conftest import (
    assert_forced_tool_without_thinking,
    assert_reasoning_passed_back,
    assert_schema_as_json_object,
    chat_requests,
    deepseek_400,
    get_weather,
    script_tool_turn,
)

weather_tool = function_tool(get_weather)
ANSWER = "Echo: What is the weather in Paris? (tools said: sunny in Paris)"


class Echo(BaseModel):
    echo: str


@pytest.fixture(autouse=True)
def no_tracing() -> Iterator[None]:
    # The Agents SDK exports traces to OpenAI by default; a test (and the README recipe) turns that off.
    set_tracing_disabled(True)
    yield


@pytest.fixture
async def ours(ds: FakeDeepSeek) -> AsyncIterator[OpenAIChatCompletionsModel]:
    async with create_async_client() as client:
        yield OpenAIChatCompletionsModel(model="deepseek-flash", openai_client=client)


@pytest.fixture
async def raw(ds: FakeDeepSeek) -> AsyncIterator[OpenAIChatCompletionsModel]:
    async with openai.AsyncOpenAI(api_key=ds.api_key, base_url=ds.base_url, max_retries=0) as client:
        yield OpenAIChatCompletionsModel(model="deepseek-flash", openai_client=client)


def weather_agent(model: OpenAIChatCompletionsModel, **settings: Any) -> Agent[None]:
    return Agent(name="weather", model=model, tools=[weather_tool], model_settings=ModelSettings(**settings))


async def test_tool_loop_works_through_both_and_our_client_changes_nothing(
    ds: FakeDeepSeek, ours: OpenAIChatCompletionsModel, raw: OpenAIChatCompletionsModel
) -> None:
    sent = []
    for model in (ours, raw):
        ds.reset()
        script_tool_turn(ds)
        result = await Runner.run(weather_agent(model), "What is the weather in Paris?")
        assert result.final_output == ANSWER
        assert_reasoning_passed_back(ds)  # the Agents SDK sends the reasoning back itself
        sent.append([r.body for r in ds.requests])
    assert sent[0] == sent[1]  # requests DeepSeek accepts go out byte for byte as written


async def test_streamed_tool_loop_works_through_our_client(ds: FakeDeepSeek, ours: OpenAIChatCompletionsModel) -> None:
    script_tool_turn(ds)
    run = Runner.run_streamed(weather_agent(ours), "What is the weather in Paris?")
    deltas = [
        event.data.delta
        async for event in run.stream_events()
        if event.type == "raw_response_event" and event.data.type == "response.output_text.delta"
    ]
    assert run.final_output == ANSWER and "".join(deltas) == ANSWER and len(deltas) > 1
    assert [body["stream"] for body in chat_requests(ds)] == [True, True]
    assert_reasoning_passed_back(ds)


async def test_structured_output_works_through_our_client(ds: FakeDeepSeek, ours: OpenAIChatCompletionsModel) -> None:
    with pytest.warns(CompatWarning, match="json_schema"):
        result = await Runner.run(Agent(name="echo", model=ours, output_type=Echo), "Say hi")
    assert isinstance(result.final_output, Echo)
    assert_schema_as_json_object(chat_requests(ds)[0])


async def test_structured_output_fails_through_raw_openai(ds: FakeDeepSeek, raw: OpenAIChatCompletionsModel) -> None:
    with pytest.raises(openai.BadRequestError, match=deepseek_400("json_schema")):
        await Runner.run(Agent(name="echo", model=raw, output_type=Echo), "Say hi")


async def test_required_tool_choice_works_through_our_client(
    ds: FakeDeepSeek, ours: OpenAIChatCompletionsModel
) -> None:
    with pytest.warns(CompatWarning, match="tool_choice"):
        result = await Runner.run(weather_agent(ours, tool_choice="required"), "Paris")
    assert result.final_output == "Echo: Paris (tools said: sunny in Paris)"
    first, second = chat_requests(ds)
    assert_forced_tool_without_thinking(first)
    # The Agents SDK resets tool_choice after the call, so the second turn thinks again while sending back a turn
    # made with thinking off (it has no reasoning): our client must get that request accepted too.
    assert "tool_choice" not in second and second["messages"][1]["role"] == "assistant"


async def test_required_tool_choice_fails_through_raw_openai(ds: FakeDeepSeek, raw: OpenAIChatCompletionsModel) -> None:
    with pytest.raises(openai.BadRequestError, match=deepseek_400("tool_choice_thinking")):
        await Runner.run(weather_agent(raw, tool_choice="required"), "Paris")
