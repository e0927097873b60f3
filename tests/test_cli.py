"""The CLI in-process: ``main([...])`` against the offline double, output read with capsys."""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from deepseek_openai.cli import main
from deepseek_openai.cli.doctor import compare_models
from deepseek_openai.testing import FakeDeepSeek
from tests._cli_words import PYTHON_WORDS

COMMANDS = ["chat", "fim", "models", "balance", "cost", "doctor", "serve", "demo"]
NO_KEY_FIX = "export DEEPSEEK_API_KEY=sk-..."


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDeepSeek]:
    """A double the CLI finds through DEEPSEEK_API_KEY / DEEPSEEK_BASE_URL, as it would find DeepSeek."""
    with FakeDeepSeek() as ds:
        monkeypatch.setenv("DEEPSEEK_API_KEY", ds.api_key)
        monkeypatch.setenv("DEEPSEEK_BASE_URL", ds.base_url)
        yield ds


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- parser ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_help_of_every_command_shows_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    assert "examples:" in out
    assert f"deepseek-openai {command}" in out.split("examples:")[1]
    assert "exit codes:" in out
    assert "--offline" in out  # global options are listed on every command


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert re.match(r"deepseek-openai \d+\.\d+\.\d+ \(openai \d", out)
    assert run(capsys, "chat", "--version")[1] == out  # after the command too


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys)
    assert code == 2
    assert "COMMAND" in out


@pytest.mark.parametrize(
    "argv", [["--offline", "chat", "hi"], ["chat", "--offline", "hi"], ["chat", "hi", "--offline"]]
)
def test_global_options_before_or_after_the_command(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert out == "Echo: hi\n"


def test_offline_and_base_url_conflict(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--offline", "--base-url", "http://x", "balance")
    assert code == 2
    assert err.startswith("error: --offline and --base-url cannot be combined")


def test_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["chat", "--offline", "--bogus", "hi"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


# -- chat ------------------------------------------------------------------------------------------------------


def test_chat_piped_puts_answer_alone_on_stdout(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]) -> None:
    fake.add_reply("The sky scatters blue light.", reasoning="Rayleigh scattering.")
    code, out, err = run(capsys, "chat", "Why is the sky blue?")
    assert code == 0
    assert out == "The sky scatters blue light.\n"
    assert err.startswith("Rayleigh scattering.\n")
    assert "\x1b[" not in out + err  # no styling when not a terminal
    usage = err.splitlines()[-1]
    assert re.fullmatch(
        r"usage: \d+ prompt tokens \(0 cache hit, \d+ miss\), \d+ out \(\d+ reasoning\), "
        r"\$[0-9.]+ at (peak|off-peak) price",
        usage,
    ), usage
    body = fake.requests[-1].json
    assert body["stream"] is True
    assert body["model"] == "deepseek-flash"
    assert body["thinking"] == {"type": "enabled"}
    assert body["messages"] == [{"role": "user", "content": "Why is the sky blue?"}]


def test_chat_hide_reasoning(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]) -> None:
    fake.add_reply("Answer.", reasoning="Secret thoughts.")
    code, out, err = run(capsys, "chat", "--hide-reasoning", "q")
    assert code == 0
    assert out == "Answer.\n"
    assert "Secret thoughts" not in err
    assert err.startswith("usage: ")


def test_chat_prompt_from_stdin(
    fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("Summarise this text.\n"))
    code, out, _ = run(capsys, "chat", "--no-thinking")
    assert code == 0
    assert out == "Echo: Summarise this text.\n"
    assert fake.requests[-1].json["messages"][-1]["content"] == "Summarise this text.\n"


def test_chat_empty_stdin_is_a_usage_error(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code, _, err = run(capsys, "--offline", "chat")
    assert code == 2
    assert err.startswith("error: no prompt")


def test_chat_options_reach_the_request(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["chat", "--model", "deepseek-v4-pro", "--effort", "max", "--system", "Be brief.", "--max-tokens", "99", "q"]
    code, _, _ = run(capsys, *argv)
    assert code == 0
    body = fake.requests[-1].json
    assert body["model"] == "deepseek-v4-pro"
    assert body["reasoning_effort"] == "max"
    assert body["max_tokens"] == 99
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}


def test_chat_no_thinking_with_temperature(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "chat", "--no-thinking", "--temperature", "0.2", "q")
    assert code == 0
    assert out == "Echo: q\n"
    body = fake.requests[-1].json
    assert body["thinking"] == {"type": "disabled"}
    assert body["temperature"] == 0.2
    assert "warning" not in err


def test_chat_temperature_while_thinking_warns_on_stderr(
    fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "chat", "--temperature", "0.2", "q")
    assert code == 0
    assert "warning: sampling settings have no effect while thinking is on: DeepSeek ignores temperature" in err


def test_chat_json_mode(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]) -> None:
    fake.add_reply('{"primes": [2, 3, 5]}')
    code, out, _ = run(capsys, "chat", "--json", "List three primes")
    assert code == 0
    assert json.loads(out) == {"primes": [2, 3, 5]}
    body = fake.requests[-1].json
    assert body["response_format"] == {"type": "json_object"}
    # The prompt did not say "json", which DeepSeek's JSON mode needs: the CLI adds a system line that does.
    assert body["messages"][0] == {"role": "system", "content": "Reply with a JSON object."}


def test_chat_json_mode_keeps_prompt_that_mentions_json(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "chat", "--json", "Reply in JSON: the primes below 4")
    assert code == 0
    assert json.loads(out) == {"echo": "Reply in JSON: the primes below 4"}
    assert [m["role"] for m in fake.requests[-1].json["messages"]] == ["user"]


def test_chat_finish_reason_length_adds_a_note(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]) -> None:
    fake.add_reply("cut", finish_reason="length")
    code, out, err = run(capsys, "chat", "q")
    assert code == 0
    assert out == "cut\n"
    assert "note: finish_reason 'length'" in err


