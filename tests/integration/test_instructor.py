"""instructor on DeepSeek, mode by mode: ``instructor.from_openai(create_client(), mode=...)``.

With thinking on (DeepSeek's default):

- TOOLS (the default), and its deprecated aliases TOOLS_STRICT and FUNCTIONS, force the tool with a named
  ``tool_choice``: DeepSeek answers 400 while thinking, so our client sends those requests with thinking off (warned).
- JSON_SCHEMA (and its deprecated alias JSON_O1) sends ``response_format`` ``json_schema``: DeepSeek answers 400, so
  our client sends ``json_object`` with the schema in a system message (warned).
- JSON (``json_object``) and MD_JSON (a fenced JSON block in the text) are requests DeepSeek accepts as they are:
  they work through a raw client too, and our client sends them unchanged.
- PARALLEL_TOOLS (``tool_choice="auto"``, ``Iterable[Model]``) is accepted as it is as well.
- RESPONSES_TOOLS* go to the Responses API, not chat completions: not covered here. The provider modes (ANTHROPIC_*,
  GEMINI_*, ...) belong to other clients.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable
from typing import Any

import instructor
import openai
import pytest
from instructor.core import InstructorRetryException
from pydantic import BaseModel

from deepseek_openai import CompatWarning, create_async_client, create_client
from deepseek_openai.testing import FakeDeepSeek

from .conftest import assert_forced_tool_without_thinking, assert_schema_as_json_object, chat_requests, deepseek_400


class Echo(BaseModel):
    text: str  # a "text" property gets the user's words from the double's default tool call


MESSAGES = [{"role": "user", "content": "Say hi"}]
FORCED_TOOL = [instructor.Mode.TOOLS, instructor.Mode.TOOLS_STRICT, instructor.Mode.FUNCTIONS]
JSON_SCHEMA = [instructor.Mode.JSON_SCHEMA, instructor.Mode.JSON_O1]


def patched(client: Any, mode: instructor.Mode) -> Any:
    with warnings.catch_warnings():
        # instructor warns once per process that these aliases are deprecated; their replacements are tested too.
        warnings.filterwarnings("ignore", r"Mode\.\w+ is deprecated", DeprecationWarning)
        return instructor.from_openai(client, mode=mode)


def extract(client: Any, mode: instructor.Mode) -> Echo:
    result = patched(client, mode).chat.completions.create(
        model="deepseek-flash", response_model=Echo, messages=MESSAGES, max_retries=1
    )
    assert isinstance(result, Echo)
    return result


@pytest.mark.parametrize("mode", FORCED_TOOL, ids=lambda m: m.name)
def test_forced_tool_modes_work_through_our_client(ds: FakeDeepSeek, mode: instructor.Mode) -> None:
    with pytest.warns(CompatWarning, match="tool_choice"):
        assert extract(create_client(), mode).text == "Say hi"
    (body,) = chat_requests(ds)
    assert body["tool_choice"] == {"type": "function", "function": {"name": "Echo"}}
    assert_forced_tool_without_thinking(body)


@pytest.mark.parametrize("mode", FORCED_TOOL, ids=lambda m: m.name)
def test_forced_tool_modes_fail_through_raw_openai(
    ds: FakeDeepSeek, raw_client: openai.OpenAI, mode: instructor.Mode
) -> None:
    with pytest.raises(InstructorRetryException, match=deepseek_400("tool_choice_thinking")):
        extract(raw_client, mode)
    assert "thinking" not in chat_requests(ds)[0]


@pytest.mark.parametrize("mode", JSON_SCHEMA, ids=lambda m: m.name)
def test_json_schema_modes_work_through_our_client(ds: FakeDeepSeek, mode: instructor.Mode) -> None:
    with pytest.warns(CompatWarning, match="json_schema"):
        extract(create_client(), mode)
    (body,) = chat_requests(ds)
    assert_schema_as_json_object(body, field="text")


@pytest.mark.parametrize("mode", JSON_SCHEMA, ids=lambda m: m.name)
def test_json_schema_modes_fail_through_raw_openai(
    ds: FakeDeepSeek, raw_client: openai.OpenAI, mode: instructor.Mode
) -> None:
    with pytest.raises(InstructorRetryException, match=deepseek_400("json_schema")):
        extract(raw_client, mode)
    assert chat_requests(ds)[0]["response_format"]["type"] == "json_schema"


@pytest.mark.parametrize("mode", [instructor.Mode.JSON, instructor.Mode.MD_JSON], ids=lambda m: m.name)
def test_json_modes_work_unchanged_through_both(
    ds: FakeDeepSeek, raw_client: openai.OpenAI, mode: instructor.Mode
) -> None:
    reply = json.dumps({"text": "hi"})
    if mode is instructor.Mode.MD_JSON:
        reply = f"Here it is:\n```json\n{reply}\n```"  # what a model asked for a fenced block answers
    sent = []
    for client in (create_client(), raw_client):
        ds.add_reply(reply)
        assert extract(client, mode).text == "hi"
        sent.append(ds.requests[-1].body)
    assert sent[0] == sent[1]  # our client sent the accepted request byte for byte as the raw one did


def test_parallel_tools_mode_works_unchanged_through_both(ds: FakeDeepSeek, raw_client: openai.OpenAI) -> None:
    sent = []
    for client in (create_client(), raw_client):
        calls = patched(client, instructor.Mode.PARALLEL_TOOLS).chat.completions.create(
            model="deepseek-flash", response_model=Iterable[Echo], messages=MESSAGES
        )
        assert [c.text for c in calls] == ["Say hi"]
        sent.append(ds.requests[-1].body)
    assert json.loads(sent[0])["tool_choice"] == "auto"
    assert sent[0] == sent[1]


def test_partial_stream_works_through_our_client(ds: FakeDeepSeek) -> None:
    client = instructor.from_openai(create_client())
    with pytest.warns(CompatWarning, match="tool_choice"):
        partials = list(
            client.chat.completions.create_partial(model="deepseek-flash", response_model=Echo, messages=MESSAGES)
        )
    assert partials[-1].text == "Say hi"
    (body,) = chat_requests(ds)
    assert body["stream"] is True
    assert_forced_tool_without_thinking(body)


def test_partial_stream_fails_through_raw_openai(ds: FakeDeepSeek, raw_client: openai.OpenAI) -> None:
    client = instructor.from_openai(raw_client)
    with pytest.raises(InstructorRetryException, match=deepseek_400("tool_choice_thinking")):
        list(client.chat.completions.create_partial(model="deepseek-flash", response_model=Echo, messages=MESSAGES))


async def test_async_default_mode_works_through_our_client(ds: FakeDeepSeek) -> None:
    async with create_async_client() as aio:
        with pytest.warns(CompatWarning, match="tool_choice"):
            result = await instructor.from_openai(aio).chat.completions.create(
                model="deepseek-flash", response_model=Echo, messages=MESSAGES
            )
    assert isinstance(result, Echo) and result.text == "Say hi"
    assert_forced_tool_without_thinking(chat_requests(ds)[0])
