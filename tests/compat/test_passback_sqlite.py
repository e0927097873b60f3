"""Reasoning passback across processes and restarts through a real SQLite file (``reasoning_store="sqlite:///..."``).

Each round of a tool loop runs in a new Python process, as the workers of a web server (or an app restarted between
rounds) do, with the history kept without reasoning between them; the double checks DeepSeek's passback rule.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from deepseek_openai.testing import FakeDeepSeek
from tests._rounds import run_round

pytestmark = pytest.mark.slow  # every round is a fresh Python process: the slow leg (pytest -m slow)


def three_rounds(ds: FakeDeepSeek, store: str, history: Path) -> None:
    ds.add_reply(reasoning="first, look it up", tool_calls=[{"name": "lookup", "arguments": {}}])
    ds.add_reply(reasoning="then look again", tool_calls=[{"name": "lookup", "arguments": {"again": True}}])
    ds.add_reply("It is 42.", reasoning="now answer")
    history.write_text(json.dumps([{"role": "user", "content": "what is it?"}]))
    for _ in range(3):
        done = run_round(ds.base_url, ds.api_key, store, history)
        assert done.returncode == 0, done.stderr[-2000:]


def test_a_tool_loop_whose_rounds_run_in_different_processes(fake_deepseek: FakeDeepSeek, tmp_path: Path) -> None:
    database = tmp_path / "reasoning.db"
    three_rounds(fake_deepseek, f"sqlite:///{database}", tmp_path / "history.json")
    sent = [m.get("reasoning_content") for m in fake_deepseek.requests[-1].json["messages"] if m["role"] == "assistant"]
    assert sent == ["first, look it up", "then look again"]  # each filled in a process that never saw the reply
    assert stat.S_IMODE(os.stat(database).st_mode) == 0o600
    assert b"what is it?" not in database.read_bytes()  # keys are digests; the text asked is not stored


def test_without_a_shared_store_the_second_process_is_refused(fake_deepseek: FakeDeepSeek, tmp_path: Path) -> None:
    fake_deepseek.add_reply(reasoning="first", tool_calls=[{"name": "lookup", "arguments": {}}])
    history = tmp_path / "history.json"
    history.write_text(json.dumps([{"role": "user", "content": "what is it?"}]))
    assert run_round(fake_deepseek.base_url, fake_deepseek.api_key, "memory", history).returncode == 0
    refused = run_round(fake_deepseek.base_url, fake_deepseek.api_key, "memory", history)
    assert refused.returncode != 0 and "InvalidRequestError" in refused.stderr
    assert len(fake_deepseek.requests) == 1  # refused before the network


@pytest.mark.parametrize("other", ["another.db", None])
def test_another_store_or_account_is_not_filled(fake_deepseek: FakeDeepSeek, tmp_path: Path, other: str | None) -> None:
    database = tmp_path / "reasoning.db"
    fake_deepseek.add_reply(reasoning="first", tool_calls=[{"name": "lookup", "arguments": {}}])
    history = tmp_path / "history.json"
    history.write_text(json.dumps([{"role": "user", "content": "what is it?"}]))
    assert run_round(fake_deepseek.base_url, fake_deepseek.api_key, f"sqlite:///{database}", history).returncode == 0
    store = f"sqlite:///{tmp_path / other}" if other else f"sqlite:///{database}"
    with FakeDeepSeek() as elsewhere:  # None: the same store, but another server (another account)
        base_url = fake_deepseek.base_url if other else elsewhere.base_url
        refused = run_round(base_url, fake_deepseek.api_key, store, history)
    assert refused.returncode != 0 and "InvalidRequestError" in refused.stderr