def test_chat_broken_stream_keeps_what_arrived(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]) -> None:
    fake.add_reply("one two three four five six", reasoning="r", cut_after=5)
    code, out, err = run(capsys, "chat", "q")
    assert code == 1
    assert out.startswith("one two")
    assert "error: The stream stopped after" in err
    assert "Traceback" not in err


def test_interactive_session_reports_a_failed_round_and_goes_on(
    fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal("first\nsecond\n"))
    fake.add_error(402)
    code, out, err = run(capsys, "chat", "--no-thinking")
    assert code == 0  # Ctrl-D (end of input) ends the session normally
    assert "error: DeepSeek answered 402 Insufficient Balance" in err
    assert "Echo: second" in out
    # The failed round left nothing behind: the second request carries only the second question.
    assert fake.requests[-1].json["messages"] == [{"role": "user", "content": "second"}]


# -- errors ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["chat", "hi"], ["fim", "x"], ["balance"]])
def test_missing_key_is_one_line_and_the_fix(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *command)
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == (
        "error: No DeepSeek API key found: no DEEPSEEK_API_KEY environment variable, and no .env file had it."
    )
    assert lines[1].startswith("fix: ") and NO_KEY_FIX in lines[1]
    # Issue 18 items 7 and 8: the way to try it without a key, in flags and commands, never Python's api_key=.
    assert "Add --offline to run this command against the built-in offline double" in lines[1]
    assert "run `deepseek-openai serve` and export the DEEPSEEK_BASE_URL and DEEPSEEK_API_KEY it prints" in lines[1]
    assert "api_key=" not in err and "api_key argument" not in err and "FakeDeepSeek" not in err
    assert len(lines) == 2


