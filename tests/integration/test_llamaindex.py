"""LlamaIndex on DeepSeek: ``OpenAILike(..., http_client=create_http_client(), async_http_client=...)``.

Its own venv in the integration leg (``DEEPSEEK_OPENAI_INTEGRATION=llamaindex``): llama-index-llms-openai requires
openai<3. LlamaIndex sends the assistant turn back without ``reasoning_content``: its agent's tool loop gets
DeepSeek's 400 through its own client, and works through our HTTP clients.
"""

from __future__ import annotations

from typing import Any

import openai
import pytest
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ChatMessage
from llama_index.llms.openai_like import OpenAILike

from deepseek_openai import CompatWarning, LegacyModelWarning, create_async_http_client, create_http_client
from deepseek_openai.testing import FakeDeepSeek

from .conftest import (
    assert_reasoning_passed_back,
    assert_turn_sent_without_reasoning,
    chat_requests,
    deepseek_400,
    get_weather,
    script_tool_turn,
)

# LlamaIndex's own notices about its use of pydantic (not ours to fix).
pytestmark = pytest.mark.filterwarnings(
    "ignore::pydantic.warnings.PydanticDeprecatedSince20", "ignore::pydantic.warnings.PydanticDeprecatedSince211"
)


def llm(ds: FakeDeepSeek, http_client: Any, async_http_client: Any, model: str = "deepseek-flash") -> OpenAILike:
    return OpenAILike(
        model=model,
        api_key=ds.api_key,
        api_base=ds.base_url,
        http_client=http_client,
        async_http_client=async_http_client,
        is_chat_model=True,
        is_function_calling_model=True,
        context_window=1_000_000,
        max_retries=0,
    )


async def test_agent_tool_loop_works_through_our_http_clients(ds: FakeDeepSeek) -> None:
    script_tool_turn(ds)
    async with create_async_http_client() as async_http_client:
        model = llm(ds, create_http_client(), async_http_client)
        with pytest.warns(CompatWarning, match="temperature"):  # LlamaIndex's default temperature=0.1
            answer = await FunctionAgent(tools=[get_weather], llm=model).run("What is the weather in Paris?")
    assert str(answer) == "Echo: What is the weather in Paris? (tools said: sunny in Paris)"
    assert_reasoning_passed_back(ds)
    assert [body["stream"] for body in chat_requests(ds)] == [True, True]


async def test_agent_tool_loop_fails_through_the_sdks_own_http_client(ds: FakeDeepSeek) -> None:
    script_tool_turn(ds)
    async with openai.DefaultAsyncHttpxClient() as async_http_client:  # what OpenAILike uses when given none
        model = llm(ds, None, async_http_client)
        with pytest.raises(openai.BadRequestError, match=deepseek_400("passback")):
            await FunctionAgent(tools=[get_weather], llm=model).run("What is the weather in Paris?")
    assert_turn_sent_without_reasoning(ds)


def test_sync_chat_goes_through_our_http_client(ds: FakeDeepSeek) -> None:
    # A retired model name shows the hook at work on the sync path: sent as deepseek-flash with thinking off.
    with create_http_client() as http_client, pytest.warns(LegacyModelWarning, match="deepseek-chat"):
        reply = llm(ds, http_client, None, model="deepseek-chat").chat([ChatMessage(role="user", content="Hello")])
    assert reply.message.content == "Echo: Hello"
    body = chat_requests(ds)[-1]
    assert body["model"] == "deepseek-flash" and body["thinking"] == {"type": "disabled"}
