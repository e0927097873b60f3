"""Our warnings are shown under Python's default filters, also when a framework's code makes the call."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import openai
import pytest

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
