"""The hook's gate: every REWRITES row is reachable through it, and it never says "no" where a row applies.

The gate decides from cheap checks (over bytes on openai 2.x/3.x, over the dict on 1.x) whether a body may need
the rewrites; "no" sends the body as written without loading them. So a wrong "no" silently skips a rewrite.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from collections.abc import Callable
from typing import Any

import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deepseek_openai import MODELS, REWRITES, CompatWarning, DeepSeekError, LegacyModelWarning, thinking
from deepseek_openai._compat._gate import GATE, endpoint_of, fields_may_need, may_need
from deepseek_openai._compat._hook import sent_without_thinking
from deepseek_openai._compat._hook_options import HookOptions
from deepseek_openai._compat._memory import ReasoningMemory
from deepseek_openai._compat._passback import Scope
from deepseek_openai._compat._rewrites import rewrite_body
from deepseek_openai._thinking import thinks
from deepseek_openai.testing import FakeDeepSeek
from tests._wire import ASK, TOOL, Recorder, tool_round


def _legacy_model(ds: FakeDeepSeek, client: openai.OpenAI) -> None:
    with pytest.warns(LegacyModelWarning):
        client.chat.completions.create(model="deepseek-chat", messages=[ASK])
    assert ds.requests[-1].json["model"] == "deepseek-flash"


def _responses_legacy_model(ds: FakeDeepSeek, client: openai.OpenAI) -> None:
    with pytest.warns(LegacyModelWarning):
        if hasattr(client, "responses"):
            client.responses.create(model="deepseek-chat", input="go")
        else:  # openai before 1.66 has no client.responses: the SDK's generic post, as users there send it
            client.post("/responses", body={"model": "deepseek-chat", "input": "go"}, cast_to=object)
    assert ds.requests[-1].json["model"] == "deepseek-flash"
    assert ds.requests[-1].json["reasoning"] == {"effort": "none"}


def _developer_role(ds: FakeDeepSeek, client: openai.OpenAI) -> None:
    client.chat.completions.create(
        model="deepseek-flash", messages=[{"role": "developer", "content": "Be brief."}, ASK]
    )
    assert ds.requests[-1].json["messages"][0]["role"] == "system"


def _max_completion_tokens(ds: FakeDeepSeek, client: openai.OpenAI) -> None:
    client.chat.completions.create(model="deepseek-flash", messages=[ASK], max_completion_tokens=9)
    sent = ds.requests[-1].json
    assert sent["max_tokens"] == 9 and "max_completion_tokens" not in sent


def _forced_tool_choice(ds: FakeDeepSeek, client: openai.OpenAI) -> None:
    ds.add_reply(tool_calls=[{"name": "f", "arguments": {}}])
    with pytest.warns(CompatWarning, match="tool_choice forces a tool call"):
        client.chat.completions.create(model="deepseek-flash", messages=[ASK], tools=[TOOL], tool_choice="required")  # type: ignore[list-item]
    assert ds.requests[-1].json["thinking"] == {"type": "disabled"}


def _json_schema(ds: FakeDeepSeek, client: openai.OpenAI) -> None:
    schema = {"name": "answer", "schema": {"type": "object", "properties": {"a": {"type": "string"}}}}
    with pytest.warns(CompatWarning, match="json_schema"):
        client.chat.completions.create(
            model="deepseek-flash",
            messages=[ASK],
            response_format={"type": "json_schema", "json_schema": schema},  # type: ignore[typeddict-item]
        )
    assert ds.requests[-1].json["response_format"] == {"type": "json_object"}


def _reasoning_memory(ds: FakeDeepSeek, client: openai.OpenAI) -> None:
    history = tool_round(ds, client, "Call f.")
    client.chat.completions.create(model="deepseek-flash", messages=history, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert [m.get("reasoning_content") for m in ds.requests[-1].json["messages"]] == [None, "Call f.", None]


def _turn_without_reasoning(ds: FakeDeepSeek, client: openai.OpenAI) -> None:
    history = tool_round(ds, client, None, **thinking(False))
    with pytest.warns(CompatWarning, match="thinking turned off for this tools request"):
        client.chat.completions.create(model="deepseek-flash", messages=history, tools=[TOOL])  # type: ignore[arg-type,list-item]
    assert ds.requests[-1].json["thinking"] == {"type": "disabled"}


def _ignored_sampling(ds: FakeDeepSeek, client: openai.OpenAI) -> None:
    with pytest.warns(CompatWarning, match="sampling settings have no effect"):
        client.chat.completions.create(model="deepseek-flash", messages=[ASK], temperature=0.2)


# A request that triggers each row, sent through the installed SDK (the dict gate on 1.x, the byte gate on 2.x/3.x).
TRIGGERS: dict[str, Callable[[FakeDeepSeek, openai.OpenAI], None]] = {
    "legacy_model": _legacy_model,
    "responses_legacy_model": _responses_legacy_model,
    "developer_role": _developer_role,
    "max_completion_tokens": _max_completion_tokens,
    "forced_tool_choice": _forced_tool_choice,
    "json_schema": _json_schema,
    "reasoning_memory": _reasoning_memory,
    "turn_without_reasoning": _turn_without_reasoning,
    "ignored_sampling": _ignored_sampling,
}


def test_every_row_has_a_gate_check_and_a_trigger_here() -> None:
    assert set(GATE) == set(REWRITES) | {"ignored_sampling"}  # the sampling warning is a RULES row, not a rewrite
    assert set(TRIGGERS) == set(GATE)


@pytest.mark.parametrize("row", sorted(TRIGGERS))
def test_every_row_is_reached_through_the_gate_on_the_installed_sdk(fake_deepseek: FakeDeepSeek, row: str) -> None:
    with fake_deepseek.client() as client:
        TRIGGERS[row](fake_deepseek, client)


def test_every_retired_model_gets_through_the_gate() -> None:
    # The gate names the retired ids itself (it must not load the model table): they must match the table.
    retired = [name for name, info in MODELS.items() if info.status == "retired"]
    assert retired
    for name in retired:
        body = {"model": name, "messages": [ASK]}
        for endpoint in ("chat", "fim", "responses"):
            assert may_need(json.dumps(body, separators=(",", ":")).encode(), endpoint)
            assert fields_may_need(body, endpoint)


def test_the_endpoints() -> None:
    assert endpoint_of("https://api.deepseek.com/chat/completions?x=1") == "chat"
    assert endpoint_of("https://api.deepseek.com/beta/completions") == "fim"
    assert endpoint_of("https://api.deepseek.com/responses") == "responses"
    assert endpoint_of("https://api.deepseek.com/models") is None


def test_a_plain_body_needs_nothing() -> None:
    # The point of the gate: the common request is neither parsed nor rewritten.
    body = {"model": "deepseek-flash", "messages": [ASK, {"role": "assistant", "content": "Hi."}], "stream": True}
    assert not may_need(json.dumps(body, separators=(",", ":")).encode(), "chat")
    assert not fields_may_need(body, "chat")
    tools = {**body, "tools": [TOOL], "messages": [ASK]}  # a first tool round: nothing to fill yet
    assert not may_need(json.dumps(tools, separators=(",", ":")).encode(), "chat")
    assert not fields_may_need(tools, "chat")


# -- The gate against the rows themselves, over many bodies ----------------------------------------------------------

_ABSENT: Any = object()
_TURNS = [
    {"role": "assistant", "content": "Hi."},
    {"role": "assistant", "content": "Hi.", "reasoning_content": "Greet."},
    {"role": "assistant", "content": "Hi.", "reasoning_content": ""},
    {"role": "assistant", "content": "Hi.", "reasoning_content": None},
    {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function",
                                                          "function": {"name": "f", "arguments": "{}"}}]},
    {"role": "assistant", "content": "x", "prefix": True},
    {"role": "tool", "tool_call_id": "c1", "content": "done"},
    {"role": "user", "content": "assistant"},
    {"role": "developer", "content": "Be brief."},
    {"role": "system", "content": 'say "tool_choice": "required" and "thinking":{"type":"disabled"}'},
]  # fmt: skip
_FIELDS: dict[str, Any] = {
    "model": st.sampled_from(["deepseek-flash", "deepseek-v4-pro", "deepseek-chat", "deepseek-reasoner"]),
    "thinking": st.sampled_from(
        [_ABSENT, {"type": "enabled"}, {"type": "disabled"}, {"type": "disabled", "budget": 1}, None, "off"]
    ),
    "reasoning_effort": st.sampled_from([_ABSENT, "none", "low", "high", "max", None]),
    "tools": st.sampled_from([_ABSENT, [TOOL], []]),
    "tool_choice": st.sampled_from(
        [_ABSENT, "auto", "none", "required", None, {"type": "function", "function": {"name": "f"}}]
    ),
    "temperature": st.sampled_from([_ABSENT, 0.3, None]),
    "frequency_penalty": st.sampled_from([_ABSENT, 0.1]),
    "max_completion_tokens": st.sampled_from([_ABSENT, 5, None]),
    "max_tokens": st.sampled_from([_ABSENT, 7]),
    "response_format": st.sampled_from(
        [_ABSENT, {"type": "text"}, {"type": "json_object"}, {"type": "json_schema", "json_schema": {"name": "a"}}]
    ),
    "user_id": st.sampled_from([_ABSENT, "u1"]),
}
_BODIES = st.fixed_dictionaries(
    {"messages": st.lists(st.sampled_from(_TURNS), max_size=5).map(lambda turns: [ASK, *turns])},
    optional=_FIELDS,
).map(lambda body: {k: v for k, v in body.items() if v is not _ABSENT})
# The SDK writes compact JSON; a framework posting its own bytes through our HTTP client may space or indent them.
_LAYOUTS = [{"separators": (",", ":")}, {"separators": (", ", ": ")}, {"indent": 2}, {"separators": (",", " : ")}]


def _hook_acts(body: dict[str, Any], endpoint: str) -> bool:
    """Whether the rows change, warn about or refuse this body (run on a copy, with an empty reasoning memory)."""
    scope = Scope(b"\x00" * 16, ReasoningMemory(), None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            changed, _ = rewrite_body(json.loads(json.dumps(body)), endpoint, HookOptions(), scope)
        except DeepSeekError:
            return True
    return changed or bool(caught)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_BODIES, layout=st.sampled_from(_LAYOUTS), endpoint=st.sampled_from(["chat", "fim", "responses"]))
def test_the_gate_never_says_no_where_a_row_applies(
    body: dict[str, Any], layout: dict[str, Any], endpoint: str
) -> None:
    content = json.dumps(body, ensure_ascii=False, **layout).encode()
    if _hook_acts(body, endpoint):
        assert may_need(content, endpoint), content
        assert fields_may_need(body, endpoint), body


@settings(max_examples=100, deadline=None)
@given(body=_BODIES, layout=st.sampled_from(_LAYOUTS))
def test_the_gate_follows_the_thinking_rule(body: dict[str, Any], layout: dict[str, Any]) -> None:
    # _thinking.thinks is the one rule (toggle wins, else effort "none" is off, else on): wherever it says a tools
    # request thinks and a turn lacks its reasoning, the memory may have to fill it, so the gate must let it through.
    lacking = any(m["role"] == "assistant" and m.get("reasoning_content") is None for m in body["messages"])
    if body.get("tools") and thinks(body) and lacking:
        assert may_need(json.dumps(body, ensure_ascii=False, **layout).encode(), "chat")
        assert fields_may_need(body, "chat")


@settings(max_examples=100, deadline=None)
@given(body=_BODIES, layout=st.sampled_from(_LAYOUTS))
def test_a_request_sent_without_thinking_is_told_by_the_thinking_rule(
    body: dict[str, Any], layout: dict[str, Any]
) -> None:
    # The tap saves a reply of such a request (tools or not) as "received without reasoning": the same rule, over
    # bytes or a dict.
    expected = not thinks(body)
    assert sent_without_thinking({"json": body}) is expected
    assert sent_without_thinking({"content": json.dumps(body, ensure_ascii=False, **layout).encode()}) is expected


_PROBE = """
import sys
from deepseek_openai import create_client
client = create_client("sk-gate-test-000000000000", base_url=sys.argv[1], env_file=False, max_retries=0)
ask = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello."}, {"role": "user", "content": "?"}]
client.chat.completions.create(model="deepseek-flash", messages=ask)
client.chat.completions.create(model="deepseek-flash", messages=ask, stream=True).close()
print(sorted(m for m in sys.modules if m.startswith("deepseek_openai.")))
client.chat.completions.create(model="deepseek-flash", messages=[{"role": "developer", "content": "x"}, *ask])
print(sorted(m for m in sys.modules if m.startswith("deepseek_openai.")))
"""


@pytest.mark.slow  # a fresh interpreter: the slow leg (pytest -m slow)
def test_a_plain_request_loads_no_rewrite_tables(recorder: Recorder) -> None:
    run = subprocess.run(
        [sys.executable, "-c", _PROBE, recorder.base_url], capture_output=True, text=True, check=True, timeout=60
    )
    plain, rewritten = run.stdout.splitlines()
    for table in ("deepseek_openai._compat._rewrites", "deepseek_openai._rules", "deepseek_openai._models"):
        assert f"'{table}'" not in plain, plain
        assert f"'{table}'" in rewritten, rewritten  # the probe can see them load: a body that needs a rewrite
    assert [seen.json["messages"][0]["role"] for seen in recorder.seen] == ["user", "user", "system"]