def test_401_shows_cause_and_fix_but_never_the_key(
    fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "sk-wrong0key0that0is0long0enough"
    monkeypatch.setenv("DEEPSEEK_API_KEY", wrong)
    code, out, err = run(capsys, "chat", "hi")
    assert code == 1
    lines = err.splitlines()
    assert lines[0].startswith("error: DeepSeek answered 401 Authentication Fails")
    assert lines[1].startswith("fix: check DEEPSEEK_API_KEY")
    assert wrong not in out + err
    assert wrong[3:-4] not in out + err


def test_env_file_option(
    fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DEEPSEEK_API_KEY")
    monkeypatch.delenv("DEEPSEEK_BASE_URL")
    env_file = tmp_path / "conf" / "deepseek.env"
    env_file.parent.mkdir()
    env_file.write_text(f"DEEPSEEK_API_KEY={fake.api_key}\nDEEPSEEK_BASE_URL={fake.base_url}\n")
    code, out, _ = run(capsys, "balance", "--env-file", str(env_file))
    assert code == 0
    assert out.startswith("available: yes")
    code, _, err = run(capsys, "balance", "--env-file", str(tmp_path / "missing.env"))
    assert code == 2
    assert err.startswith(f"error: --env-file {str(tmp_path / 'missing.env')!r} does not exist.")
    assert "fix: give --env-file the path of an existing file" in err and "None" not in err
    assert not PYTHON_WORDS.search(err), err


def test_402_shows_top_up_fix(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]) -> None:
    fake.balance = "0"
    code, _, err = run(capsys, "chat", "hi")
    assert code == 1
    assert err.startswith("error: DeepSeek answered 402 Insufficient Balance")
    assert "fix: top up at https://platform.deepseek.com/top_up" in err
    assert "Traceback" not in err


def test_debug_shows_the_traceback(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]) -> None:
    fake.balance = "0"
    code, _, err = run(capsys, "--debug", "chat", "hi")
    assert code == 1
    assert "Traceback (most recent call last)" in err
    assert "error: DeepSeek answered 402" in err


# -- fim, models, balance, cost ----------------------------------------------------------------------------------


def test_fim_uses_the_beta_base(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]) -> None:
    fake.add_reply("    return a + b")
    code, out, _ = run(capsys, "fim", "def add(a, b):\n", "--suffix", "\n", "--max-tokens", "64")
    assert code == 0
    assert out == "    return a + b\n"
    request = fake.requests[-1]
    assert request.path == "/beta/completions"
    assert request.json == {"model": "deepseek-flash", "prompt": "def add(a, b):\n", "suffix": "\n", "max_tokens": 64}


def test_fim_offline(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "fim", "--offline", "def f():")
    assert code == 0
    assert "filled in by FakeDeepSeek" in out


def test_models_without_key_shows_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models")
    assert code == 0
    flash = next(line for line in out.splitlines() if line.startswith("deepseek-flash "))
    assert re.search(r"current\s+1,048,576\s+393,216\s+both\s+yes\s+yes\s+0\.003 \(0\.006\)\s+0\.15 \(0\.30\)", flash)
    assert "deepseek-chat" in out and "retired" in out
    assert "GET /models: not checked (no API key" in out


def test_models_with_key_adds_what_get_models_reports(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models", "--currency", "cny")
    assert code == 0
    assert "CNY/1M hit" in out
    listing = out.split("GET /models (DeepSeek):")[1].split()
    assert "deepseek-flash" in listing and "deepseek-v4-pro" in listing
    assert fake.requests[-1].path == "/models"


def test_balance(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]) -> None:
    fake.balance = "12.50"
    code, out, _ = run(capsys, "balance")
    assert code == 0
    assert out == "available: yes\nUSD: 12.50 (granted 0.00, topped up 12.50)\n"


def test_balance_empty_account_exits_1(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]) -> None:
    fake.balance = "0"
    code, out, err = run(capsys, "balance")
    assert code == 1
    assert out.startswith("available: no\n")
    assert "top up" in err


