"""Our warnings are shown under Python's default filters, also when a framework's code makes the call."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai
import pytest

import deepseek_openai
from deepseek_openai import CompatWarning, LegacyModelWarning
from deepseek_openai.testing import FakeDeepSeek

FRAMEWORK = """
import warnings

TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}


def run(client):
    warnings.warn("control: a DeprecationWarning from framework code", DeprecationWarning)
    client.chat.completions.create(model="deepseek-chat", messages=[{"role": "user", "content": "hi"}])
    client.chat.completions.create(
        model="deepseek-flash", messages=[{"role": "user", "content": "hi"}], tools=[TOOL], tool_choice="required"
    )
"""

MAIN = """
from deepseek_openai.testing import FakeDeepSeek
import fakeframework

with FakeDeepSeek() as ds:
    fakeframework.run(ds.client())
print("done")
"""


@pytest.mark.slow  # a real process: the slow leg (pytest -m slow)
def test_warnings_from_framework_code_are_shown_by_default(tmp_path: Path) -> None:
    (tmp_path / "fakeframework.py").write_text(textwrap.dedent(FRAMEWORK), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    env["PYTHONPATH"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", MAIN], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0 and "done" in done.stdout, done.stderr
    assert "control: a DeprecationWarning" not in done.stderr  # teeth: a DeprecationWarning there is hidden
    assert "fakeframework.py:9: LegacyModelWarning: model 'deepseek-chat' was retired" in done.stderr
    assert "fakeframework.py:10: CompatWarning: tool_choice forces a tool call" in done.stderr


def test_categories_are_ones_python_shows_by_default() -> None:
    assert issubclass(LegacyModelWarning, FutureWarning) and not issubclass(LegacyModelWarning, DeprecationWarning)
    assert issubclass(CompatWarning, UserWarning)


# -- Python's warning machinery decides what is shown (issue 18 item 3) -----------------------------------------------

HI: Any = [{"role": "user", "content": "hi"}]


def _legacy(client: openai.OpenAI) -> None:
    client.chat.completions.create(model="deepseek-chat", messages=HI)  # one calling line for every call below


def test_pytest_warns_catches_the_same_warning_twice(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client()
    with pytest.warns(LegacyModelWarning, match="deepseek-chat"):
        _legacy(client)
    with pytest.warns(LegacyModelWarning, match="deepseek-chat"):  # what a second test of a suite does
        _legacy(client)


def test_always_shows_every_warning_and_default_shows_it_once_per_line(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            _legacy(client)
    assert [w.category for w in caught] == [LegacyModelWarning] * 3
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")  # Python's own action for FutureWarning and UserWarning
        for _ in range(3):
            _legacy(client)
        client.chat.completions.create(model="deepseek-chat", messages=HI)  # another line: shown again
        client.chat.completions.create(model="deepseek-reasoner", messages=HI)  # another message: shown
    assert ["deepseek-reasoner" in str(w.message) for w in caught] == [False, False, True]
    assert {w.filename for w in caught} == {__file__}  # attributed to the caller's lines ...
    assert caught[0].lineno == _legacy.__code__.co_firstlineno + 1  # ... the one inside _legacy first
    assert len(fake_deepseek.requests) == 8


def test_error_filter_raises_every_time_and_nothing_is_sent(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(2):
            with pytest.raises(LegacyModelWarning):
                _legacy(client)
    assert fake_deepseek.requests == []  # raised in the hook, before the network, both times


def test_ignore_filter_silences_only_what_it_names(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=LegacyModelWarning)
        _legacy(client)
        client.chat.completions.create(model="deepseek-flash", messages=HI, temperature=0.5)
    assert [w.category for w in caught] == [CompatWarning]


# -- every warning a framework user sees names a fix they can apply (issue 18 item 4) --------------------------------

TOOL: Any = {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}
SCHEMA: Any = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}
_FILTER = re.compile(r"warnings\.filterwarnings\([^()]*\)")


def _turn_without_reasoning(ds: FakeDeepSeek) -> None:
    client = ds.client()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the forced call itself warns too: not this case
        forced = client.chat.completions.create(
            model="deepseek-flash", messages=HI, tools=[TOOL], tool_choice="required"
        )
    (call,) = forced.choices[0].message.tool_calls or []
    turn = {"role": "assistant", "content": None, "tool_calls": [call.model_dump(exclude_none=True)]}
    answer = {"role": "tool", "tool_call_id": call.id, "content": "done"}
    client.chat.completions.create(model="deepseek-flash", messages=[*HI, turn, answer], tools=[TOOL])


SEEN_BY_FRAMEWORKS: dict[str, tuple[Callable[[FakeDeepSeek], object], type[Warning]]] = {
    "legacy_model": (
        lambda ds: ds.client().chat.completions.create(model="deepseek-chat", messages=HI),
        LegacyModelWarning,
    ),
    "forced_tool_choice": (
        lambda ds: ds.client().chat.completions.create(
            model="deepseek-flash", messages=HI, tools=[TOOL], tool_choice="required"
        ),
        CompatWarning,
    ),
    "json_schema": (
        lambda ds: ds.client().chat.completions.create(
            model="deepseek-flash", messages=[{"role": "user", "content": "json please"}], response_format=SCHEMA
        ),
        CompatWarning,
    ),
    "sampling": (
        lambda ds: ds.client().chat.completions.create(model="deepseek-flash", messages=HI, temperature=0.3),
        CompatWarning,
    ),
    "turn_without_reasoning": (_turn_without_reasoning, CompatWarning),
    "reasoning_memory": (
        lambda ds: ds.client(missing_reasoning="disable_thinking").chat.completions.create(
            model="deepseek-flash", messages=[*HI, {"role": "assistant", "content": "Sure."}, *HI], tools=[TOOL]
        ),
        CompatWarning,
    ),
}


def _shown(ds: FakeDeepSeek, name: str, *filters: str) -> list[warnings.WarningMessage]:
    trigger, category = SEEN_BY_FRAMEWORKS[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for line in filters:
            exec(line, {"warnings": warnings, "deepseek_openai": deepseek_openai})
        trigger(ds)
    return [w for w in caught if issubclass(w.category, category)]


@pytest.mark.parametrize("name", sorted(SEEN_BY_FRAMEWORKS))
def test_each_warning_names_the_filter_that_silences_it_and_what_was_sent(
    name: str, fake_deepseek: FakeDeepSeek
) -> None:
    (warning,) = _shown(fake_deepseek, name)
    text = str(warning.message)
    assert "To silence this" in text and " sent " in text  # how to silence it, and what went on the wire
    assert warning.filename == __file__  # the line to put a filter on is the caller's
    found = _FILTER.findall(text)
    assert len(found) == 1, text
    sent = len(fake_deepseek.requests)
    assert _shown(fake_deepseek, name, found[0]) == []  # the named filter line, applied as written, silences it ...
    assert len(fake_deepseek.requests) > sent  # ... and the request is still sent
    others = [other for other in SEEN_BY_FRAMEWORKS if other != name]
    assert all(_shown(fake_deepseek, other, found[0]) for other in others)  # ... and it silences nothing else


# An SDK frame between the user's line and our code, as when openai or httpx calls back into a helper: one stack
# walker (``_warnings.user_stacklevel``) skips this package, openai, httpx and asyncio alike for every warning.
_SDK = "def call(function, *args, **kwargs):\n    return function(*args, **kwargs)\n"


def _through_sdk(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    namespace: dict[str, Any] = {"__name__": "openai._callback"}
    exec(compile(_SDK, "openai/_callback.py", "exec"), namespace)  # a stand-in SDK module
    return namespace["call"](function, *args, **kwargs)


STRICT_TOOL = {
    "type": "function",
    "function": {"name": "f", "strict": True, "parameters": {"type": "object", "properties": {}}},
}


def _warning_entry_points(client: openai.OpenAI) -> dict[str, Callable[[], object]]:
    # One call per place that warns: the hook (warn_once), a rule that warns (Rule.enforce), thinking()'s effort.
    return {
        "hook": lambda: client.chat.completions.create(model="deepseek-chat", messages=HI),
        "rule": lambda: deepseek_openai.check_messages(HI, tools=[STRICT_TOOL]),
        "thinking": lambda: deepseek_openai.thinking(effort="medium"),
    }


@pytest.mark.parametrize("entry", ["hook", "rule", "thinking"])
def test_each_warning_names_the_users_line(fake_deepseek: FakeDeepSeek, entry: str) -> None:
    call = _warning_entry_points(fake_deepseek.client())[entry]
    with pytest.warns(Warning) as record:
        call()
    assert record[0].filename == __file__, (entry, record[0].filename)
    assert record[0].lineno == call.__code__.co_firstlineno  # the lambda's own line


@pytest.mark.parametrize("entry", ["hook", "rule", "thinking"])
def test_each_warning_skips_sdk_frames_to_the_users_line(fake_deepseek: FakeDeepSeek, entry: str) -> None:
    client = fake_deepseek.client()
    targets: dict[str, tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = {
        "hook": (client.chat.completions.create, (), {"model": "deepseek-chat", "messages": HI}),
        "rule": (deepseek_openai.check_messages, (HI,), {"tools": [STRICT_TOOL]}),
        "thinking": (deepseek_openai.thinking, (), {"effort": "medium"}),
    }
    function, args, kwargs = targets[entry]
    with pytest.warns(Warning) as record:
        _through_sdk(function, *args, **kwargs)
    assert record[0].filename == __file__, (entry, record[0].filename)
