from __future__ import annotations

import re
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletion

from deepseek_openai import (
    MAX_TOOLS,
    RULES,
    InvalidRequestError,
    StreamResult,
    acomplete_prefix,
    assistant_turn,
    check_messages,
    collect_stream,
    complete_prefix,
    prefix_message,
    strict_tool,
    thinking,
)
from deepseek_openai.testing import FakeDeepSeek

TOOL = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}}
CALL = {"id": "call_1", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}
USER = {"role": "user", "content": "What time is it?"}


# -- assistant_turn --------------------------------------------------------------------------------------------


def test_assistant_turn_from_a_completion_keeps_reasoning_and_tool_calls(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_reply(reasoning="Let me check.", tool_calls=[{"name": "get_time", "arguments": {"tz": "UTC"}}])
    reply = fake_deepseek.client().chat.completions.create(model="deepseek-flash", messages=[USER], tools=[TOOL])
    turn = assistant_turn(reply)
    call_id = reply.choices[0].message.tool_calls[0].id  # type: ignore[index]
    assert turn == {
        "role": "assistant",
        "content": "",
        "reasoning_content": "Let me check.",
        "tool_calls": [
            {"id": call_id, "type": "function", "function": {"name": "get_time", "arguments": '{"tz": "UTC"}'}}
        ],
    }
    assert assistant_turn(reply.choices[0].message) == turn
    assert assistant_turn(reply.model_dump()) == turn


def test_assistant_turn_keeps_empty_reasoning_and_omits_absent_parts() -> None:
    assert assistant_turn({"role": "assistant", "content": "hi", "reasoning_content": ""}) == {
        "role": "assistant",
        "content": "hi",
        "reasoning_content": "",
    }
    assert assistant_turn({"content": "hi"}) == {"role": "assistant", "content": "hi"}
    assert assistant_turn(StreamResult(content="x", reasoning="", reasoning_seen=True)) == {
        "role": "assistant",
        "content": "x",
        "reasoning_content": "",
    }
    assert assistant_turn(StreamResult(content="x")) == {"role": "assistant", "content": "x"}


def test_assistant_turn_from_a_stream_result_matches_the_non_streamed_one(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client()
    script = {"reasoning": "hmm", "tool_calls": [{"name": "get_time", "arguments": "{}", "id": "c9"}]}
    fake_deepseek.add_reply(**script)  # type: ignore[arg-type]
    fake_deepseek.add_reply(**script)  # type: ignore[arg-type]
    plain = client.chat.completions.create(model="deepseek-flash", messages=[USER], tools=[TOOL])
    streamed = collect_stream(
        client.chat.completions.create(model="deepseek-flash", messages=[USER], tools=[TOOL], stream=True)
    )
    assert assistant_turn(streamed) == assistant_turn(plain)


def test_assistant_turn_refuses_a_completion_without_choices() -> None:
    with pytest.raises(InvalidRequestError, match="no choice 0"):
        assistant_turn({"choices": []})


# -- the passback rule, end to end -----------------------------------------------------------------------------


def _second_round(turn: dict[str, Any]) -> list[dict[str, Any]]:
    return [USER, turn, {"role": "tool", "tool_call_id": turn["tool_calls"][0]["id"], "content": "12:00"}]


def test_passback_with_assistant_turn_is_accepted_and_a_hand_built_turn_is_refused(
    fake_deepseek: FakeDeepSeek,
) -> None:
    client = fake_deepseek.client(max_retries=0)
    fake_deepseek.add_reply(reasoning="Need the clock.", tool_calls=[{"name": "get_time", "arguments": "{}"}])
    first = client.chat.completions.create(model="deepseek-flash", messages=[USER], tools=[TOOL])
    good = _second_round(assistant_turn(first))
    check_messages(good, tools=[TOOL])
    answer = client.chat.completions.create(model="deepseek-flash", messages=good, tools=[TOOL])
    assert answer.choices[0].finish_reason == "stop"
    assert fake_deepseek.requests[-1].json["messages"][1]["reasoning_content"] == "Need the clock."

    bad = _second_round({k: v for k, v in assistant_turn(first).items() if k != "reasoning_content"})
    with pytest.raises(InvalidRequestError) as info:
        check_messages(bad, tools=[TOOL])
    assert info.value.rule == "passback" and "messages[1]" in str(info.value)
    assert "assistant_turn" in info.value.fix
    client.chat.completions.create(model="deepseek-flash", messages=bad, tools=[TOOL])  # the hook fills it in
    assert fake_deepseek.requests[-1].json["messages"][1]["reasoning_content"] == "Need the clock."
    with pytest.raises(openai.BadRequestError) as api:
        fake_deepseek.client(max_retries=0, compat=False).chat.completions.create(
            model="deepseek-flash", messages=bad, tools=[TOOL]
        )
    assert RULES["passback"].message in str(info.value)
    assert api.value.body["message"] == RULES["passback"].message  # type: ignore[index]


def test_passback_applies_to_every_earlier_turn_only_with_tools_and_thinking() -> None:
    history = [USER, {"role": "assistant", "content": "no tool here"}, {"role": "user", "content": "and now?"}]
    check_messages(history)  # no tools: reasoning is ignored, nothing to check
    check_messages(history, tools=[TOOL], thinking=False)
    with pytest.raises(InvalidRequestError, match=r"messages\[1\]") as info:
        check_messages(history, tools=[TOOL])
    assert info.value.rule == "passback"


def test_sdk_message_objects_are_accepted() -> None:
    reply = ChatCompletion(
        id="c",
        object="chat.completion",
        created=1,
        model="deepseek-flash",
        choices=[
            {  # type: ignore[list-item]
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {"role": "assistant", "content": "", "reasoning_content": "r", "tool_calls": [CALL]},
            }
        ],
    )
    message = reply.choices[0].message
    check_messages([USER, message, {"role": "tool", "tool_call_id": "call_1", "content": "x"}], tools=[TOOL])
    no_reasoning = ChatCompletion(
        **{
            **reply.model_dump(),
            "choices": [
                {**reply.choices[0].model_dump(), "message": {"role": "assistant", "content": "", "tool_calls": [CALL]}}
            ],
        }
    )
    with pytest.raises(InvalidRequestError):
        check_messages([USER, no_reasoning.choices[0].message], tools=[TOOL])


# -- every rule: refused (or warned about) by check_messages and by the double alike ------------------------------

WITH_CALL = {"role": "assistant", "content": "", "reasoning_content": "", "tool_calls": [CALL]}
# Refused: documented or observed (RULES evidence); the 400s of tool_without_call and prefix_not_beta are quoted in
# public trackers.
REFUSED: list[tuple[str, list[Any], dict[str, Any], bool]] = [
    ("developer_role", [{"role": "developer", "content": "be brief"}, USER], {}, False),
    ("tool_choice_thinking", [USER], {"tools": [TOOL], "tool_choice": "required"}, False),
    (
        "tool_choice_thinking",
        [USER],
        {"tools": [TOOL], "tool_choice": {"type": "function", "function": {"name": "get_time"}}},
        False,
    ),
    ("too_many_tools", [USER], {"tools": [TOOL] * (MAX_TOOLS + 1)}, False),
    ("prefix_not_beta", [USER, prefix_message("Sure")], {}, False),
    ("tool_without_call", [USER, {"role": "tool", "tool_call_id": "call_1", "content": "x"}], {}, False),
    ("tool_without_call", [USER, WITH_CALL, {"role": "tool", "tool_call_id": "other", "content": "x"}], {}, False),
    (
        "tool_without_call",
        [USER, WITH_CALL, {"role": "user", "content": "?"}, {"role": "tool", "tool_call_id": "call_1", "content": "x"}],
        {},
        False,
    ),
]
# Rules whose server behaviour is not documented nor observed (RULES evidence "unknown"): warn, send unchanged.
WARNED: list[tuple[str, list[Any], dict[str, Any], bool]] = [
    ("prefix_not_last", [USER, prefix_message("Sure"), {"role": "user", "content": "x"}], {}, True),
    ("prefix_not_last", [USER, {"role": "user", "content": "x", "prefix": True}], {}, True),
    ("strict_not_beta", [USER], {"tools": [strict_tool("get_time", {"type": "object", "properties": {}})]}, False),
    (
        "strict_not_beta",
        [USER],
        {"tools": [strict_tool("get_time", {"type": "object", "properties": {}}), TOOL]},
        True,
    ),
]


@pytest.mark.parametrize(("rule", "messages", "request_kwargs", "beta"), REFUSED)
def test_each_known_refusal_is_caught_before_the_network_like_deepseek_refuses_it(
    fake_deepseek: FakeDeepSeek, rule: str, messages: list[Any], request_kwargs: dict[str, Any], beta: bool
) -> None:
    assert RULES[rule].refuses
    with pytest.raises(InvalidRequestError) as info:
        check_messages(
            messages, tools=request_kwargs.get("tools"), tool_choice=request_kwargs.get("tool_choice"), beta=beta
        )
    assert info.value.rule == rule and info.value.fix == RULES[rule].fix and isinstance(info.value, ValueError)
    client = fake_deepseek.client(beta=beta, max_retries=0, compat=False)  # DeepSeek's refusal, not the hook's fix
    with pytest.raises(openai.APIStatusError) as api:
        client.chat.completions.create(model="deepseek-flash", messages=messages, **request_kwargs)
    assert api.value.status_code == RULES[rule].status


@pytest.mark.parametrize(("rule", "messages", "request_kwargs", "beta"), WARNED)
def test_each_unproven_rule_warns_and_the_double_answers(
    fake_deepseek: FakeDeepSeek, rule: str, messages: list[Any], request_kwargs: dict[str, Any], beta: bool
) -> None:
    assert not RULES[rule].refuses and not RULES[rule].evidence.startswith(("documented", "observed"))
    with pytest.warns(UserWarning, match=re.escape(RULES[rule].fix)) as caught:
        check_messages(
            messages, tools=request_kwargs.get("tools"), tool_choice=request_kwargs.get("tool_choice"), beta=beta
        )
    assert len(caught) == 1 and caught[0].filename == __file__  # one warning, pointing at the caller's line
    reply = fake_deepseek.client(beta=beta, max_retries=0).chat.completions.create(
        model="deepseek-flash", messages=messages, **request_kwargs
    )
    assert reply.choices[0].finish_reason in ("stop", "tool_calls")
    assert fake_deepseek.requests[-1].json["messages"] == messages  # sent as given


def test_strict_tools_on_the_main_base_are_sent_with_a_warning(fake_deepseek: FakeDeepSeek) -> None:
    # DeepSeek answered HTTP 200 to strict tools on the main base (API digest §18): warn, never refuse.
    strict = strict_tool("get_time", {"type": "object", "properties": {}})
    check_messages([USER], tools=[strict], beta=True)  # the documented place: silent
    with pytest.warns(UserWarning, match="not on the beta base URL") as caught:
        check_messages([USER], tools=[strict])
    assert "may not enforce" in str(caught[0].message) and "create_client(beta=True)" in str(caught[0].message)
    with pytest.warns(UserWarning, match="lack strict"):
        check_messages([USER], tools=[strict, TOOL], beta=True)
    fake_deepseek.client().chat.completions.create(model="deepseek-flash", messages=[USER], tools=[strict])
    sent = fake_deepseek.requests[-1]
    assert sent.path == "/chat/completions" and sent.json["tools"] == [strict]


def test_an_empty_reasoning_content_counts_as_passed_back(fake_deepseek: FakeDeepSeek) -> None:
    # §18: one report says "" was accepted, another refused; neither side refuses it here.
    history = [USER, {"role": "assistant", "content": "Hi.", "reasoning_content": ""}, USER]
    check_messages(history, tools=[TOOL])
    fake_deepseek.client().chat.completions.create(model="deepseek-flash", messages=history, tools=[TOOL])
    assert fake_deepseek.requests[-1].json["messages"][1]["reasoning_content"] == ""


@pytest.mark.parametrize("bad", ["hello", {"role": "user", "content": "hi"}, 42, None])
def test_messages_that_are_not_a_list_get_a_clear_error(bad: Any) -> None:
    with pytest.raises(InvalidRequestError, match="messages must be a list") as info:
        check_messages(bad)
    assert "messages=[...]" in info.value.fix
    with pytest.raises(InvalidRequestError, match="tools must be a list"):
        check_messages([USER], tools=TOOL)


def test_named_tool_choice_is_fine_with_thinking_off(fake_deepseek: FakeDeepSeek) -> None:
    choice = {"type": "function", "function": {"name": "get_time"}}
    check_messages([USER], tools=[TOOL], tool_choice=choice, thinking=False)
    check_messages([USER], tools=[TOOL], tool_choice="auto")
    fake_deepseek.add_reply(tool_calls=[{"name": "get_time", "arguments": "{}"}])
    reply = fake_deepseek.client().chat.completions.create(
        model="deepseek-flash", messages=[USER], tools=[TOOL], tool_choice=choice, **thinking(False)
    )
    assert reply.choices[0].finish_reason == "tool_calls"


def test_a_valid_prefix_history_passes() -> None:
    check_messages([USER, prefix_message("```python\n", reasoning="Write it.")], tools=[TOOL], beta=True)


# -- prefix completion -----------------------------------------------------------------------------------------


def test_prefix_message_shape() -> None:
    assert prefix_message("```python\n") == {"role": "assistant", "content": "```python\n", "prefix": True}
    assert prefix_message("A", reasoning="")["reasoning_content"] == ""


def test_complete_prefix_returns_prefix_plus_continuation(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client(beta=True)
    history = [USER]
    code = complete_prefix(client, history, "```python\n", stop=["```"], max_tokens=200)
    assert code.startswith("```python\nprint(") and "```" not in code[3:]
    sent = fake_deepseek.requests[-1]
    assert sent.path == "/beta/chat/completions" and sent.json["stop"] == ["```"] and sent.json["max_tokens"] == 200
    assert sent.json["messages"][-1] == {"role": "assistant", "content": "```python\n", "prefix": True}
    assert history == [USER]


async def test_acomplete_prefix_seeds_reasoning(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_reply(" world", reasoning="go on")
    async with fake_deepseek.async_client(beta=True) as client:
        text = await acomplete_prefix(client, [USER], prefix_message("Hello", reasoning="Say hello."))
    assert text == "Hello world"
    assert fake_deepseek.requests[-1].json["messages"][-1]["reasoning_content"] == "Say hello."


def test_complete_prefix_needs_a_beta_client(fake_deepseek: FakeDeepSeek) -> None:
    with pytest.raises(InvalidRequestError, match="beta base URL") as info:
        complete_prefix(fake_deepseek.client(), [USER], "Sure")
    assert "create_client(beta=True)" in info.value.fix and info.value.rule == "prefix_not_beta"
    with pytest.raises(InvalidRequestError, match="does not stream"):
        complete_prefix(fake_deepseek.client(beta=True), [USER], "Sure", stream=True)
    assert fake_deepseek.requests == []


@pytest.mark.parametrize("prefix", [42, None, ["```"]])
def test_complete_prefix_refuses_a_prefix_that_is_not_text(fake_deepseek: FakeDeepSeek, prefix: Any) -> None:
    with pytest.raises(InvalidRequestError, match="prefix must be a string or a prefix_message"):
        complete_prefix(fake_deepseek.client(beta=True), [USER], prefix)
    assert fake_deepseek.requests == []


@pytest.mark.parametrize("thing", ["The answer is 4.", b"x", 42, None])
def test_assistant_turn_refuses_what_is_not_a_reply(thing: Any) -> None:
    # assistant_turn(reply.choices[0].message.content) used to return an empty turn: the text was lost.
    with pytest.raises(InvalidRequestError, match="takes a completion or message") as info:
        assistant_turn(thing)
    assert "assistant_turn(reply)" in info.value.fix
