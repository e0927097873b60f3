"""README, "Why not just openai.OpenAI(base_url=...)": every row of its table, run both ways against the double."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai
import pytest

from deepseek_openai import CompatWarning, LegacyModelWarning, create_client
from deepseek_openai.testing import FakeDeepSeek

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("## Why not just") : README.index("## The client")]

HI = [{"role": "user", "content": "hi"}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    }
]
SCHEMA = {"type": "json_schema", "json_schema": {"name": "city", "schema": {"type": "object"}}}


def retired(client: openai.OpenAI) -> Any:
    return client.chat.completions.create(model="deepseek-chat", messages=HI)


def tool_loop(client: openai.OpenAI) -> Any:
    ask = [{"role": "user", "content": "Weather in Paris?"}]
    first = client.chat.completions.create(model="deepseek-flash", messages=ask, tools=TOOLS)
    call = first.choices[0].message.tool_calls[0]  # type: ignore[index]
    turn = {"role": "assistant", "content": "", "tool_calls": [call.model_dump()]}  # no reasoning_content
    result = {"role": "tool", "tool_call_id": call.id, "content": "sunny"}
    return client.chat.completions.create(model="deepseek-flash", messages=[*ask, turn, result], tools=TOOLS)


def forced_tool(client: openai.OpenAI) -> Any:
    return client.chat.completions.create(model="deepseek-flash", messages=HI, tools=TOOLS, tool_choice="required")


def json_schema(client: openai.OpenAI) -> Any:
    return client.chat.completions.create(model="deepseek-flash", messages=HI, response_format=SCHEMA)  # type: ignore[arg-type]


def developer(client: openai.OpenAI) -> Any:
    messages = [{"role": "developer", "content": "Be brief."}, *HI]
    return client.chat.completions.create(model="deepseek-flash", messages=messages)  # type: ignore[arg-type]


# (request, status and DeepSeek's message through a plain client, the warning ours shows or None, the table's words)
ROWS: list[tuple[Callable[[openai.OpenAI], Any], int, str, type[Warning] | None, str]] = [
    (retired, 400, "Model Not Exist", LegacyModelWarning, '`model="deepseek-chat"`'),
    (tool_loop, 400, "must be passed back", None, "a tool loop whose assistant turn comes back without"),
    (forced_tool, 400, "Thinking mode does not support this tool_choice", CompatWarning, '`tool_choice="required"`'),
    (json_schema, 400, "This response_format type is unavailable", CompatWarning, "`response_format` `json_schema`"),
    (developer, 422, "unknown variant `developer`", None, "a `developer` message"),
]


@pytest.mark.parametrize("row", ROWS, ids=[r[0].__name__ for r in ROWS])
def test_a_plain_client_gets_deepseeks_refusal_and_ours_is_accepted(
    row: tuple[Any, ...], fake_deepseek: FakeDeepSeek, monkeypatch: pytest.MonkeyPatch
) -> None:
    send, status, message, warning, words = row
    (line,) = [line for line in SECTION.splitlines() if line.startswith(f"| {words}")]  # the README's row
    assert f"| {status} `" in line
    plain = openai.OpenAI(api_key=fake_deepseek.api_key, base_url=fake_deepseek.base_url, max_retries=0)
    with pytest.raises(openai.APIStatusError, match=re.escape(message)) as refused:
        send(plain)
    assert refused.value.status_code == status
    monkeypatch.setenv("DEEPSEEK_API_KEY", fake_deepseek.api_key)
    monkeypatch.setenv("DEEPSEEK_BASE_URL", fake_deepseek.base_url)
    ours = create_client()
    if warning is None:
        send(ours)
    else:
        with pytest.warns(warning):
            send(ours)


OPENAI_ENV = {
    "OPENAI_API_KEY": "sk-openai-not-for-deepseek-0000",
    "OPENAI_ORG_ID": "org-mine",
    "OPENAI_PROJECT_ID": "proj_mine",
    "OPENAI_CUSTOM_HEADERS": "X-Team: ml-research",
}


def test_openai_env_reaches_deepseek_through_a_plain_client_only(
    fake_deepseek: FakeDeepSeek, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert all(name in SECTION for name in ("OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "OPENAI_CUSTOM_HEADERS"))
    for name, value in OPENAI_ENV.items():
        monkeypatch.setenv(name, value)
    no_key = openai.OpenAI(base_url=fake_deepseek.base_url, max_retries=0)
    with pytest.raises(openai.AuthenticationError):  # "no api_key=": OPENAI_API_KEY went to DeepSeek
        no_key.chat.completions.create(model="deepseek-flash", messages=HI)  # type: ignore[arg-type]
    assert fake_deepseek.requests[-1].headers["authorization"] == "Bearer " + OPENAI_ENV["OPENAI_API_KEY"]
    plain = openai.OpenAI(api_key=fake_deepseek.api_key, base_url=fake_deepseek.base_url, max_retries=0)
    plain.chat.completions.create(model="deepseek-flash", messages=HI)  # type: ignore[arg-type]
    sent = fake_deepseek.requests[-1].headers
    leaked = (sent.get("openai-organization"), sent.get("openai-project"), sent.get("x-team"))
    monkeypatch.setenv("DEEPSEEK_API_KEY", fake_deepseek.api_key)
    monkeypatch.setenv("DEEPSEEK_BASE_URL", fake_deepseek.base_url)
    create_client().chat.completions.create(model="deepseek-flash", messages=HI)  # type: ignore[arg-type]
    ours = fake_deepseek.requests[-1].headers
    assert ours["authorization"] == f"Bearer {fake_deepseek.api_key}"
    assert (ours.get("openai-organization"), ours.get("openai-project"), ours.get("x-team")) == (None, None, None)
    # What a plain client leaks: OPENAI_CUSTOM_HEADERS is read only by newer SDKs (2.54 and 3.57 do; the README's
    # table was measured on 3.57.0), so only a 3.x SDK must show it.
    assert leaked[:2] == ("org-mine", "proj_mine")
    if int(openai.__version__.split(".")[0]) >= 3 and leaked[2] is None:
        pytest.fail(f"openai {openai.__version__} did not send OPENAI_CUSTOM_HEADERS: check the README's claim")
