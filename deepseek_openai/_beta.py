"""FIM (fill-in-the-middle) completion on DeepSeek's beta base: ``fim`` / ``afim`` and their streaming twins.

FIM has its own functions for streaming (``fim_stream`` / ``afim_stream``) rather than a ``stream=`` flag, so each
function has one return type. All four check the request before anything is sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import openai

from ._errors import InvalidRequestError
from ._models import DEEPSEEK_FLASH, FIM_MAX_TOKENS, MODELS, ModelName
from ._rules import RULES

__all__ = ["afim", "afim_stream", "fim", "fim_stream"]


def _fim_kwargs(
    client: openai.OpenAI | openai.AsyncOpenAI,
    prompt: str,
    suffix: str | None,
    model: str,
    max_tokens: int | None,
    stop: str | list[str] | None,
    create_kwargs: dict[str, Any],
) -> dict[str, Any]:
    base = str(client.base_url).rstrip("/")
    if not base.endswith("/beta"):
        # FIM is documented at /beta/completions only (guides/fim_completion); the main base's answer is not: warn.
        RULES["fim_not_beta"].enforce(f"FIM is documented on a beta client only; this client's base URL is {base}.")
    info = MODELS.get(model)
    if info is not None and not info.fim:
        raise InvalidRequestError(
            f"Model {model!r} does not offer FIM completion.",
            fix=f"use model={DEEPSEEK_FLASH!r}.",
        )
    if max_tokens is not None and (
        isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or not 1 <= max_tokens <= FIM_MAX_TOKENS
    ):
        # FIM completions are capped at 4K tokens (guides/fim_completion).
        RULES["fim_max_tokens"].enforce(f"max_tokens={max_tokens!r} is outside 1..{FIM_MAX_TOKENS} for FIM.")
    if "stream" in create_kwargs:
        raise InvalidRequestError(
            "stream= is not an argument of fim()/afim().",
            fix="use fim_stream(...) / afim_stream(...) to receive the completion in pieces.",
        )
    extra = create_kwargs.get("extra_body")
    if isinstance(extra, Mapping):
        # FIM is non-thinking only; sending no thinking field means non-thinking (guides/fim_completion).
        toggle = extra.get("thinking")
        thinks = isinstance(toggle, Mapping) and toggle.get("type") != "disabled"
        if thinks or extra.get("reasoning_effort") not in (None, "none"):
            RULES["fim_thinking"].enforce("FIM completion is documented for non-thinking mode only.")
    kwargs: dict[str, Any] = {"model": model, "prompt": prompt, **create_kwargs}
    if suffix is not None:
        kwargs["suffix"] = suffix
    if max_tokens is not None:
        kwargs["max_tokens"] = max_tokens
    if stop is not None:
        kwargs["stop"] = stop
    return kwargs


def _text(completion: Any) -> str:
    choices = getattr(completion, "choices", None) or []
    return (getattr(choices[0], "text", None) or "") if choices else ""


def fim(
    client: openai.OpenAI,
    prompt: str,
    suffix: str | None = None,
    *,
    model: ModelName | str = DEEPSEEK_FLASH,
    max_tokens: int | None = None,
    stop: str | list[str] | None = None,
    **create_kwargs: Any,
) -> str:
    """Return the text DeepSeek writes between ``prompt`` and ``suffix`` (FIM completion, beta).

    The request carries no ``thinking`` field, which DeepSeek treats as non-thinking, the only mode FIM supports.

    Args:
        client: a beta client, ``create_client(beta=True)`` (base URL ending in ``/beta``).
        prompt: the text before the gap.
        suffix: the text after the gap, if any.
        model: a model offering FIM (both current models do).
        max_tokens: at most :data:`FIM_MAX_TOKENS` (4096).
        stop: up to 16 stop sequences.
        **create_kwargs: passed to ``client.completions.create`` (``temperature``, ``extra_body``, ...).

    Returns:
        The completion text (``""`` when DeepSeek returns none). Use ``client.completions.create`` directly
        for ``finish_reason``, logprobs or usage.

    Raises:
        InvalidRequestError: ``max_tokens`` above 4096, a model without FIM, or ``stream=`` given; all before
            anything is sent. A client not on the beta base, or thinking switched on in ``extra_body``, gets a
            ``UserWarning`` instead (DeepSeek documents neither as refused) and the request is sent.
        openai.APIError: DeepSeek or the network failed; see :func:`explain`.
    """
    kwargs = _fim_kwargs(client, prompt, suffix, model, max_tokens, stop, create_kwargs)
    return _text(client.completions.create(**kwargs))


async def afim(
    client: openai.AsyncOpenAI,
    prompt: str,
    suffix: str | None = None,
    *,
    model: ModelName | str = DEEPSEEK_FLASH,
    max_tokens: int | None = None,
    stop: str | list[str] | None = None,
    **create_kwargs: Any,
) -> str:
    """Return the FIM completion text; the async twin of :func:`fim` (same arguments, result and errors)."""
    kwargs = _fim_kwargs(client, prompt, suffix, model, max_tokens, stop, create_kwargs)
    return _text(await client.completions.create(**kwargs))


def fim_stream(
    client: openai.OpenAI,
    prompt: str,
    suffix: str | None = None,
    *,
    model: ModelName | str = DEEPSEEK_FLASH,
    max_tokens: int | None = None,
    stop: str | list[str] | None = None,
    **create_kwargs: Any,
) -> Iterator[str]:
    """Stream a FIM completion: yield its text pieces as DeepSeek sends them.

    The request is checked when this function is called and sent when iteration starts; the HTTP stream is
    closed when the iterator finishes or is closed.

    Args:
        client: a beta client, ``create_client(beta=True)``.
        prompt: the text before the gap.
        suffix: the text after the gap, if any.
        model: a model offering FIM.
        max_tokens: at most :data:`FIM_MAX_TOKENS` (4096).
        stop: up to 16 stop sequences.
        **create_kwargs: passed to ``client.completions.create`` (``stream`` is set for you).

    Returns:
        An iterator of non-empty text pieces; ``"".join(...)`` is the whole completion.

    Raises:
        InvalidRequestError: as in :func:`fim`, raised by the call itself.
        openai.APIError: while iterating, when DeepSeek or the network fails.
    """
    kwargs = _fim_kwargs(client, prompt, suffix, model, max_tokens, stop, create_kwargs)

    def pieces() -> Iterator[str]:
        with client.completions.create(**kwargs, stream=True) as stream:
            for chunk in stream:
                text = _text(chunk)
                if text:
                    yield text

    return pieces()


def afim_stream(
    client: openai.AsyncOpenAI,
    prompt: str,
    suffix: str | None = None,
    *,
    model: ModelName | str = DEEPSEEK_FLASH,
    max_tokens: int | None = None,
    stop: str | list[str] | None = None,
    **create_kwargs: Any,
) -> AsyncIterator[str]:
    """Stream a FIM completion asynchronously; the async twin of :func:`fim_stream` (use ``async for``)."""
    kwargs = _fim_kwargs(client, prompt, suffix, model, max_tokens, stop, create_kwargs)

    async def pieces() -> AsyncIterator[str]:
        async with await client.completions.create(**kwargs, stream=True) as stream:
            async for chunk in stream:
                text = _text(chunk)
                if text:
                    yield text

    return pieces()
