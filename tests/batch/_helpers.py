"""Helpers the batch tests share."""

from __future__ import annotations

from typing import Any

from deepseek_openai.testing import FakeDeepSeek


def options(ds: FakeDeepSeek, **extra: Any) -> dict[str, Any]:
    return {"api_key": ds.api_key, "base_url": ds.base_url, "retry_base": 0.001, **extra}
