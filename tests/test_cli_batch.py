"""``deepseek-openai batch``: exit codes, summary, refusal with line numbers, and SIGTERM + resume in a real process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deepseek_openai.cli import main
from deepseek_openai.testing import FakeDeepSeek

DEADLINE = 30.0  # a safety net against hangs, never a measured bound


def write_input(path: Path, count: int, model: str = "deepseek-flash") -> Path:
    rows = (
        {
            "custom_id": f"task-{i}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": model, "messages": [{"role": "user", "content": f"question {i}"}]},
        }
        for i in range(count)
    )
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_offline_batch_writes_every_line_and_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_input(tmp_path / "in.jsonl", 5, model="gpt-4o")
    code = main(["--offline", "batch", str(src), "-o", str(tmp_path / "out.jsonl"), "--model", "deepseek-flash"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 5
    assert "batch: 5 ok, 0 failed, 0 already done, 0 not sent" in err
    assert "tokens: 0 cache hit" in err and "cost: $" in err and "¥" in err


def test_an_openai_model_without_model_is_refused_with_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_input(tmp_path / "in.jsonl", 2, model="gpt-4o")
    code = main(["--offline", "batch", str(src), "-o", str(tmp_path / "out.jsonl")])
    err = capsys.readouterr().err
    assert code == 2
    assert "line 1: 'gpt-4o' is an OpenAI model name: pass --model deepseek-flash" in err and "line 2:" in err
    assert not (tmp_path / "out.jsonl").exists()


def test_a_bad_budget_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_input(tmp_path / "in.jsonl", 1)
    assert main(["--offline", "batch", str(src), "-o", str(tmp_path / "o"), "--max-cost", "lots"]) == 2
    assert "--max-cost 'lots' is not an amount" in capsys.readouterr().err


@pytest.mark.slow  # a real process: the slow leg (pytest -m slow)
def test_sigterm_stops_cleanly_and_the_same_command_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_input(tmp_path / "in.jsonl", 30)
    out = tmp_path / "out.jsonl"
    with FakeDeepSeek() as ds:
        ds.latency = 0.1
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DEEPSEEK_", "OPENAI_"))}
        env.update(DEEPSEEK_API_KEY=ds.api_key, DEEPSEEK_BASE_URL=ds.base_url)
        command = [sys.executable, "-m", "deepseek_openai", "batch", str(src), "-o", str(out), "--concurrency", "2"]
        proc = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
        deadline = time.monotonic() + DEADLINE
        while (not out.exists() or len(out.read_bytes().splitlines()) < 3) and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=DEADLINE)
        assert proc.returncode == 130, err
        assert "interrupted: every line in" in err and "resume: deepseek-openai batch" in err
        raw = out.read_bytes()
        assert raw.endswith(b"\n")
        first = [json.loads(x)["custom_id"] for x in raw.splitlines()]
        assert 3 <= len(first) < 30
        ds.latency = 0.0
        monkeypatch.setenv("DEEPSEEK_API_KEY", ds.api_key)
        monkeypatch.setenv("DEEPSEEK_BASE_URL", ds.base_url)
        code = main(command[3:])  # the same command again, in this process (a second interpreter start is slow)
    again = capsys.readouterr().err
    assert code == 0, again
    assert f"{len(first)} already done" in again
    ids = [json.loads(x)["custom_id"] for x in out.read_text().splitlines()]
    assert sorted(ids) == sorted(f"task-{i}" for i in range(30)) and ids[: len(first)] == first