def test_cost_at_peak_with_trailing_z(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["cost", "--model", "deepseek-flash", "--hit", "1000", "--miss", "200", "--output", "500"]
    code, out, _ = run(capsys, *argv, "--at", "2026-11-24T02:30:00Z")
    assert code == 0
    assert "2026-11-24 02:30 UTC = 2026-11-24 10:30 Beijing, Tuesday (peak prices)" in out
    assert "prices:  list effective 2026-09-10 04:00 UTC" in out
    assert "hit:          1,000 tokens x 0.006 USD/1M = 0.000006 USD" in out
    assert out.endswith("cost:    0.000666 USD\n")


def test_cost_off_peak_cny_and_offset(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["cost", "--model", "deepseek-v4-pro", "--miss", "10000", "--output", "2000", "--currency", "cny"]
    # 10:30 in Beijing (+08:00) is 02:30 UTC: peak on a weekday, off-peak on this Sunday.
    code, out, _ = run(capsys, *argv, "--at", "2026-11-29T10:30:00+08:00")
    assert code == 0
    assert "Sunday (off-peak prices: weekend)" in out
    assert out.endswith("cost:    0.072 CNY\n")


def test_cost_legacy_model_is_billed_as_flash(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "cost", "--model", "deepseek-chat", "--output", "1000000", "--at", "2026-11-28T00:00Z")
    assert code == 0
    assert "deepseek-chat (billed as deepseek-flash)" in out
    assert out.endswith("cost:    0.6 USD\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--model", "nope"], "error: Unknown DeepSeek model 'nope'."),
        (["--model", "deepseek-flash", "--at", "yesterday"], "error: --at 'yesterday' is not an ISO 8601 time"),
        (["--model", "deepseek-flash", "--hit", "-1"], "error: token counts cannot be negative"),
    ],
)
def test_cost_bad_input(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "cost", *argv)
    assert code == 2
    assert err.startswith(message)
    assert "\nfix: " in err


# -- doctor ----------------------------------------------------------------------------------------------------


