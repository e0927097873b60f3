"""What every command shares: the run context (clients, the offline double, output streams) and small formatters."""

from __future__ import annotations

import argparse
import os
from datetime import datetime, timezone
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import openai

    from deepseek_openai.testing import FakeDeepSeek

__all__ = ["Context", "UsageError", "format_usage", "parse_time"]

DIM = "\x1b[2m"
RESET = "\x1b[0m"


class UsageError(Exception):
    """A bad command line that argparse cannot see (exit code 2); the message names the fix."""


class Context:
    """One command run: parsed options, output streams, and the clients it makes (closed by :meth:`close`)."""

    def __init__(self, args: argparse.Namespace, stdin: IO[str], stdout: IO[str], stderr: IO[str]) -> None:
        self.args = args
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.offline: bool = bool(args.offline)
        self.fake: FakeDeepSeek | None = None
        self._closers: list[Any] = []
        if self.offline and args.base_url:
            raise UsageError("--offline and --base-url cannot be combined: drop one of them.")

    # -- output -------------------------------------------------------------------------------------------------

    def out(self, text: str = "", end: str = "\n") -> None:
        """Write to stdout and flush (streamed output must show at once)."""
        self.stdout.write(text + end)
        self.stdout.flush()

    def err(self, text: str = "", end: str = "\n") -> None:
        """Write to stderr and flush."""
        self.stderr.write(text + end)
        self.stderr.flush()

    def colour(self, stream: IO[str]) -> bool:
        """Whether ``stream`` is a terminal that may get ANSI styling (``NO_COLOR`` turns it off)."""
        if os.environ.get("NO_COLOR"):
            return False
        isatty = getattr(stream, "isatty", None)
        return bool(isatty and isatty())

    # -- clients ------------------------------------------------------------------------------------------------

    def start_fake(self) -> FakeDeepSeek:
        """Start the embedded offline double once per run and return it."""
        if self.fake is None:
            from deepseek_openai.testing import FakeDeepSeek

            fake = FakeDeepSeek()
            fake.start()
            self._closers.append(fake)
            self.fake = fake
        return self.fake

    def client(self, *, beta: bool = False) -> openai.OpenAI:
        """Return a sync client: the offline double's with ``--offline``, else DeepSeek's from the key lookup."""
        if self.offline:
            made = self.start_fake().client(beta=beta)
        else:
            from deepseek_openai import create_client

            made = create_client(base_url=self.args.base_url, env_file=self._env_file(), beta=beta)
        self._closers.append(made)
        return made

    def _env_file(self) -> str | None:
        path: str | None = self.args.env_file
        return path

    def has_key(self) -> bool:
        """Return whether a key would be found (always true offline); never raises for a missing key."""
        if self.offline:
            return True
        from deepseek_openai import MissingAPIKeyError, create_client

        try:
            create_client(base_url=self.args.base_url, env_file=self._env_file()).close()
        except MissingAPIKeyError:
            return False
        return True

    def close(self) -> None:
        """Close every client and stop the double, newest first."""
        while self._closers:
            self._closers.pop().close()


def parse_time(text: str) -> datetime:
    """Parse ISO 8601 with a trailing ``Z`` on every Python (3.10's ``fromisoformat`` rejects ``Z``); naive = UTC."""
    value = text.strip()
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--at {text!r} is not an ISO 8601 time: use e.g. 2026-11-24T02:30:00Z.") from None
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when


def format_usage(usage: Any, model: str, *, at: datetime | None = None) -> str:
    """One line: tokens in (cache hit/miss), out (reasoning), and the USD cost at the peak/off-peak price of ``at``."""
    from deepseek_openai import cost, is_peak

    if usage is None:
        return "usage: not reported"
    when = at or datetime.now(timezone.utc)
    band = "peak" if is_peak(when) else "off-peak"
    try:
        price = f"${cost(usage, model, at=when, currency='USD'):f} at {band} price"
    except (KeyError, ValueError):
        price = f"cost unknown for model {model!r}"
    reasoning = f" ({usage.reasoning_tokens} reasoning)" if usage.reasoning_tokens else ""
    return (
        f"usage: {usage.prompt_tokens} prompt tokens ({usage.cache_hit_tokens} cache hit, "
        f"{usage.cache_miss_tokens} miss), {usage.completion_tokens} out{reasoning}, {price}"
    )
