"""Type-checked (mypy --strict), not run: the public types behave as documented for a user's code."""

from __future__ import annotations

from decimal import Decimal

import openai

from deepseek_openai import (
    DEEPSEEK_FLASH,
    MODELS,
    ModelInfo,
    ModelName,
    create_async_client,
    create_client,
    model_info,
)


def factory_returns_sdk_types() -> None:
    client: openai.OpenAI = create_client("sk-x", beta=True, timeout=5.0, max_retries=0)
    aclient: openai.AsyncOpenAI = create_async_client(env_file=False, legacy_models="error")
    del client, aclient


def model_table_types() -> None:
    name: ModelName = DEEPSEEK_FLASH
    info: ModelInfo = model_info(name)
    price: Decimal = info.prices.usd.peak.output
    window: int = MODELS["deepseek-v4-pro"].context_window
    del price, window
