"""Framework integration tests: each framework runs for real against FakeDeepSeek, through our client and raw openai.

They need the frameworks and run only when ``DEEPSEEK_OPENAI_INTEGRATION`` names a venv of the integration leg of
``.ci/run``: ``1`` for the shared one (``pip install -e '.[test,integration]'``), ``llamaindex`` and ``ag2`` for the
frameworks that need another openai version (extras ``integration-llamaindex``, ``integration-ag2``):

    DEEPSEEK_OPENAI_INTEGRATION=1 python -m pytest -q -p no:cacheprovider tests/integration

Without the variable these modules are not collected, so the README's test command stays light. With it, that venv's
modules are collected whatever is installed: a missing framework is an import error that fails the run, never a skip.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from deepseek_openai import RULES
from deepseek_openai.testing import FakeDeepSeek

LEGS = {
    "1": [
        *("test_openai_agents.py", "test_langchain_openai.py", "test_instructor.py", "test_pydantic_ai.py"),
        *("test_smolagents.py", "test_haystack.py", "test_outlines.py"),
    ],
    "llamaindex": ["test_llamaindex.py"],
    "ag2": ["test_ag2.py"],
}
"""The test modules of each venv; every venv also runs its README recipes (``test_readme_frameworks.py``)."""
LEG = os.environ.get("DEEPSEEK_OPENAI_INTEGRATION", "")

if LEG not in LEGS:
    collect_ignore_glob = ["test_*.py"]
else:
    collect_ignore = [name for leg, names in LEGS.items() if leg != LEG for name in names]
    # Haystack reads this once, at import: without it, it would set up usage telemetry (tests stay off the network).
    os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")

TOOL_REASONING = "I need the weather in Paris, so I call get_weather."
"""The reasoning the double gives with the first turn's tool call; the second turn must carry it back verbatim."""


def deepseek_400(rule_id: str, **fields: object) -> str:
    """A ``match=`` pattern for DeepSeek's message of this rule (the double answers it with a 400, or 422 for shape)."""
    rule = RULES[rule_id]
    assert rule.status in (400, 422)
    return re.escape(rule.message.format(**fields))


def get_weather(city: str) -> str:
    """Return the weather in a city."""
    return f"sunny in {city}"


def script_tool_turn(ds: FakeDeepSeek) -> None:
    """Queue a first reply that calls ``get_weather(city="Paris")`` with known reasoning (the second is the echo)."""
    call = {"id": "call_00_weather", "name": "get_weather", "arguments": {"city": "Paris"}}
    ds.add_reply(tool_calls=[call], reasoning=TOOL_REASONING)


def chat_requests(ds: FakeDeepSeek) -> list[Any]:
    """The JSON bodies of the chat requests the double received, in order."""
    return [r.json for r in ds.requests if r.path.endswith("/chat/completions")]


def assert_reasoning_passed_back(ds: FakeDeepSeek) -> None:
    """The second chat request sent the first turn's reasoning back, exactly, with thinking on."""
    first, second = chat_requests(ds)
    assert "thinking" not in first and "thinking" not in second  # DeepSeek's default: thinking on
    turns = [m for m in second["messages"] if m["role"] == "assistant"]
    assert [t.get("reasoning_content") for t in turns] == [TOOL_REASONING]
    assert turns[0]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert second["messages"][-1]["role"] == "tool"


def assert_turn_sent_without_reasoning(ds: FakeDeepSeek) -> None:
    """The second chat request reached the double with the assistant turn stripped of its reasoning."""
    second = chat_requests(ds)[-1]
    turns = [m for m in second["messages"] if m["role"] == "assistant"]
    assert turns and all(t.get("reasoning_content") is None for t in turns)


def assert_schema_as_json_object(body: Any, field: str = "echo") -> None:
    """A json_schema request went out as json_object with the schema (naming ``field``) in a system message."""
    assert body["response_format"] == {"type": "json_object"}
    assert "thinking" not in body
    system = body["messages"][0]
    assert system["role"] == "system" and "json" in system["content"].lower() and f'"{field}"' in system["content"]


def assert_forced_tool_without_thinking(body: Any) -> None:
    """A forced tool_choice request went out with thinking off and everything else as written."""
    assert body["thinking"] == {"type": "disabled"}
    assert body["tool_choice"] == "required" or body["tool_choice"]["type"] == "function"


@pytest.fixture
def ds(fake_deepseek: FakeDeepSeek, monkeypatch: pytest.MonkeyPatch) -> FakeDeepSeek:
    """The double, with ``DEEPSEEK_API_KEY`` / ``DEEPSEEK_BASE_URL`` pointing at it (what the recipes read)."""
    monkeypatch.setenv("DEEPSEEK_API_KEY", fake_deepseek.api_key)
    monkeypatch.setenv("DEEPSEEK_BASE_URL", fake_deepseek.base_url)
    return fake_deepseek


@pytest.fixture
def raw_client(ds: FakeDeepSeek) -> Iterator[openai.OpenAI]:
    """A plain ``openai.OpenAI`` on the double: what the framework would get without this package."""
    with openai.OpenAI(api_key=ds.api_key, base_url=ds.base_url, max_retries=0) as client:
        yield client


@pytest.fixture
def fake_openai(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDeepSeek]:
    """A second double standing in for OpenAI, reached through ``OPENAI_API_KEY`` / ``OPENAI_BASE_URL``."""
    with FakeDeepSeek(api_key="sk-stand-in-for-openai-0000") as stand_in:
        monkeypatch.setenv("OPENAI_API_KEY", stand_in.api_key)
        monkeypatch.setenv("OPENAI_BASE_URL", stand_in.base_url)
        yield stand_in
