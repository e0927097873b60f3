"""Shared fixtures: every test starts with a clean environment, in an empty folder, with warnings reset."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from deepseek_openai import DeepSeekError
from deepseek_openai._settings import Settings
from deepseek_openai.testing._fake import DEFAULT_API_KEY
from tests._wire import Recorder, serving

_PREFIXES = ("DEEPSEEK_", "OPENAI_", "PYTHON_DOTENV")

# tests/ray needs the ray extra and runs in its own CI leg (.ci/run), not in the README's test command; so does
# tests/redis (the redis extra and a redis-server, whose URL DEEPSEEK_OPENAI_REDIS_URL gives).
collect_ignore = [] if os.environ.get("DEEPSEEK_OPENAI_RAY_TESTS") else ["ray"]
if not os.environ.get("DEEPSEEK_OPENAI_REDIS_URL"):
    collect_ignore.append("redis")


# Anything shaped like a whole API key, plus every key the package resolved during the test (a registry, so keys
# not shaped like "sk-..." are caught too). The package may show a key only as redact() does ("sk-…abcd").
_WHOLE_KEY = re.compile(r"sk-[A-Za-z0-9][A-Za-z0-9_-]{11,}")
_LOGGERS = ("deepseek_openai", "openai", "httpx", "httpx2", "httpcore", "httpcore2")


@pytest.fixture(autouse=True)
def no_key_shown(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any test that shows a whole key in a log record (DEBUG too), warning, exception or CLI output."""
    for name in _LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    keys = {DEFAULT_API_KEY}
    shown: list[str] = []
    quoted: list[str] = []
    real_warn, real_settings = warnings.warn, Settings.__init__
    real_error, real_readouterr = openai.OpenAIError.__init__, pytest.CaptureFixture.readouterr
    real_communicate = subprocess.Popen.communicate

    def recording_warn(message: Any, category: Any = None, stacklevel: int = 1, *args: Any, **kwargs: Any) -> None:
        shown.append(str(message))
        real_warn(message, category, stacklevel + 1, *args, **kwargs)  # +1: this wrapper's own frame

    def registering_settings(self: Settings, *args: Any, **kwargs: Any) -> None:
        real_settings(self, *args, **kwargs)
        if len(self.api_key) >= 8:  # shorter stand-ins would match ordinary words
            keys.add(self.api_key)

    def recording_error(self: BaseException, *args: Any, **kwargs: Any) -> None:
        real_error(self, *args, **kwargs)  # every SDK error and every error of ours (they subclass OpenAIError)
        # An SDK error quotes the server's reply verbatim, so there only the keys in use count (tests/test_explain
        # makes the server echo a stranger's key on purpose); errors of our own must show no key at all.
        (shown if isinstance(self, DeepSeekError) else quoted).append(" ".join(map(str, args)))

    def recording_readouterr(self: Any) -> Any:
        captured = real_readouterr(self)  # CLI output read by in-process tests (capsys / capfd)
        shown.extend(str(part) for part in captured)
        return captured

    def recording_communicate(self: Any, *args: Any, **kwargs: Any) -> Any:
        streams = real_communicate(self, *args, **kwargs)  # CLI output of subprocesses (subprocess.run uses this)
        shown.extend(s.decode(errors="replace") if isinstance(s, bytes) else s for s in streams if s)
        return streams

    monkeypatch.setattr(warnings, "warn", recording_warn)
    monkeypatch.setattr(Settings, "__init__", registering_settings)
    monkeypatch.setattr(openai.OpenAIError, "__init__", recording_error)
    monkeypatch.setattr(pytest.CaptureFixture, "readouterr", recording_readouterr)
    monkeypatch.setattr(subprocess.Popen, "communicate", recording_communicate)
    yield
    # At teardown caplog.text holds only this phase's records; read the setup and call phases explicitly.
    logged = [r.getMessage() for phase in ("setup", "call") for r in caplog.get_records(phase)]
    texts = [*logged, *shown]
    leaked = [m for text in texts for m in _WHOLE_KEY.findall(text)]
    leaked += [key for key in keys for text in [*texts, *quoted] if key in text]
    assert not leaked, f"a whole API key was logged, warned, raised or printed: {sorted(set(leaked))[:3]}"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Remove DEEPSEEK_* / OPENAI_* variables and run in tmp_path (pytest resets which warnings were shown)."""
    for name in list(os.environ):
        if name.startswith(_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    """A loopback HTTP server that records each request and answers what the test queued, else a canned completion."""
    with serving() as rec:
        yield rec
