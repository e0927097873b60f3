"""langchain-openai's ChatOpenAI on DeepSeek: our HTTP clients make its tool loop and structured output work.

The recipe is ``ChatOpenAI(..., http_client=create_http_client(), http_async_client=create_async_http_client())``;
the same flows with ChatOpenAI's own clients get DeepSeek's 400s. The ``client=`` / ``root_client=`` traps are
shown with a second double standing in for OpenAI.
"""

from __future__ import annotations

from typing import Any

import openai
import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

from deepseek_openai import CompatWarning, create_async_http_client, create_client, create_http_client
from deepseek_openai.testing import FakeDeepSeek

from .conftest import (
    assert_reasoning_passed_back,
    assert_schema_as_json_object,
    assert_turn_sent_without_reasoning,
    chat_requests,
    deepseek_400,
    get_weather,
    script_tool_turn,
)

weather_tool = tool(get_weather)


class Echo(BaseModel):
    echo: str


def ours(ds: FakeDeepSeek) -> ChatOpenAI:
    return ChatOpenAI(
        model="deepseek-flash",
        api_key=ds.api_key,
        base_url=ds.base_url,
        http_client=create_http_client(),
        http_async_client=create_async_http_client(),
    )


def raw(ds: FakeDeepSeek) -> ChatOpenAI:
    return ChatOpenAI(model="deepseek-flash", api_key=ds.api_key, base_url=ds.base_url, max_retries=0)


def tool_loop(llm: ChatOpenAI, *, stream: bool = False) -> BaseMessage:
    """The bind_tools loop from langchain's docs: call, run the tools, send their results back."""
    bound = llm.bind_tools([weather_tool])
    messages: list[BaseMessage] = [HumanMessage("What is the weather in Paris?")]
    for _ in range(2):
        if stream:
            reply: Any = None
            for chunk in bound.stream(messages):
                reply = chunk if reply is None else reply + chunk
            assert isinstance(reply, AIMessageChunk)
        else:
            reply = bound.invoke(messages)
        messages.append(reply)
        if not reply.tool_calls:
            return reply
        messages += [ToolMessage(weather_tool.invoke(c["args"]), tool_call_id=c["id"]) for c in reply.tool_calls]
    raise AssertionError("the loop did not end")


def test_bind_tools_loop_works_through_our_http_client(ds: FakeDeepSeek) -> None:
    script_tool_turn(ds)
    answer = tool_loop(ours(ds))
    assert (
        isinstance(answer, AIMessage)
        and answer.content == "Echo: What is the weather in Paris? (tools said: sunny in Paris)"
    )
    assert_reasoning_passed_back(ds)


def test_bind_tools_loop_fails_through_raw_openai(ds: FakeDeepSeek) -> None:
    script_tool_turn(ds)
    with pytest.raises(openai.BadRequestError, match=deepseek_400("passback")):
        tool_loop(raw(ds))
    assert_turn_sent_without_reasoning(ds)


def test_streamed_tool_loop_works_through_our_http_client(ds: FakeDeepSeek) -> None:
    script_tool_turn(ds)
    answer = tool_loop(ours(ds), stream=True)
    assert answer.content == "Echo: What is the weather in Paris? (tools said: sunny in Paris)"
    assert [body["stream"] for body in chat_requests(ds)] == [True, True]
    assert_reasoning_passed_back(ds)


def test_streamed_tool_loop_fails_through_raw_openai(ds: FakeDeepSeek) -> None:
    script_tool_turn(ds)
    with pytest.raises(openai.BadRequestError, match=deepseek_400("passback")):
        tool_loop(raw(ds), stream=True)
    assert_turn_sent_without_reasoning(ds)


async def test_async_stream_arrives_chunk_by_chunk_through_our_http_client(ds: FakeDeepSeek) -> None:
    llm = ours(ds)
    chunks = [chunk.content async for chunk in llm.astream("Hello")]
    await llm.http_async_client.aclose()  # type: ignore[union-attr]
    assert "".join(map(str, chunks)) == "Echo: Hello"
    assert len([c for c in chunks if c]) > 1
    assert chat_requests(ds)[0]["stream"] is True


