"""deepseek_openai: the OpenAI Python SDK, set up for DeepSeek, plus small helpers for DeepSeek's own features.

Start with :func:`create_client`; everything else is a plain function over the SDK's own objects.
"""

from __future__ import annotations

from ._client import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    create_async_client,
    create_async_http_client,
    create_client,
    create_http_client,
)
from ._errors import (
    DeepSeekError,
    InvalidRequestError,
    LegacyModelError,
    MissingAPIKeyError,
    UnknownModelError,
    redact,
)
from ._models import (
    DEEPSEEK_CHAT,
    DEEPSEEK_FLASH,
    DEEPSEEK_REASONER,
    DEEPSEEK_V4_PRO,
    EFFORT_LEVELS,
    FIM_MAX_TOKENS,
    MAX_TOOLS,
    MODELS,
    PEAK_WINDOWS_UTC,
    PRICES_EFFECTIVE,
    ModelInfo,
    ModelName,
    PriceList,
    Prices,
    Rates,
    current_models,
    model_info,
)
from ._rules import RULES, Rule
from ._settings import BETA_BASE_URL, DEFAULT_BASE_URL

__version__ = "0.1.0"

__all__ = [
    "BETA_BASE_URL",
    "DEEPSEEK_CHAT",
    "DEEPSEEK_FLASH",
    "DEEPSEEK_REASONER",
    "DEEPSEEK_V4_PRO",
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "EFFORT_LEVELS",
    "FIM_MAX_TOKENS",
    "MAX_TOOLS",
    "MODELS",
    "PEAK_WINDOWS_UTC",
    "PRICES_EFFECTIVE",
    "RULES",
    "DeepSeekError",
    "InvalidRequestError",
    "LegacyModelError",
    "MissingAPIKeyError",
    "ModelInfo",
    "ModelName",
    "PriceList",
    "Prices",
    "Rates",
    "Rule",
    "UnknownModelError",
    "__version__",
    "create_async_client",
    "create_async_http_client",
    "create_client",
    "create_http_client",
    "current_models",
    "model_info",
    "redact",
]