def test_doctor_without_key_reports_the_problem(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-secret-value-1234")
    monkeypatch.setenv("OPENAI_BASE_URL", "https://api.openai.com/v1")
    code, out, _ = run(capsys, "doctor")
    assert code == 1
    assert "ignored:   OPENAI_API_KEY, OPENAI_BASE_URL (set, but never sent to DeepSeek)" in out
    assert "key:       none found" in out
    assert "base URL:  https://api.deepseek.com  (default)" in out  # OPENAI_BASE_URL is not used either
    assert "live:      skipped" in out
    assert "result:    1 problem(s)" in out
    assert NO_KEY_FIX in out
    assert "sk-openai-secret-value-1234" not in out
    assert re.search(r"packages:  openai \d+\.\d+\.\d+.*httpx2? \d", out)


def test_doctor_with_key_checks_live(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "doctor")
    assert code == 0, out
    assert "key:       sk-…cdef  (from the DEEPSEEK_API_KEY environment variable)" in out
    assert f"base URL:  {fake.base_url}  (DEEPSEEK_BASE_URL)" in out
    assert "balance:   100.00 USD (available)" in out
    assert "/models:   deepseek-flash, deepseek-v4-pro  (matches our model table)" in out
    assert "result:    everything looks right" in out
    assert fake.api_key not in out


def test_doctor_reports_a_refused_key(
    fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-another-key-nobody-has-0000")
    code, out, _ = run(capsys, "doctor")
    assert code == 1
    assert "live:      failed: DeepSeek answered 401" in out
    assert "sk-another-key-nobody-has-0000" not in out


def test_doctor_offline(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "doctor", "--offline")
    assert code == 0
    assert "(offline double)" in out


def test_compare_models_reports_both_directions() -> None:
    assert compare_models(["deepseek-flash", "deepseek-v4-pro"]) == []
    assert compare_models(["deepseek-flash", "deepseek-v5"]) == [
        "DeepSeek lists 'deepseek-v5', which our model table lacks",
        "our model table has 'deepseek-v4-pro' as current, which DeepSeek does not list",
    ]


# -- demo ------------------------------------------------------------------------------------------------------


def test_demo_without_key_runs_offline(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo")
    assert code == 0, out
    assert "OFFLINE DEMO: no DeepSeek API key was found" in out
    for expected in (
        "reply: Hello there",
        "reasoning: 17 * 23",
        "round 2: 26 (sent 3 messages: history kept)",
        "answer: Streaming shows",
        "the model called: get_weather('Paris')",
        'parsed: {"city": "Paris", "country": "France"}',
        'went on: print("hello")',
        "filled in: if n < 2",
        "call 2: ",
        "available: yes; balance: 100.00 USD",
        "10/10 steps worked (offline double).",
    ):
        assert expected in out
    hits = re.search(r"call 2: \d+ prompt tokens, (\d+) from the cache", out)
    assert hits and int(hits.group(1)) > 0


def test_demo_with_key_runs_against_that_service(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo")
    assert code == 0, out
    assert "OFFLINE" not in out
    assert f"Running against {fake.base_url}" in out
    assert fake.api_key not in out
    assert {r.path for r in fake.requests} >= {"/chat/completions", "/beta/chat/completions", "/beta/completions"}


def test_demo_exit_code_says_a_step_failed(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]) -> None:
    fake.balance = "0"
    code, out, _ = run(capsys, "demo")
    assert code == 1
    assert "FAILED: DeepSeek answered 402 Insufficient Balance" in out
    assert "1/10 steps worked." in out  # the balance step works: it reports "available: no"
    assert "available: no" in out


# -- issue 13: legacy names, Beijing weekday, holidays and dated lists, fixes naming flags -----------------------


@pytest.mark.parametrize(
    ("argv", "thinking", "effort", "silence"),
    [
        (["--model", "deepseek-chat"], "disabled", None, "--model deepseek-flash --no-thinking."),
        (["--model", "deepseek-reasoner"], "enabled", None, "--model deepseek-flash."),
        (["--model", "deepseek-chat", "--effort", "high"], "enabled", "high", "--model deepseek-flash --effort high."),
        (["--model", "deepseek-reasoner", "--no-thinking"], "disabled", None, "--model deepseek-flash --no-thinking."),
    ],
)
def test_chat_legacy_name_means_its_thinking_mode_unless_a_flag_says(
    fake: FakeDeepSeek,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    thinking: str,
    effort: str | None,
    silence: str,
) -> None:
    code, out, err = run(capsys, "chat", *argv, "q")
    assert code == 0 and out == "Echo: q\n"
    body = fake.requests[-1].json
    assert (body["model"], body["thinking"], body.get("reasoning_effort")) == (
        "deepseek-flash",
        {"type": thinking},
        effort,
    )
    (warning,) = [line for line in err.splitlines() if line.startswith("warning:")]
    mode = "on" if thinking == "enabled" else "off"
    assert f"sent as 'deepseek-flash' with thinking {mode}. To silence this, use {silence}" in warning
    assert "extra_body" not in err and "thinking(" not in err


def test_chat_no_thinking_with_effort_is_a_usage_error(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "chat", "--no-thinking", "--effort", "high", "q")
    assert code == 2
    assert err == "error: --no-thinking and --effort contradict each other\nfix: drop one of them.\n"
    assert not fake.requests


def test_cost_weekday_is_the_beijing_date_that_pricing_uses(capsys: pytest.CaptureFixture[str]) -> None:
    # 21:00 on Friday in New York is 10:00 on Saturday in Beijing: weekend, off-peak.
    code, out, _ = run(
        capsys, "cost", "--model", "deepseek-flash", "--output", "1000000", "--at", "2026-11-20T21:00:00-05:00"
    )
    assert code == 0
    assert "time:    2026-11-21 02:00 UTC = 2026-11-21 10:00 Beijing, Saturday (off-peak prices: weekend)" in out
    assert "Friday" not in out
    assert out.endswith("cost:    0.6 USD\n")


@pytest.mark.parametrize(
    ("at", "band", "total"),
    [
        ("2026-10-01T02:00Z", "Thursday (off-peak prices: Chinese public holiday)", "0.6"),
        ("2026-10-10T02:00Z", "Saturday (peak prices, make-up working day)", "1.2"),
        ("2026-08-20T02:00Z", "Thursday (peak prices)", "1.32"),  # the 2026-08-16 list
        ("2026-06-01T02:00Z", "Monday (one price all day: peak pricing began 2026-08-16 16:00 UTC)", "0.28"),
    ],
)
def test_cost_holidays_and_dated_price_lists(
    at: str, band: str, total: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "cost", "--model", "deepseek-flash", "--output", "1000000", "--at", at)
    assert code == 0
    assert band in out
    assert out.endswith(f"cost:    {total} USD\n")


def test_cost_says_when_the_calendar_or_the_price_lists_run_out(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "cost", "--model", "deepseek-flash", "--output", "1000000", "--at", "2027-01-04T02:00Z")
    assert code == 0
    assert "note:    Chinese public holidays are known through 2026-12-31; if 2027-01-04 (Beijing) is one" in out
    code, out, _ = run(
        capsys, "cost", "--model", "deepseek-flash", "--output", "1", "--at", "2026-09-01T02:00Z", "--currency", "CNY"
    )
    assert "note:    2026-09-01 02:00 UTC is before the first CNY price list known for deepseek-flash" in out


def test_models_footer_mentions_holidays(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models")
    assert code == 0
    assert "except Chinese public holidays (known through 2026-12-31)" in out


def test_fixes_name_cli_flags_on_every_path(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]) -> None:
    # A warning (the library's Fix: part).
    _, _, err = run(capsys, "chat", "--temperature", "0.2", "q")
    assert "warning: sampling settings have no effect" in err and "--no-thinking" in err and "thinking(" not in err
    assert "filterwarnings" not in err and "compat=" not in err  # what only Python code can apply is left out
    # An API error explained by explain().
    fake.add_error(400, "Model Not Exist")
    code, _, err = run(capsys, "chat", "q")
    assert code == 1 and "fix: use --model deepseek-flash or --model deepseek-v4-pro." in err
    # One of our own errors, raised before the network.
    code, _, err = run(capsys, "fim", "x", "--max-tokens", "5000")
    assert code == 2 and "fix: pass --max-tokens of 4096 or less to FIM completion." in err
    # The finish-reason note.
    fake.add_reply("", reasoning="long " * 10, finish_reason="length")
    _, _, err = run(capsys, "chat", "q")
    assert "note: finish_reason 'length' with no answer" in err and "(--effort low)" in err and "max_tokens" not in err


def test_every_rule_fix_is_worded_for_the_cli() -> None:
    from deepseek_openai import RULES
    from deepseek_openai.cli._wording import cli_fix

    python = re.compile(
        r"thinking\(|extra_body|model=|(?<!-)max_tokens|reasoning_effort|response_format=\{'type': 'json_object'\}"
        r"|api_key(?!s)|base_url|env_file|beta=|create_client|get_balance|model_info"
    )
    for rule in RULES.values():
        assert not python.search(cli_fix(rule.fix)), (rule.id, cli_fix(rule.fix))


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["chat", "q", "--base-url", "api.deepseek.com"],
            [
                "error: The DeepSeek base URL from --base-url is 'api.deepseek.com', which is not an http(s) URL",
                "fix: use https://api.deepseek.com (commands that need the beta base, such as fim, add /beta).",
            ],
        ),
        (
            ["balance", "--base-url", "http://127.0.0.1:9"],
            ["fix: check the network or proxy and the base URL (--base-url or DEEPSEEK_BASE_URL, default"],
        ),
        (["search", "q", "--count", "51"], ["error: --count must be", "fix: pass --count from 1 to 50"]),
        (["fim", "x", "--max-tokens", "5000"], ["error: --max-tokens 5000 is outside 1..4096 for FIM."]),
        (["chat", "q", "--image", "http://e.com/a.png"], ["--image PATH sends a local file"]),
    ],
)
def test_cli_errors_speak_flags_and_variables(
    argv: list[str], expected: list[str], fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, *argv)
    assert code in (1, 2)
    for text in expected:
        assert text in err
    assert not PYTHON_WORDS.search(err), err


