"""deepseek_openai: the OpenAI Python SDK, set up for DeepSeek, plus small helpers for DeepSeek's own features.

Start with :func:`create_client`; everything else is a plain function over the SDK's own objects.

``__all__`` lists what users call: the factories, helpers, errors, warnings, model ids, the types in their
signatures and the tables the README documents (``MODELS``, ``PRICE_HISTORY``, ``RULES``, ...). The other data
names (limits such as ``FILE_LIMITS``, the parts of the price tables such as ``BEIJING``, default URLs and
timeouts) stay importable from here, ``from deepseek_openai import FILE_LIMITS``, typed for mypy, but are not
taken by ``from deepseek_openai import *``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._account import Balance, aget_balance, get_balance
    from ._account import CurrencyBalance as CurrencyBalance
    from ._beta import afim, afim_stream, fim, fim_stream
    from ._client import DEFAULT_MAX_RETRIES as DEFAULT_MAX_RETRIES
    from ._client import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
    from ._client import create_async_client, create_async_http_client, create_client, create_http_client
    from ._compat._memory import AMBIGUOUS_REASONING
    from ._compat._rewrites import REWRITES, Rewrite
    from ._compat._stores import ReasoningStore, open_store
    from ._errors import (
        DeepSeekError,
        InvalidRequestError,
        LegacyModelError,
        MissingAPIKeyError,
        ReasoningStoreError,
        UnknownModelError,
        redact,
    )
    from ._explain import explain
    from ._json import JSONOutputError, ajson_completion, json_completion
    from ._messages import acomplete_prefix, assistant_turn, check_messages, complete_prefix, prefix_message
    from ._models import (
        DEEPSEEK_CHAT,
        DEEPSEEK_FLASH,
        DEEPSEEK_REASONER,
        DEEPSEEK_V4_PRO,
        MODELS,
        ModelInfo,
        ModelName,
        current_models,
        model_info,
    )
    from ._models import EFFORT_LEVELS as EFFORT_LEVELS
    from ._models import FILE_LIMITS as FILE_LIMITS
    from ._models import FIM_MAX_TOKENS as FIM_MAX_TOKENS
    from ._models import IMAGE_LIMITS as IMAGE_LIMITS
    from ._models import MAX_TOOLS as MAX_TOOLS
    from ._prices import BEIJING as BEIJING
    from ._prices import CN_HOLIDAYS, HOLIDAYS_KNOWN_THROUGH, MAKEUP_WORKDAYS_ARE_PEAK, PRICE_HISTORY
    from ._prices import CN_MAKEUP_WORKDAYS as CN_MAKEUP_WORKDAYS
    from ._prices import PEAK_WINDOWS_UTC as PEAK_WINDOWS_UTC
    from ._prices import PRICES_EFFECTIVE as PRICES_EFFECTIVE
    from ._prices import TOOL_PRICES as TOOL_PRICES
    from ._prices import PriceEra as PriceEra
    from ._prices import PriceList as PriceList
    from ._prices import Prices as Prices
    from ._prices import Rates as Rates
    from ._prices import ToolPrice as ToolPrice
    from ._pricing import is_holiday
    from ._responses import ResponseFailedError, acollect_response_stream, collect_response_stream, response_turn
    from ._rules import RULES, Rule
    from ._settings import BETA_BASE_URL as BETA_BASE_URL
    from ._settings import DEFAULT_BASE_URL as DEFAULT_BASE_URL
    from ._settings import EnvFile, Settings, resolve_settings
    from ._stream import (
        StreamAccumulator,
        StreamInterruptedError,
        StreamResult,
        StreamUpdate,
        acollect_stream,
        collect_stream,
        explain_finish,
    )
    from ._strict import strict_tool
    from ._thinking import Effort, ExtraBodyKwargs, reasoning_of, thinking, user_id
    from ._tools import ToolRoundsExceededError, ToolRunResult, arun_tools, run_tools
    from ._usage import Cost, NoUsageError, Usage, cost, cost_breakdown, is_peak, usage_of
    from ._vision import image_part
    from ._warnings import CompatWarning, LegacyModelWarning
    from ._webtools import FetchedPage, SearchResults, afetch_url, aweb_search, fetch_url, tool_cost, web_search
    from ._webtools import SearchResult as SearchResult
    from .batch import (
        BatchFileError,
        BatchInputError,
        BatchLockedError,
        BatchProgress,
        BatchSummary,
        arun_batch,
        run_batch,
    )

__version__ = "0.1.0"

# Public names load on first use (PEP 562), so `from deepseek_openai import create_client` imports only the
# modules the client needs, not every helper: import time stays at openai's own.
_EXPORTS: dict[str, tuple[str, ...]] = {
    "._account": ("Balance", "CurrencyBalance", "aget_balance", "get_balance"),
    "._beta": ("afim", "afim_stream", "fim", "fim_stream"),
    ".batch": (
        "BatchFileError",
        "BatchInputError",
        "BatchLockedError",
        "BatchProgress",
        "BatchSummary",
        "arun_batch",
        "run_batch",
    ),
    "._compat._memory": ("AMBIGUOUS_REASONING",),
    "._compat._rewrites": ("REWRITES", "Rewrite"),
    "._client": (
        "DEFAULT_MAX_RETRIES",
        "DEFAULT_TIMEOUT",
        "create_async_client",
        "create_async_http_client",
        "create_client",
        "create_http_client",
    ),
    "._errors": (
        "DeepSeekError",
        "InvalidRequestError",
        "LegacyModelError",
        "MissingAPIKeyError",
        "ReasoningStoreError",
        "UnknownModelError",
        "redact",
    ),
    "._explain": ("explain",),
    "._json": ("JSONOutputError", "ajson_completion", "json_completion"),
    "._messages": ("acomplete_prefix", "assistant_turn", "check_messages", "complete_prefix", "prefix_message"),
    "._models": (
        "DEEPSEEK_CHAT",
        "DEEPSEEK_FLASH",
        "DEEPSEEK_REASONER",
        "DEEPSEEK_V4_PRO",
        "EFFORT_LEVELS",
        "FILE_LIMITS",
        "FIM_MAX_TOKENS",
        "IMAGE_LIMITS",
        "MAX_TOOLS",
        "MODELS",
        "ModelInfo",
        "ModelName",
        "current_models",
        "model_info",
    ),
    "._responses": ("ResponseFailedError", "acollect_response_stream", "collect_response_stream", "response_turn"),
    "._prices": (
        "BEIJING",
        "CN_HOLIDAYS",
        "CN_MAKEUP_WORKDAYS",
        "HOLIDAYS_KNOWN_THROUGH",
        "MAKEUP_WORKDAYS_ARE_PEAK",
        "PEAK_WINDOWS_UTC",
        "PRICES_EFFECTIVE",
        "PRICE_HISTORY",
        "TOOL_PRICES",
        "PriceEra",
        "PriceList",
        "Prices",
        "Rates",
        "ToolPrice",
    ),
    "._pricing": ("is_holiday",),
    "._rules": ("RULES", "Rule"),
    "._settings": ("BETA_BASE_URL", "DEFAULT_BASE_URL", "EnvFile", "Settings", "resolve_settings"),
    "._compat._stores": ("ReasoningStore", "open_store"),
    "._stream": (
        "StreamAccumulator",
        "StreamInterruptedError",
        "StreamResult",
        "StreamUpdate",
        "acollect_stream",
        "collect_stream",
        "explain_finish",
    ),
    "._strict": ("strict_tool",),
    "._thinking": ("Effort", "ExtraBodyKwargs", "reasoning_of", "thinking", "user_id"),
    "._tools": ("ToolRoundsExceededError", "ToolRunResult", "arun_tools", "run_tools"),
    "._usage": ("Cost", "NoUsageError", "Usage", "cost", "cost_breakdown", "is_peak", "usage_of"),
    "._vision": ("image_part",),
    "._webtools": (
        "FetchedPage",
        "SearchResult",
        "SearchResults",
        "afetch_url",
        "aweb_search",
        "fetch_url",
        "tool_cost",
        "web_search",
    ),
    "._warnings": ("CompatWarning", "LegacyModelWarning"),
}
_MODULE_OF: dict[str, str] = {name: module for module, names in _EXPORTS.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODULE_OF))


__all__ = [
    "AMBIGUOUS_REASONING",
    "CN_HOLIDAYS",
    "DEEPSEEK_CHAT",
    "DEEPSEEK_FLASH",
    "DEEPSEEK_REASONER",
    "DEEPSEEK_V4_PRO",
    "HOLIDAYS_KNOWN_THROUGH",
    "MAKEUP_WORKDAYS_ARE_PEAK",
    "MODELS",
    "PRICE_HISTORY",
    "REWRITES",
    "RULES",
    "Balance",
    "BatchFileError",
    "BatchInputError",
    "BatchLockedError",
    "BatchProgress",
    "BatchSummary",
    "CompatWarning",
    "Cost",
    "DeepSeekError",
    "Effort",
    "EnvFile",
    "ExtraBodyKwargs",
    "FetchedPage",
    "InvalidRequestError",
    "JSONOutputError",
    "LegacyModelError",
    "LegacyModelWarning",
    "MissingAPIKeyError",
    "ModelInfo",
    "ModelName",
    "NoUsageError",
    "ReasoningStore",
    "ReasoningStoreError",
    "ResponseFailedError",
    "Rewrite",
    "Rule",
    "SearchResults",
    "Settings",
    "StreamAccumulator",
    "StreamInterruptedError",
    "StreamResult",
    "StreamUpdate",
    "ToolRoundsExceededError",
    "ToolRunResult",
    "UnknownModelError",
    "Usage",
    "__version__",
    "acollect_response_stream",
    "acollect_stream",
    "acomplete_prefix",
    "afetch_url",
    "afim",
    "afim_stream",
    "aget_balance",
    "ajson_completion",
    "arun_batch",
    "arun_tools",
    "assistant_turn",
    "aweb_search",
    "check_messages",
    "collect_response_stream",
    "collect_stream",
    "complete_prefix",
    "cost",
    "cost_breakdown",
    "create_async_client",
    "create_async_http_client",
    "create_client",
    "create_http_client",
    "current_models",
    "explain",
    "explain_finish",
    "fetch_url",
    "fim",
    "fim_stream",
    "get_balance",
    "image_part",
    "is_holiday",
    "is_peak",
    "json_completion",
    "model_info",
    "open_store",
    "prefix_message",
    "reasoning_of",
    "redact",
    "resolve_settings",
    "response_turn",
    "run_batch",
    "run_tools",
    "strict_tool",
    "thinking",
    "tool_cost",
    "usage_of",
    "user_id",
    "web_search",
]