def test_structured_output_works_through_our_http_client(ds: FakeDeepSeek) -> None:
    with pytest.warns(CompatWarning, match="json_schema"):
        result = ours(ds).with_structured_output(Echo).invoke("Say hi")
    assert isinstance(result, Echo)
    assert_schema_as_json_object(chat_requests(ds)[0])


def test_structured_output_fails_through_raw_openai(ds: FakeDeepSeek) -> None:
    with pytest.raises(openai.BadRequestError, match=deepseek_400("json_schema")):
        raw(ds).with_structured_output(Echo).invoke("Say hi")
    assert chat_requests(ds)[0]["response_format"]["type"] == "json_schema"


def test_developer_role_and_max_tokens_work_through_our_http_client(ds: FakeDeepSeek) -> None:
    llm = ChatOpenAI(
        model="deepseek-flash",
        api_key=ds.api_key,
        base_url=ds.base_url,
        max_tokens=3,  # ChatOpenAI sends this as max_completion_tokens, which is not in DeepSeek's schema
        http_client=create_http_client(),
    )
    reply = llm.invoke([{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "Say hi"}])
    assert reply.response_metadata["finish_reason"] == "length"  # the limit applied
    (body,) = chat_requests(ds)
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert body["max_tokens"] == 3 and "max_completion_tokens" not in body


def test_developer_role_fails_through_raw_openai(ds: FakeDeepSeek) -> None:
    llm = ChatOpenAI(model="deepseek-flash", api_key=ds.api_key, base_url=ds.base_url, max_tokens=3, max_retries=0)
    with pytest.raises(openai.UnprocessableEntityError, match=deepseek_400("developer_role", index=0)):
        llm.invoke([{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "Say hi"}])
    assert chat_requests(ds)[0]["max_completion_tokens"] == 3  # and, had it been accepted, no limit would apply


# -- the client= / root_client= traps --------------------------------------------------------------------------


def test_root_client_alone_is_ignored_and_prompts_go_to_openai(ds: FakeDeepSeek, fake_openai: FakeDeepSeek) -> None:
    llm = ChatOpenAI(model="deepseek-flash", root_client=create_client())
    assert llm.root_client is not None and str(llm.root_client.base_url).startswith(fake_openai.base_url)
    llm.invoke("a private prompt")
    assert ds.requests == []
    (sent,) = fake_openai.requests
    assert sent.json["messages"] == [{"role": "user", "content": "a private prompt"}]
    assert sent.headers["authorization"] == f"Bearer {fake_openai.api_key}"


async def test_client_alone_leaves_async_calls_to_openai(ds: FakeDeepSeek, fake_openai: FakeDeepSeek) -> None:
    deepseek = create_client()
    llm = ChatOpenAI(model="deepseek-flash", client=deepseek.chat.completions)
    llm.invoke("sync prompt")
    await llm.ainvoke("async prompt")
    await llm.root_async_client.close()
    assert [r.json["messages"][0]["content"] for r in ds.requests] == ["sync prompt"]
    assert [r.json["messages"][0]["content"] for r in fake_openai.requests] == ["async prompt"]
    assert llm.root_client is None  # so with_structured_output (it calls root_client.chat.completions.parse) breaks
    with pytest.raises(AttributeError):
        llm.with_structured_output(Echo).invoke("structured prompt")


async def test_all_four_clients_or_the_http_clients_keep_everything_on_deepseek(
    ds: FakeDeepSeek, fake_openai: FakeDeepSeek
) -> None:
    from deepseek_openai import create_async_client

    sync, aio = create_client(), create_async_client()
    explicit = ChatOpenAI(
        model="deepseek-flash",
        client=sync.chat.completions,
        root_client=sync,
        async_client=aio.chat.completions,
        root_async_client=aio,
    )
    explicit.invoke("one")
    await explicit.ainvoke("two")
    await aio.close()
    recipe = ours(ds)
    recipe.invoke("three")
    await recipe.ainvoke("four")
    await recipe.http_async_client.aclose()  # type: ignore[union-attr]
    assert [r.json["messages"][0]["content"] for r in ds.requests] == ["one", "two", "three", "four"]
    assert fake_openai.requests == []