def test_401_fix_names_the_cli_key_sources(
    fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-refused-key-0000000000")
    code, _, err = run(capsys, "balance")
    assert code == 1
    assert "fix: check DEEPSEEK_API_KEY (in the environment, a .env file or the file --env-file names);" in err
    assert not PYTHON_WORDS.search(err), err


def test_wrong_base_url_404_and_broken_stream_fixes_speak_cli(
    fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "balance", "--base-url", fake.base_url + "/chat")
    assert code == 1 and "fix: check --base-url / DEEPSEEK_BASE_URL: https://api.deepseek.com (commands" in err
    assert not PYTHON_WORDS.search(err), err
    fake.add_reply("one two three four five six", cut_after=5)
    code, _, err = run(capsys, "chat", "q", "--no-thinking")
    assert code == 1 and "fix: the text that arrived is shown above; run the command again." in err
    assert not PYTHON_WORDS.search(err), err


def test_doctor_words_problems_for_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "doctor", "--base-url", "api.deepseek.com")
    assert code == 1
    assert "The DeepSeek base URL from --base-url is 'api.deepseek.com'" in out
    assert "No key yet? Add --offline" in out
    assert not PYTHON_WORDS.search(out), out


# -- a .env python-dotenv cannot read (issue 18 item 9) -------------------------------------------------------------

