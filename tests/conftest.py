"""Shared fixtures: every test starts with a clean environment, in an empty folder, with warnings reset."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from deepseek_openai import _hook

_PREFIXES = ("DEEPSEEK_", "OPENAI_", "PYTHON_DOTENV")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Remove DEEPSEEK_* / OPENAI_* variables, run in tmp_path, and forget which warnings were shown."""
    for name in list(os.environ):
        if name.startswith(_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    _hook._WARNED.clear()
    yield
    _hook._WARNED.clear()
