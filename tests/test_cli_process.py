"""The CLI as a real process: console script, pipes vs a terminal (pty), an interactive session, Ctrl-C, serve.

Waits are "until this text appears" with a generous safety deadline; nothing asserts on timing.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deepseek_openai.testing import FakeDeepSeek

pytestmark = pytest.mark.slow  # every test here starts an interpreter: the slow leg (pytest -m slow)

DEADLINE = 30.0  # a safety net against hangs, never a measured bound


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(extra)
    return env


def read_until(fd: int, needle: bytes, buf: bytearray) -> bytes:
    """Read ``fd`` into ``buf`` until ``needle`` shows up (or the writer goes away); return everything so far."""
    while needle not in buf:
        ready, _, _ = select.select([fd], [], [], DEADLINE)
        if not ready:
            raise AssertionError(f"no {needle!r} in the output: {bytes(buf)!r}")
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the pty's other side is closed
            chunk = b""
        if not chunk:
            raise AssertionError(f"output ended without {needle!r}: {bytes(buf)!r}")
        buf.extend(chunk)
    return bytes(buf)


def read_to_end(fd: int, buf: bytearray) -> bytes:
    while True:
        ready, _, _ = select.select([fd], [], [], DEADLINE)
        if not ready:
            raise AssertionError(f"output did not end: {bytes(buf)!r}")
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return bytes(buf)
        if not chunk:
            return bytes(buf)
        buf.extend(chunk)


def wait_until_blocked(pid: int) -> None:
    """Wait until the process sleeps in a system call, so a signal sent now interrupts that call.

    After the CLI prints a piece of the reply it runs a little more Python, then blocks reading the stream. A SIGINT
    that lands in between is handled at Python's next check, and if the check already passed, only after the read
    returns: against a stalled stream, never. On a loaded machine that window is wide enough to hit. Once the
    process is asleep (state S in /proc) it is in that read: the signal makes it return EINTR and Python raises
    KeyboardInterrupt at once. Without /proc (not Linux) there is nothing to wait on.
    """
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return
    deadline = time.monotonic() + DEADLINE
    while stat.read_text().rsplit(")", 1)[1].split()[0] != "S":
        if time.monotonic() > deadline:
            raise AssertionError(f"process {pid} never blocked")
        time.sleep(0.001)


@pytest.fixture
def fake() -> Iterator[FakeDeepSeek]:
    with FakeDeepSeek() as ds:
        yield ds


def fake_env(ds: FakeDeepSeek) -> dict[str, str]:
    return cli_env(DEEPSEEK_API_KEY=ds.api_key, DEEPSEEK_BASE_URL=ds.base_url)


def cli(*argv: str) -> list[str]:
    return [sys.executable, "-m", "deepseek_openai", *argv]


@pytest.fixture
def spawn() -> Iterator[Any]:
    """Start CLI processes; each is killed if still running and its pipes closed after the test."""
    started: list[subprocess.Popen[bytes]] = []

    def start(argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        # A run launched in the background without job control (`pytest &` in a script) ignores SIGINT, and a
        # child inherits an ignored signal, so Python would not turn Ctrl-C into KeyboardInterrupt. Give the child
        # the disposition a terminal gives it: a handled signal is reset to the default at exec.
        ignored = signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        if ignored:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            proc = subprocess.Popen(argv, **kwargs)
        finally:
            if ignored:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdout, proc.stderr, proc.stdin):
            if stream is not None:
                stream.close()


# -- entry points ----------------------------------------------------------------------------------------------


def test_console_script() -> None:
    from importlib.metadata import entry_points

    # Every other process test runs `python -m deepseek_openai`; the installed script points at the same main().
    (script,) = entry_points(group="console_scripts", name="deepseek-openai")
    assert script.value == "deepseek_openai.cli:main"
    assert Path(sys.executable).with_name("deepseek-openai").is_file()


def test_importing_the_package_does_not_import_the_cli() -> None:
    code = "import sys, deepseek_openai; print(sorted(m for m in sys.modules if m.startswith('deepseek_openai.cli')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=cli_env())
    assert out.stdout.strip() == "[]"


def test_demo_on_a_fresh_machine_without_key(tmp_path: Path) -> None:
    proc = subprocess.run(cli("demo"), capture_output=True, text=True, env=cli_env(), cwd=tmp_path, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "OFFLINE DEMO" in proc.stdout
    assert "10/10 steps worked (offline double)." in proc.stdout
    assert proc.stderr == ""


def test_no_key_error_points_at_the_offline_double(tmp_path: Path) -> None:
    # Issue 18 items 7 and 8, as a user sees them: flags and commands, no Python keyword.
    proc = subprocess.run(cli("chat", "hi"), capture_output=True, text=True, env=cli_env(), cwd=tmp_path, check=False)
    assert proc.returncode == 2
    error, fix = proc.stderr.splitlines()
    assert error.startswith("error: No DeepSeek API key found: no DEEPSEEK_API_KEY environment variable")
    assert "Add --offline to run this command" in fix and "run `deepseek-openai serve`" in fix
    assert "api_key=" not in proc.stderr


def test_unparsable_dotenv_named_by_chat_and_doctor(tmp_path: Path) -> None:
    # Issue 18 item 9: path and line, from both commands; python-dotenv's own log line is not printed.
    secret = "sk-process-dotenv-secret-0000"
    (tmp_path / ".env").write_text(f"DEEPSEEK_API_KEY='{secret}\n")
    said = f"python-dotenv could not read line 1 of {tmp_path / '.env'} as NAME=value"
    chat = subprocess.run(cli("chat", "hi"), capture_output=True, text=True, env=cli_env(), cwd=tmp_path, check=False)
    assert chat.returncode == 2
    assert said in chat.stderr and len(chat.stderr.splitlines()) == 2, chat.stderr
    doctor = subprocess.run(cli("doctor"), capture_output=True, text=True, env=cli_env(), cwd=tmp_path, check=False)
    assert doctor.returncode == 1
    assert said in doctor.stdout and doctor.stderr == ""
    for text in (chat.stdout, chat.stderr, doctor.stdout):
        assert secret[3:] not in text


# -- chat: pipes vs terminal -----------------------------------------------------------------------------------


def test_chat_piped_answer_on_stdout_reasoning_on_stderr(fake: FakeDeepSeek) -> None:
    fake.add_reply("Blue light scatters most.", reasoning="Think about Rayleigh.")
    proc = subprocess.run(
        cli("chat", "Why is the sky blue?"), capture_output=True, text=True, env=fake_env(fake), check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Blue light scatters most.\n"
    assert proc.stderr.startswith("Think about Rayleigh.\n")
    assert "usage: " in proc.stderr
    assert "\x1b[" not in proc.stdout + proc.stderr


def test_chat_on_a_terminal_shows_reasoning_dim_before_the_answer(fake: FakeDeepSeek, spawn: Any) -> None:
    fake.add_reply("The answer.", reasoning="Some thinking.")
    master, slave = pty.openpty()
    proc = spawn(cli("chat", "q"), stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE, env=fake_env(fake))
    os.close(slave)
    try:
        out = read_to_end(master, bytearray()).decode().replace("\r\n", "\n")
    finally:
        os.close(master)
    assert proc.wait(DEADLINE) == 0
    assert out == "\x1b[2mSome thinking.\x1b[0m\n\nThe answer.\n"
    assert proc.stderr is not None
    assert proc.stderr.read().decode().startswith("usage: ")  # reasoning is not repeated on stderr


def test_interactive_session_keeps_history_with_reasoning(fake: FakeDeepSeek, spawn: Any) -> None:
    fake.add_reply("Eleven.", reasoning="A prime above ten: 11.")
    fake.add_reply("Twenty-two.", reasoning="Double 11.")
    master, slave = pty.openpty()
    proc = spawn(cli("chat"), stdin=slave, stdout=slave, stderr=subprocess.PIPE, env=fake_env(fake))
    os.close(slave)
    buf = bytearray()
    try:
        read_until(master, b"> ", buf)
        os.write(master, b"Name a prime above ten.\n")
        read_until(master, b"Eleven.", buf)
        read_until(master, b"\n> ", buf)
        os.write(master, b"Double it.\n")
        read_until(master, b"Twenty-two.", buf)
        del buf[: buf.index(b"Twenty-two.")]  # the next prompt, not the one before this reply
        read_until(master, b"\n> ", buf)
        os.write(master, b"\x04")  # Ctrl-D ends the session
        assert proc.wait(DEADLINE) == 0
    finally:
        os.close(master)
    second = [r.json for r in fake.requests if r.path == "/chat/completions"][1]
    assert second["messages"] == [
        {"role": "user", "content": "Name a prime above ten."},
        {"role": "assistant", "content": "Eleven.", "reasoning_content": "A prime above ten: 11."},
        {"role": "user", "content": "Double it."},
    ]
    assert proc.stderr is not None
    assert proc.stderr.read().decode().count("usage: ") == 2


def test_legacy_chat_and_beijing_weekday_as_a_process(fake: FakeDeepSeek) -> None:
    chat = subprocess.run(
        cli("chat", "--model", "deepseek-chat", "q"), capture_output=True, text=True, env=fake_env(fake), check=False
    )
    assert chat.returncode == 0, chat.stderr
    assert fake.requests[-1].json["thinking"] == {"type": "disabled"}
    assert fake.requests[-1].json["model"] == "deepseek-flash"
    assert "with thinking off. To silence this, use --model deepseek-flash --no-thinking." in chat.stderr
    argv = ("cost", "--model", "deepseek-flash", "--output", "1000", "--at", "2026-11-20T21:00:00-05:00")
    cost = subprocess.run(cli(*argv), capture_output=True, text=True, env=cli_env(), check=False)
    assert cost.returncode == 0, cost.stderr
    assert "2026-11-21 10:00 Beijing, Saturday (off-peak prices: weekend)" in cost.stdout


# -- Ctrl-C ----------------------------------------------------------------------------------------------------


# The first reply streams its reasoning and "partial answer", then stalls before its final chunk: the role chunk,
# two reasoning pieces and two content pieces are 5 events, and hold_after=5 keeps the connection open after them.
STALLED = {"content": "partial answer", "reasoning": "Thinking hard.", "hold_after": 5}


def test_ctrl_c_stops_the_reply_and_keeps_what_arrived(fake: FakeDeepSeek, spawn: Any) -> None:
    fake.add_reply(**STALLED)  # type: ignore[arg-type]
    proc = spawn(cli("chat", "q"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=fake_env(fake))
    assert proc.stdout is not None and proc.stderr is not None
    out = bytearray()
    read_until(proc.stdout.fileno(), b"partial answer", out)
    wait_until_blocked(proc.pid)  # stalled on the rest of the stream
    proc.send_signal(signal.SIGINT)
    assert proc.wait(DEADLINE) == 130
    stdout = read_to_end(proc.stdout.fileno(), out).decode()
    stderr = proc.stderr.read().decode()
    assert stdout == "partial answer\n"
    assert stderr.startswith("Thinking hard.\n")
    assert "interrupted: kept the 14 characters that arrived" in stderr
    assert "Traceback" not in stderr


def test_ctrl_c_in_a_session_stops_only_the_reply(fake: FakeDeepSeek, spawn: Any) -> None:
    fake.add_reply(**STALLED)  # type: ignore[arg-type]
    fake.add_reply("partial answer and the rest.", reasoning="Thinking hard.")
    master, slave = pty.openpty()
    proc = spawn(cli("chat"), stdin=slave, stdout=slave, stderr=subprocess.PIPE, env=fake_env(fake))
    os.close(slave)
    buf = bytearray()
    try:
        read_until(master, b"> ", buf)
        os.write(master, b"first\n")
        read_until(master, b"partial answer", buf)
        wait_until_blocked(proc.pid)  # stalled on the rest of the stream
        proc.send_signal(signal.SIGINT)
        read_until(master, b"\n> ", buf)
        os.write(master, b"second\n")
        read_until(master, b"and the rest.", buf)
        del buf[: buf.index(b"and the rest.")]  # the next prompt, not the one before this reply
        read_until(master, b"\n> ", buf)
        os.write(master, b"\x04")
        assert proc.wait(DEADLINE) == 0
    finally:
        os.close(master)
    # The interrupted reply stays in the history, reasoning included.
    second = [r.json for r in fake.requests if r.path == "/chat/completions"][1]
    assert second["messages"] == [
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "partial answer", "reasoning_content": "Thinking hard."},
        {"role": "user", "content": "second"},
    ]


# -- serve -----------------------------------------------------------------------------------------------------


def test_serve_prints_base_url_and_key_and_answers(spawn: Any) -> None:
    import openai

    proc = spawn(cli("serve", "--balance", "7.00"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env())
    assert proc.stdout is not None
    try:
        buf = bytearray()
        read_until(proc.stdout.fileno(), b"export DEEPSEEK_API_KEY=", buf)
        while b"\n" not in buf.split(b"export DEEPSEEK_API_KEY=", 1)[1]:
            buf.extend(os.read(proc.stdout.fileno(), 4096))
        text = bytes(buf)
        fields = dict(line.split(": ", 1) for line in text.decode().splitlines() if ": " in line)
        exports = [line for line in text.decode().splitlines() if line.startswith("export ")]
        assert exports == [
            f"export DEEPSEEK_BASE_URL={fields['base_url']}",
            f"export DEEPSEEK_API_KEY={fields['api_key']}",
        ]
        client = openai.OpenAI(api_key=fields["api_key"], base_url=fields["base_url"], max_retries=0)
        balance = client.get("/user/balance", cast_to=object)
        client.close()
        assert balance["balance_infos"][0]["total_balance"] == "7.00"  # type: ignore[index]
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(DEADLINE) == 0