DOTENV_SECRET = "sk-dotenv-cli-secret-000000"


@pytest.mark.parametrize("line", [f'DEEPSEEK_API_KEY="{DOTENV_SECRET}', f"DEEPSEEK_API_KEY:{DOTENV_SECRET}"])
def test_unparsable_dotenv_is_reported_with_path_and_line(
    line: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = tmp_path / ".env"
    env.write_text(f"# DeepSeek\n{line}\n")
    said = f"python-dotenv could not read line 2 of {env} as NAME=value"
    code, out, err = run(capsys, "chat", "hi")
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 2, err  # error and fix only: python-dotenv's own log line is not printed
    assert lines[0].startswith("error: No DeepSeek API key found") and said in lines[0]
    assert "no .env file had it" not in err
    assert lines[1].startswith(f"fix: write the key in {env} as one line DEEPSEEK_API_KEY=sk-...")
    assert "No key yet? Add --offline" in lines[1] and "deepseek-openai serve" in lines[1]  # item 7 here too
    code, out, err = run(capsys, "doctor")
    assert code == 1
    assert said in out and "result:    1 problem(s)" in out
    for text in (out, err):
        assert DOTENV_SECRET not in text and DOTENV_SECRET[3:] not in text
        assert not PYTHON_WORDS.search(text), text


def test_doctor_lists_an_unparsable_dotenv_line_when_the_key_is_found(
    fake: FakeDeepSeek, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DEEPSEEK_API_KEY")  # read from .env; DEEPSEEK_BASE_URL stays on the double (no network)
    (tmp_path / ".env").write_text(f"DEEPSEEK_API_KEY={fake.api_key}\nDEEPSEEK_API_BASE: http://proxy.test\n")
    code, out, err = run(capsys, "doctor")
    assert code == 1
    assert f"key:       sk-…cdef  (from {tmp_path / '.env'})" in out
    assert "balance:   100.00 USD (available)" in out  # the live check ran, against the double
    assert "result:    1 problem(s)" in out
    assert f"  - python-dotenv could not read line 2 of {tmp_path / '.env'} as NAME=value" in out
    assert err == ""
