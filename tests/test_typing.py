"""The files under tests/typing are type-checked by mypy in .ci/run; here we only make sure they import cleanly."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

FILES = sorted(p.stem for p in (Path(__file__).parent / "typing").glob("check_*.py"))


@pytest.mark.parametrize("name", FILES)
def test_typing_checks_import(name: str) -> None:
    module = importlib.import_module(f"tests.typing.{name}")
    assert module.__doc__
