"""pydantic-ai on DeepSeek: ``OpenAIChatModel(name, provider=OpenAIProvider(openai_client=create_async_client()))``.

pydantic-ai sends each assistant turn back with its ``reasoning_content``, so its tool loop works through a raw client
too (our client sends it unchanged). Its default structured output forces the output tool (``tool_choice``
``"required"``), and ``NativeOutput`` sends ``json_schema``: both get DeepSeek's 400 through a raw client.
``PromptedOutput`` (``json_object``) is accepted as it is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import openai
import pytest
from pydantic import BaseModel
from pydantic_ai import Agent, NativeOutput, PromptedOutput
from pydantic_ai.exceptions import ModelHTTPError
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider

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

ANSWER = "Echo: What is the weather in Paris? (tools said: sunny in Paris)"


class Echo(BaseModel):
    echo: str


@pytest.fixture
async def ours(ds: FakeDeepSeek) -> AsyncIterator[OpenAIChatModel]:
    async with create_async_client() as client:
        yield OpenAIChatModel("deepseek-flash", provider=OpenAIProvider(openai_client=client))


@pytest.fixture
async def raw(ds: FakeDeepSeek) -> AsyncIterator[OpenAIChatModel]:
    async with openai.AsyncOpenAI(api_key=ds.api_key, base_url=ds.base_url, max_retries=0) as client:
        yield OpenAIChatModel("deepseek-flash", provider=OpenAIProvider(openai_client=client))


async def test_tool_loop_works_through_both_and_our_client_changes_nothing(
    ds: FakeDeepSeek, ours: OpenAIChatModel, raw: OpenAIChatModel
) -> None:
    sent = []
    for model in (ours, raw):
        ds.reset()
        script_tool_turn(ds)
        result = await Agent(model, tools=[get_weather]).run("What is the weather in Paris?")
        assert result.output == ANSWER
        assert_reasoning_passed_back(ds)  # pydantic-ai sends the reasoning back itself
        sent.append([r.body for r in ds.requests])
    assert sent[0] == sent[1]


async def test_streamed_tool_loop_works_through_our_client(ds: FakeDeepSeek, ours: OpenAIChatModel) -> None:
    script_tool_turn(ds)
    async with Agent(ours, tools=[get_weather]).run_stream("What is the weather in Paris?") as run:
        deltas = [delta async for delta in run.stream_text(delta=True, debounce_by=None)]
    assert "".join(deltas) == ANSWER and len(deltas) > 1
    assert [body["stream"] for body in chat_requests(ds)] == [True, True]
    assert_reasoning_passed_back(ds)


OUTPUTS: dict[str, Any] = {"tool output (default)": Echo, "NativeOutput": NativeOutput(Echo)}


@pytest.mark.parametrize("kind", OUTPUTS)
async def test_structured_output_works_through_our_client(ds: FakeDeepSeek, ours: OpenAIChatModel, kind: str) -> None:
    with pytest.warns(CompatWarning, match="json_schema" if kind == "NativeOutput" else "tool_choice"):
        result = await Agent(ours, output_type=OUTPUTS[kind]).run("Say hi")
    assert isinstance(result.output, Echo)
    (body,) = chat_requests(ds)
    if kind == "NativeOutput":
        assert_schema_as_json_object(body)
    else:
        assert_forced_tool_without_thinking(body)


@pytest.mark.parametrize("kind", OUTPUTS)
async def test_structured_output_fails_through_raw_openai(ds: FakeDeepSeek, raw: OpenAIChatModel, kind: str) -> None:
    rule = "json_schema" if kind == "NativeOutput" else "tool_choice_thinking"
    with pytest.raises(ModelHTTPError, match=deepseek_400(rule)) as caught:
        await Agent(raw, output_type=OUTPUTS[kind]).run("Say hi")
    assert caught.value.status_code == 400


async def test_prompted_output_works_unchanged_through_both(
    ds: FakeDeepSeek, ours: OpenAIChatModel, raw: OpenAIChatModel
) -> None:
    sent = []
    for model in (ours, raw):
        result = await Agent(model, output_type=PromptedOutput(Echo)).run("Say hi")
        assert result.output == Echo(echo="Say hi")
        sent.append(ds.requests[-1].body)
    assert sent[0] == sent[1]
