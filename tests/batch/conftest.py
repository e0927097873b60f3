"""Fixtures the batch tests share: a double per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deepseek_openai.testing import FakeDeepSeek


@pytest.fixture
def ds() -> Iterator[FakeDeepSeek]:
    with FakeDeepSeek() as fake:
        yield fake
