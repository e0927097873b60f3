"""AG2 (``import ag2``, 1.x) on DeepSeek: ``OpenAIConfig(..., http_client=create_async_http_client())``.

Its own venv in the integration leg (``DEEPSEEK_OPENAI_INTEGRATION=ag2``): AG2 1.2 requires openai>=3.27. AG2 sends
the assistant turn back without ``reasoning_content``: its tool loop gets DeepSeek's 400 through its own client, and
works through our HTTP client.
"""

from __future__ import annotations

from typing import Any

import openai
import pytest
from ag2 import Agent
from ag2.config import OpenAIConfig

from deepseek_openai import create_async_http_client
from deepseek_openai.testing import FakeDeepSeek

from .conftest import (
    assert_reasoning_passed_back,
    assert_turn_sent_without_reasoning,
    deepseek_400,
    get_weather,
    script_tool_turn,
)


async def ask(ds: FakeDeepSeek, http_client: Any) -> str:
    config = OpenAIConfig(
        model="deepseek-flash", api_key=ds.api_key, base_url=ds.base_url, max_retries=0, http_client=http_client
    )
    agent = Agent("assistant", prompt="You are a helpful assistant.", config=config, tools=[get_weather])
    return str((await agent.ask("What is the weather in Paris?")).body)


async def test_tool_loop_works_through_our_http_client(ds: FakeDeepSeek) -> None:
    script_tool_turn(ds)
    async with create_async_http_client() as http_client:
        answer = await ask(ds, http_client)
    assert answer == "Echo: What is the weather in Paris? (tools said: sunny in Paris)"
    assert_reasoning_passed_back(ds)


async def test_tool_loop_fails_through_the_sdks_own_http_client(ds: FakeDeepSeek) -> None:
    script_tool_turn(ds)
    async with openai.DefaultAsyncHttpxClient() as http_client:  # what AG2 uses when given none
        with pytest.raises(openai.BadRequestError, match=deepseek_400("passback")):
            await ask(ds, http_client)
    assert_turn_sent_without_reasoning(ds)
