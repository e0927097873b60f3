"""``deepseek-openai batch``: exit codes, summary, refusal with line numbers, and SIGTERM + resume in a real process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from deepseek_openai.cli import main
from deepseek_openai.testing import FakeDeepSeek
from tests._cli_words import PYTHON_WORDS

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


def against(ds: FakeDeepSeek, folder: Path, key: str | None = None) -> list[str]:
    """The flags that point ``batch`` at the double, its key (or ``key``) in an env file as a user keeps it."""
    env_file = folder / "keys.env"
    env_file.write_text(f"DEEPSEEK_API_KEY={key or ds.api_key}\n")
    return ["--base-url", ds.base_url, "--env-file", str(env_file)]


def test_offline_batch_writes_every_line_and_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_input(tmp_path / "in.jsonl", 5, model="gpt-4o")
    code = main(["--offline", "batch", str(src), "-o", str(tmp_path / "out.jsonl"), "--model", "deepseek-flash"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 5
    assert "batch: 5 ok, 0 failed, 0 already done, 0 not sent" in err
    assert "tokens: 0 cache hit" in err and "cost: $" in err and "¥" in err


def test_openai_model_names_get_one_grouped_explanation_and_one_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_input(tmp_path / "in.jsonl", 25, model="gpt-4o-mini")
    code = main(["--offline", "batch", str(src), "-o", str(tmp_path / "out.jsonl")])
    err = capsys.readouterr().err
    assert code == 2
    assert "25 lines name OpenAI models ('gpt-4o-mini'): lines 1, 2, 3, 4, 5 and 20 more" in err
    assert err.count("OpenAI model") == 2  # the explanation and the fix, not a sentence a line
    assert err.count("--model deepseek-flash") == 1 and "\nfix: pass --model deepseek-flash to replace" in err
    assert "(CLI)" not in err and "(Python)" not in err
    assert not (tmp_path / "out.jsonl").exists()


def test_a_bad_budget_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_input(tmp_path / "in.jsonl", 1)
    assert main(["--offline", "batch", str(src), "-o", str(tmp_path / "o"), "--max-cost", "lots"]) == 2
    assert "--max-cost 'lots' is not an amount" in capsys.readouterr().err


@pytest.mark.slow  # a real process: the slow leg (pytest -m slow)
def test_sigterm_stops_cleanly_a_second_one_at_once_and_the_same_command_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_input(tmp_path / "in.jsonl", 30)
    out = tmp_path / "out.jsonl"
    with FakeDeepSeek() as ds:
        ds.latency = 0.05
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DEEPSEEK_", "OPENAI_"))}
        env.update(DEEPSEEK_API_KEY=ds.api_key, DEEPSEEK_BASE_URL=ds.base_url)
        command = [sys.executable, "-m", "deepseek_openai", "batch", str(src), "-o", str(out), "--concurrency", "2"]
        proc = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
        deadline = time.monotonic() + DEADLINE
        while (not out.exists() or len(out.read_bytes().splitlines()) < 3) and time.monotonic() < deadline:
            time.sleep(0.02)
        began = time.time()
        ds.start_outage("hang")  # the requests admitted from now on never get an answer
        while sum(r.received >= began for r in ds.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)  # until both slots hold a request that hangs
        proc.send_signal(signal.SIGTERM)  # first: no new request, wait for those in flight (they hang)
        time.sleep(0.3)
        waiting = proc.poll() is None
        proc.send_signal(signal.SIGTERM)  # second: at once
        _, err = proc.communicate(timeout=DEADLINE)
        assert waiting and proc.returncode == 130, err
        assert "stopping: no new requests; waiting up to 30 s" in err and "stopped at once" in err
        assert "resume: deepseek-openai batch" in err
        raw = out.read_bytes()
        assert raw.endswith(b"\n")
        first = [json.loads(x)["custom_id"] for x in raw.splitlines()]
        assert 3 <= len(first) < 30
        ds.end_outage()
        ds.latency = 0.0
        monkeypatch.setenv("DEEPSEEK_API_KEY", ds.api_key)
        monkeypatch.setenv("DEEPSEEK_BASE_URL", ds.base_url)
        code = main(command[3:])  # the same command again, in this process (a second interpreter start is slow)
    again = capsys.readouterr().err
    assert code == 0, again
    assert f"{len(first)} already done" in again
    ids = [json.loads(x)["custom_id"] for x in out.read_text().splitlines()]
    assert sorted(ids) == sorted(f"task-{i}" for i in range(30)) and ids[: len(first)] == first
    assert not (tmp_path / "out.jsonl.lock").exists()


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda tmp: (tmp / "missing.jsonl", tmp / "out.jsonl"), "the input file"),
        (lambda tmp: (tmp / "in.jsonl", tmp / "no-folder" / "out.jsonl"), "the output folder"),
        (lambda tmp: (tmp / "in.jsonl", tmp), "is a directory"),
        (lambda tmp: (tmp / "in.jsonl", Path("/dev/null")), "not a regular file"),
        (lambda tmp: (tmp / "in.jsonl", tmp / "in.jsonl"), "is the input"),
    ],
)
def test_file_problems_are_usage_errors_with_a_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Any, expected: str
) -> None:
    write_input(tmp_path / "in.jsonl", 2)
    src, out = make(tmp_path)
    code = main(["--offline", "batch", str(src), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: ") and expected in err and "\nfix: " in err and "Errno" not in err


def test_a_402_stop_prints_the_fix_and_a_resume_command_that_keeps_the_endpoint_and_key_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_input(tmp_path / "in.jsonl", 20)
    out = tmp_path / "out.jsonl"
    with FakeDeepSeek(balance="0") as ds:
        command = ["batch", str(src), "-o", str(out), *against(ds, tmp_path)]
        code = main([*command, "--timeout", "5", "--concurrency", "2"])
        err = capsys.readouterr().err
        assert code == 1, err
        assert "error: the DeepSeek account has no balance left (HTTP 402" in err and "20 request(s) not sent" in err
        assert "fix: top up at https://platform.deepseek.com/top_up" in err
        resume = err.split("resume: ", 1)[1].strip()
        assert f"--base-url {ds.base_url}" in resume and f"--env-file {tmp_path / 'keys.env'}" in resume
        assert "--timeout 5" in resume and "--concurrency 2" in resume
        ds.balance = "5"
        assert main(resume.split()[1:]) == 0  # the printed command, as printed, sends the rest
    assert len(out.read_text().splitlines()) == 20


def test_timeout_retries_a_reply_that_never_comes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_input(tmp_path / "in.jsonl", 3)
    out = tmp_path / "out.jsonl"
    with FakeDeepSeek() as ds:
        ds.add_fault("hang")
        code = main(
            ["batch", str(src), "-o", str(out), *against(ds, tmp_path), "--timeout", "0.2", "--concurrency", "1"]
        )
        err = capsys.readouterr().err
        assert code == 0, err
        assert len(ds.requests) == 4 and "1 retries" in err
    assert len(out.read_text().splitlines()) == 3


def test_an_offline_output_is_not_resumed_against_deepseek(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_input(tmp_path / "in.jsonl", 4)
    out = tmp_path / "out.jsonl"
    half = write_input(tmp_path / "half.jsonl", 2)
    assert main(["--offline", "batch", str(half), "-o", str(out)]) == 0
    assert all(json.loads(x)["id"].startswith("batch_req_offline_") for x in out.read_text().splitlines())
    before = out.read_bytes()
    capsys.readouterr()
    with FakeDeepSeek() as ds:
        code = main(["batch", str(src), "-o", str(out), *against(ds, tmp_path)])
        err = capsys.readouterr().err
        assert code == 2 and "answered by the offline double" in err and ds.requests == []
    assert out.read_bytes() == before
    assert main(["--offline", "batch", str(src), "-o", str(out)]) == 0  # offline again: resumes


# -- batch speaks in flags and in what to write in the lines (issue 18 items 4 and 8) -------------------------------


def _line(custom_id: str, **body: Any) -> str:
    body.setdefault("model", "deepseek-flash")
    body.setdefault("messages", [{"role": "user", "content": "json, please"}])
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body})


def test_warnings_say_what_to_write_in_the_lines_not_python_or_flags_batch_lacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}
    schema = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}
    lines = [
        _line("retired-chat", model="deepseek-chat"),
        _line("retired-reasoner", model="deepseek-reasoner"),
        _line("sampling", temperature=0.5, presence_penalty=0.1),
        _line("forced", tools=[tool], tool_choice="required"),
        _line("schema", response_format=schema),
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(x + "\n" for x in lines))
    code = main(["--offline", "batch", str(src), "-o", str(tmp_path / "out.jsonl")])
    err = capsys.readouterr().err
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 5, err
    fixes = [w.partition("To silence this: ")[2] for w in warnings]
    assert all(fix.endswith(".") and len(fix) > 20 for fix in fixes), fixes  # never an empty "To silence this: ."
    assert 'write "model": "deepseek-flash" and "thinking": {"type": "disabled"} in those lines\' bodies.' in fixes
    assert 'write "model": "deepseek-flash" in those lines\' bodies (thinking is on by default).' in fixes
    assert (
        'drop "temperature" and "presence_penalty" from those lines\' bodies, or add "thinking": {"type": '
        '"disabled"} to them.' in fixes
    )
    assert any(fix.startswith('add "thinking": {"type": "disabled"} to the bodies of the lines') for fix in fixes)
    assert any(fix.startswith('ask for "response_format": {"type": "json_object"} in those lines') for fix in fixes)
    for fix in fixes:  # batch has no per-request flags
        assert "--no-thinking" not in fix and "--temperature" not in fix and "--max-tokens" not in fix, fix
    assert not PYTHON_WORDS.search(err), err


def test_output_problems_name_the_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_input(tmp_path / "in.jsonl", 1)
    notes = tmp_path / "notes.jsonl"
    notes.write_text("my notes\n")
    for output, fix in (
        (notes, "fix: choose a new output file with -o (or delete"),
        (src, "fix: choose another output file with -o."),
    ):
        assert main(["--offline", "batch", str(src), "-o", str(output)]) == 2
        err = capsys.readouterr().err
        assert fix in err and not PYTHON_WORDS.search(err), err


def test_a_refused_key_stops_with_the_cli_key_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_input(tmp_path / "in.jsonl", 3)
    with FakeDeepSeek() as ds:
        flags = against(ds, tmp_path, key="sk-refused-by-the-double-0000")
        code = main(["batch", str(src), "-o", str(tmp_path / "out.jsonl"), *flags, "--concurrency", "1"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "fix: check DEEPSEEK_API_KEY (in the environment, a .env file or the file --env-file names), then" in err
    assert not PYTHON_WORDS.search(err), err


def test_a_spent_budget_names_the_flag_and_the_lines_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_input(tmp_path / "in.jsonl", 5)
    with FakeDeepSeek() as ds:
        code = main(
            ["batch", str(src), "-o", str(tmp_path / "out.jsonl"), *against(ds, tmp_path), "--max-cost", "0.0001"]
        )
    err = capsys.readouterr().err
    assert code == 1, err
    assert 'fix: raise --max-cost to send the rest, or give the requests a smaller "max_tokens" in their bodies.' in err
    assert not PYTHON_WORDS.search(err), err
