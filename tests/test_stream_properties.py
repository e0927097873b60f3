"""End to end over SSE: a streamed reply, whatever its text, keep-alives and usage layout, collects to the same
result as the same reply sent whole. (tests/test_stream.py checks arbitrary chunk splits on the accumulator.)"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deepseek_openai import assistant_turn, collect_stream, reasoning_of, usage_of
from deepseek_openai.testing import FakeDeepSeek

# 80 requests over the wire per run, seconds of CPU: the slow leg (pytest -m slow).
pytestmark = pytest.mark.slow

HI = [{"role": "user", "content": "hi"}]
WEATHER = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}},
}
# Printable text with spaces and newlines: the double cuts a stream into words, so word shapes vary the split.
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(" \n\t"), max_size=60)
arguments = st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=20) | st.integers(), max_size=4)


@pytest.fixture(scope="module")
def ds() -> Iterator[FakeDeepSeek]:
    with FakeDeepSeek() as fake:
        yield fake


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    reasoning=st.none() | texts,
    content=texts,
    calls=st.lists(arguments, max_size=2),
    keepalive=st.integers(min_value=0, max_value=3),
    layout=st.sampled_from(["final_chunk", "separate_chunk"]),
)
def test_streamed_reply_collects_to_the_whole_reply(
    ds: FakeDeepSeek,
    reasoning: str | None,
    content: str,
    calls: list[dict[str, object]],
    keepalive: int,
    layout: str,
) -> None:
    tool_calls = [
        {"name": "get_weather", "arguments": json.dumps(a), "id": f"call_00_{i}"} for i, a in enumerate(calls)
    ]
    script = {"reasoning": reasoning, "tool_calls": tool_calls or None, "keepalive": keepalive}
    extra = {} if reasoning is not None else {"extra_body": {"thinking": {"type": "disabled"}}}
    client = ds.client(max_retries=0)
    ds.add_reply(content, **script)  # type: ignore[arg-type]
    whole = client.chat.completions.create(model="deepseek-flash", messages=HI, tools=[WEATHER], **extra)  # type: ignore[arg-type, list-item]
    ds.add_reply(content, usage_layout=layout, **script)  # type: ignore[arg-type]
    stream = client.chat.completions.create(
        model="deepseek-flash",
        messages=HI,
        tools=[WEATHER],  # type: ignore[list-item]
        stream=True,
        stream_options={"include_usage": True},
        **extra,
    )
    result = collect_stream(stream)
    message = whole.choices[0].message
    assert result.content == (message.content or "")
    assert (result.reasoning or None) == (reasoning_of(message) or None)
    assert result.finish_reason == whole.choices[0].finish_reason
    assert usage_of(result) == usage_of(whole)
    streamed_turn, whole_turn = assistant_turn(result), assistant_turn(whole)
    assert streamed_turn.get("tool_calls", []) == whole_turn.get("tool_calls", [])
    assert [json.loads(c["function"]["arguments"]) for c in result.tool_calls] == calls
    client.close()
