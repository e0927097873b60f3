"""Every DeepSeek fact about models the package knows: names, status, limits, capabilities.

Prices, peak hours and holidays are the same kind of data in ``_prices.py``. When DeepSeek renames a model or
changes a limit, this file and the CHANGELOG change; nothing else should.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

from ._errors import UnknownModelError
from ._prices import PRICE_HISTORY, Prices

__all__ = [
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
]

DEEPSEEK_FLASH: Final = "deepseek-flash"
"""DeepSeek's fast general model (DeepSeek-V4.1-Flash); thinking and non-thinking; images in."""
DEEPSEEK_V4_PRO: Final = "deepseek-v4-pro"
"""DeepSeek's larger model (DeepSeek-V4-Pro); thinking and non-thinking; text only."""
DEEPSEEK_CHAT: Final = "deepseek-chat"
"""Legacy name, retired 2026-07-24: now means ``deepseek-flash`` with thinking disabled."""
DEEPSEEK_REASONER: Final = "deepseek-reasoner"
"""Legacy name, retired 2026-07-24: now means ``deepseek-flash`` with thinking enabled."""

ModelName = Literal["deepseek-flash", "deepseek-v4-pro"]
"""The model ids DeepSeek serves today. Signatures take ``ModelName | str`` so new ids still work."""

EFFORT_LEVELS: tuple[str, ...] = ("none", "low", "high", "max")
"""Accepted ``reasoning_effort`` values; ``none`` turns thinking off (api/create-chat-completion)."""

FIM_MAX_TOKENS = 4096
"""Largest ``max_tokens`` for FIM completion (guides/fim_completion: "max 4K tokens")."""

MAX_TOOLS = 128
"""Most function tools one chat request may carry (api/create-chat-completion)."""


@dataclass(frozen=True)
class ModelInfo:
    """What DeepSeek documents about one model id.

    For a legacy or alias id the limits and prices are those of the model that serves it now, and
    ``served_by`` names that model.
    """

    name: str
    """The id as written in requests."""
    served_by: str
    """The current model id that answers requests for this id (itself for current models)."""
    status: Literal["current", "alias", "retired"]
    """``current``: a live id; ``alias``: still accepted, served by ``served_by``; ``retired``: DeepSeek answers 400."""
    context_window: int
    """Input plus output tokens, as ``GET /models`` reports it."""
    max_output_tokens: int
    """Largest accepted ``max_tokens``."""
    default_output_tokens: int
    """``max_tokens`` DeepSeek applies when none is sent, thinking off."""
    default_output_tokens_thinking: int
    """``max_tokens`` DeepSeek applies when none is sent, thinking on."""
    default_output_tokens_max_effort: int
    """``max_tokens`` DeepSeek applies when none is sent, ``reasoning_effort="max"``."""
    thinking_modes: tuple[str, ...]
    """Which of ``"thinking"`` and ``"non-thinking"`` the model offers; thinking is the default."""
    vision: bool
    """Whether user messages may carry images."""
    fim: bool
    """Whether FIM completion (beta, non-thinking only) is offered."""
    concurrency_limit: int
    """Simultaneous requests per account before DeepSeek answers 429."""
    prices: Prices
    """Price lists in USD and CNY."""
    legacy_thinking: bool | None = None
    """For a retired id, whether it meant thinking on (``deepseek-reasoner``) or off (``deepseek-chat``)."""

    @property
    def input_modalities(self) -> tuple[str, ...]:
        """What user messages may carry, as ``GET /models`` reports it: ``("text", "image")`` or ``("text",)``."""
        return ("text", "image") if self.vision else ("text",)

    @property
    def is_legacy(self) -> bool:
        """True when this id is not a current one (an alias or a retired name)."""
        return self.status != "current"


def _prices_now(model: str) -> Prices:
    return Prices(usd=PRICE_HISTORY[-1].usd[model], cny=PRICE_HISTORY[-1].cny[model])


_FLASH = ModelInfo(
    name=DEEPSEEK_FLASH,
    served_by=DEEPSEEK_FLASH,
    status="current",
    context_window=1_048_576,
    max_output_tokens=393_216,
    default_output_tokens=8_192,
    default_output_tokens_thinking=65_536,
    default_output_tokens_max_effort=131_072,
    thinking_modes=("thinking", "non-thinking"),
    vision=True,
    fim=True,
    concurrency_limit=2500,
    prices=_prices_now(DEEPSEEK_FLASH),
)
_PRO = dataclasses.replace(
    _FLASH,
    name=DEEPSEEK_V4_PRO,
    served_by=DEEPSEEK_V4_PRO,
    vision=False,
    concurrency_limit=500,
    prices=_prices_now(DEEPSEEK_V4_PRO),
)


def _legacy(name: str, status: Literal["alias", "retired"], thinking: bool | None) -> ModelInfo:
    return dataclasses.replace(_FLASH, name=name, status=status, legacy_thinking=thinking)


MODELS: Mapping[str, ModelInfo] = MappingProxyType(
    {
        info.name: info
        for info in (
            _FLASH,
            _PRO,
            # Retired 2026-07-24 15:59 UTC; DeepSeek answers 400 (news/v4-flash, quick_start/your_first_api_call).
            _legacy(DEEPSEEK_CHAT, "retired", False),
            _legacy(DEEPSEEK_REASONER, "retired", True),
            # Still accepted and billed as Flash since 2026-09-10 (news/v4-1-flash).
            _legacy("deepseek-v4-flash", "alias", None),
            _legacy("deepseek-v4-flash-vision-exp", "alias", None),
        )
    }
)
"""Every model id the package knows, current ones first; read-only."""


def current_models() -> tuple[str, ...]:
    """Return the ids DeepSeek serves today, in table order."""
    return tuple(name for name, info in MODELS.items() if info.status == "current")


def model_info(name: str) -> ModelInfo:
    """Return the record for a model id, legacy ids included.

    Args:
        name: a model id such as ``"deepseek-flash"``.

    Returns:
        The frozen :class:`ModelInfo` for that id.

    Raises:
        UnknownModelError: when the id is unknown (also a ``KeyError``); the message lists the known ids.
    """
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(current_models())
        legacy = ", ".join(n for n, i in MODELS.items() if i.is_legacy)
        raise UnknownModelError(
            f"Unknown DeepSeek model {name!r}.",
            fix=f"use one of {known} (legacy ids also known: {legacy}).",
            rule="unknown_model",
        ) from None


_MIB = 1024 * 1024
# Files API and image input limits (guides/vision, api/upload-file, 2026-12 reading; some are third-party [!]).
FILE_LIMITS: Mapping[str, int] = MappingProxyType(
    {"image": 64 * _MIB, "document": 100 * _MIB, "text": 32 * _MIB, "request": 48 * _MIB}
)
"""Largest upload in bytes by kind: images (JPEG/PNG/GIF/WebP), documents (PDF/Word/PPT), text and sheets;
``request`` is the largest chat request body."""
IMAGE_LIMITS: Mapping[str, int] = MappingProxyType(
    {"inline_bytes": 32 * _MIB, "url_chars": 8192, "per_request": 600, "fetch_seconds": 60}
)
"""Image input in chat: an inline (``data:``) image's size, an image URL's length, images per request, and how long
DeepSeek spends fetching an ``https`` image."""
