"""Every script in examples/ runs against an offline FakeDeepSeek and prints what proves its feature worked."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# Substrings each example must print when run against the double. Add one entry per new example file.
EXPECTED: dict[str, list[str]] = {
    "first_call.py": ["model: deepseek-flash", "answer: Echo: Hello"],
    "first_call_async.py": ["model: deepseek-flash", "answer: Echo: Hello"],
    "fim.py": ["FIM completion:", "def fib(n: int) -> int:", "streamed: "],
    "json_output.py": ["parsed: {'echo': ", "validated: Corrected(echo=", "echo field: "],
    "context_caching.py": ["call 2: prompt", "cache hit tokens:", "prefix served from cache: True", "cost USD:"],
    "batch.py": ["first run: 3 ok, 0 failed", "q0: Echo: What is 2 + 2?", "second run: 3 already done, 0 sent"],
    "balance.py": ["available: True", "USD: total 100.00"],
    "thinking.py": ["thinking on: 52 characters of reasoning", "thinking off: reasoning is None", "budget"],
    "multi_round.py": ["round 2: 'Echo: Now a larger one.' (reasoning kept: True)", "caught before sending: passback"],
    "tool_calls.py": [
        "strict tool: get_weather required = ['city', 'unit']",
        "called get_weather(city=",
        "unit='celsius')",
        "rounds: 2",
        "(tools said: {",
    ],
    "prefix_completion.py": ["starts with prefix: True", "code: print('Echo: Write a one-line"],
    "streaming_async.py": ["[thinking] The user wrote", "[answer] Echo: Explain", "finish_reason: stop"],
    "responses_api.py": [
        "passed back: ['reasoning', 'function_call']",
        "called get_weather(",
        "streamed answer: Echo: What is the weather in Paris? (tools said: sunny, 21 C)",
        "finish_reason: stop",
    ],
    "vision.py": [
        "decodes back: True",
        "deepseek-v4-pro reads: text\n",
        "answer: Echo: [image_url]What colour",
        "uploaded: True",
        "deepseek-v4-pro: DeepSeek answered 400",
    ],
    "web_tools.py": ["search: 3 results", "fetched: 'Page at example.com'", "cost USD: 0.00150", "(search_query)"],
}


def _env(api_key: str, base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEEPSEEK_", "OPENAI_"))}
    env.update(DEEPSEEK_API_KEY=api_key, DEEPSEEK_BASE_URL=base_url)
    return env


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs_in_this_process(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The quick twin of the next test: the script runs as __main__ in this interpreter, in an empty folder.
    from deepseek_openai.testing import FakeDeepSeek

    with FakeDeepSeek() as ds:
        monkeypatch.setenv("DEEPSEEK_API_KEY", ds.api_key)
        monkeypatch.setenv("DEEPSEEK_BASE_URL", ds.base_url)
        runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    out = capsys.readouterr().out
    for expected in EXPECTED[name]:
        assert expected in out, f"{expected!r} missing from the output of examples/{name}:\n{out}"


@pytest.mark.slow  # a fresh interpreter per script: the slow leg (pytest -m slow)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs_against_the_double(name: str, tmp_path: Path) -> None:
    from deepseek_openai.testing import FakeDeepSeek

    script = EXAMPLES / name
    if not script.is_file():
        pytest.fail(f"examples/{name} is listed in EXPECTED but does not exist")
    with FakeDeepSeek() as ds:
        proc = subprocess.run(
            [sys.executable, str(script)],
            env=_env(ds.api_key, ds.base_url),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert proc.returncode == 0, f"examples/{name} failed:\n{proc.stdout}\n{proc.stderr}"
    for expected in EXPECTED[name]:
        assert expected in proc.stdout, f"{expected!r} missing from the output of examples/{name}:\n{proc.stdout}"
    assert sorted(p.name for p in tmp_path.iterdir()) == [], f"examples/{name} left files in the current folder"


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.slow  # a real process: the slow leg (pytest -m slow)
def test_batch_example_keeps_its_files_in_a_named_folder(tmp_path: Path) -> None:
    from deepseek_openai.testing import FakeDeepSeek

    with FakeDeepSeek() as ds:
        proc = _run([str(EXAMPLES / "batch.py"), "out/job"], _env(ds.api_key, ds.base_url), tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "kept in out/job: requests.jsonl, results.jsonl" in proc.stdout
    folder = tmp_path / "out" / "job"
    assert sorted(p.name for p in folder.iterdir()) == ["requests.jsonl", "results.jsonl"]
    assert len((folder / "results.jsonl").read_text().splitlines()) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.slow  # a real process: the slow leg (pytest -m slow)
@pytest.mark.parametrize("args", [[], ["kept"]])
def test_batch_example_without_a_key_writes_nothing(tmp_path: Path, args: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEEPSEEK_", "OPENAI_"))}
    proc = _run([str(EXAMPLES / "batch.py"), *args], {**env, "PYTHON_DOTENV_DISABLED": "1"}, tmp_path)
    assert proc.returncode == 1 and "MissingAPIKeyError" in proc.stderr and "DEEPSEEK_API_KEY" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no requests.jsonl, no empty results.jsonl


def test_every_example_has_an_expected_entry() -> None:
    scripts = {p.name for p in EXAMPLES.glob("*.py")}
    missing = sorted(scripts - set(EXPECTED))
    assert not missing, f"add these to EXPECTED in tests/test_examples.py: {missing}"


@pytest.mark.slow
def test_an_example_without_a_key_says_how_to_run_it_offline(tmp_path: Path) -> None:
    # Issue 18 item 7: the first thing someone without a key runs tells them about the offline double.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEEPSEEK_", "OPENAI_"))}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "first_call.py")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode != 0
    assert "MissingAPIKeyError" in proc.stderr
    assert "No key yet? `deepseek-openai serve` runs an offline DeepSeek double" in proc.stderr
