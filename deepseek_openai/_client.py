"""``create_client`` / ``create_async_client``: the SDK's own clients, set up for DeepSeek and nothing else."""

from __future__ import annotations

from typing import Any

import openai

from ._compat._hook import AsyncDeepSeekHttpClient, DeepSeekHttpClient
from ._compat._hook_options import LEGACY_MODES, MISSING_REASONING, LegacyMode, MissingReasoning
from ._credentials import ExplicitChoices, guard_copies, needs_hook, neutral_headers, takes_admin_key
from ._errors import InvalidRequestError
from ._settings import EnvFile, resolve_settings
from ._warnings import warn_once

ReasoningStoreLike = Any
"""``"memory"``, a store URL (``"sqlite:///…"``, ``"redis://…"``), a ``ReasoningStore`` object, or ``None``."""

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "create_async_client",
    "create_async_http_client",
    "create_client",
    "create_http_client",
]

DEFAULT_TIMEOUT = 1800.0
"""Seconds to wait for a reply: a non-streaming thinking reply can run for many minutes with no bytes between."""
DEFAULT_CONNECT_TIMEOUT = 10.0
"""Seconds to wait for the TCP/TLS connection."""
DEFAULT_MAX_RETRIES = 2
"""The SDK's own default: 408, 409, 429 and 5xx are retried with a short backoff."""


def _prepare(
    api_key: str | None,
    base_url: str | None,
    env_file: EnvFile,
    beta: bool,
    legacy_models: str,
    kwargs: dict[str, Any],
) -> tuple[dict[str, Any], ExplicitChoices]:
    _check_modes(legacy_models, "error")
    settings = resolve_settings(api_key, base_url, env_file=env_file, beta=beta)
    own_headers = dict(kwargs.pop("default_headers", None) or {})
    chosen = ExplicitChoices(
        legacy_models,
        organization=kwargs.get("organization") is not None,
        project=kwargs.get("project") is not None,
        admin_api_key=kwargs.get("admin_api_key") is not None,
        headers=own_headers,
    )
    headers = {**neutral_headers(settings.api_key, chosen), **own_headers}
    if takes_admin_key() and not chosen.admin_api_key:
        kwargs["admin_api_key"] = settings.api_key  # else openai 2.34+ reads OPENAI_ADMIN_KEY for client.admin.*
    kwargs.setdefault("timeout", openai.Timeout(DEFAULT_TIMEOUT, connect=DEFAULT_CONNECT_TIMEOUT))
    kwargs.setdefault("max_retries", DEFAULT_MAX_RETRIES)
    client = kwargs.get("http_client")
    if client is not None and legacy_models != "pass" and needs_hook(client):
        warn_once(
            "create_client(http_client=...) uses your HTTP client as it is, so legacy model names are not "
            "translated and thinking-mode warnings are off. Fix: build it with create_http_client(...) or "
            "create_async_http_client(...), or pass legacy_models='pass' to silence this.",
            UserWarning,
        )
    options = {"api_key": settings.api_key, "base_url": settings.base_url, "default_headers": headers, **kwargs}
    return options, chosen


def _check_modes(legacy_models: object, missing_reasoning: object) -> None:
    if legacy_models not in LEGACY_MODES:
        raise InvalidRequestError(
            f"legacy_models={legacy_models!r} is not a mode.",
            fix="use legacy_models='translate' (default), 'error' or 'pass'.",
        )
    if missing_reasoning not in MISSING_REASONING:
        raise InvalidRequestError(
            f"missing_reasoning={missing_reasoning!r} is not a mode.",
            fix="use missing_reasoning='error' (default) or 'disable_thinking'.",
        )


def _options(
    api_key: str | None,
    base_url: str | None,
    env_file: EnvFile,
    beta: bool,
    hook: dict[str, Any],
    reasoning_store: object,
    kwargs: dict[str, Any],
    http_class: type[DeepSeekHttpClient] | type[AsyncDeepSeekHttpClient],
) -> tuple[dict[str, Any], ExplicitChoices]:
    # The shared part of both factories: checks, settings, and our own HTTP client unless one was given.
    _check_modes(hook["legacy_models"], hook["missing_reasoning"])
    _check_store(reasoning_store, kwargs)
    legacy = hook["legacy_models"] if hook["compat"] else "pass"
    options, chosen = _prepare(api_key, base_url, env_file, beta, legacy, kwargs)
    if options.get("http_client") is None:
        http = http_class(**hook, reasoning_store=reasoning_store)
        http.own_client = True  # only this client and its copies use it: key and base URL are the resolved ones
        options["http_client"] = http
    return options, chosen


def _check_store(reasoning_store: object, kwargs: dict[str, Any]) -> None:
    if reasoning_store is not None and kwargs.get("http_client") is not None:
        raise InvalidRequestError(
            "reasoning_store= and http_client= were both given; the store belongs to the HTTP client.",
            fix="pass reasoning_store= to create_http_client(...) / create_async_http_client(...) instead.",
        )


def create_client(
    api_key: str | None = None,
    *,
    base_url: str | None = None,
    beta: bool = False,
    env_file: EnvFile = None,
    legacy_models: LegacyMode = "translate",
    compat: bool = True,
    missing_reasoning: MissingReasoning = "error",
    reasoning_store: ReasoningStoreLike = None,
    **kwargs: Any,
) -> openai.OpenAI:
    """Return an ``openai.OpenAI`` client set up for DeepSeek.

    The key comes from ``api_key``, else ``DEEPSEEK_API_KEY`` in the environment, else ``DEEPSEEK_API_KEY`` in a
    ``.env`` file (searched from the working directory upward, or ``env_file``). ``OPENAI_API_KEY``,
    ``OPENAI_BASE_URL``, ``OPENAI_ORG_ID``, ``OPENAI_PROJECT_ID``, ``OPENAI_CUSTOM_HEADERS`` and
    ``OPENAI_ADMIN_KEY`` never reach DeepSeek, also through ``client.copy()`` / ``client.with_options()`` and
    copies of copies, whenever those variables were set: each copy re-applies the neutral headers, pinned to its
    own key (``with_options(api_key=...)`` sends that key). ``organization``, ``project`` and ``default_headers``
    you pass are sent as given. On openai 2.34+ ``admin_api_key`` is the DeepSeek key unless you pass one.
    Nothing is written to ``os.environ``.

    Args:
        api_key: the DeepSeek key (``sk-…``); ``None`` looks it up as above.
        base_url: explicit base URL; else ``DEEPSEEK_BASE_URL`` (or ``DEEPSEEK_API_BASE``) from the environment,
            then ``.env``, else ``https://api.deepseek.com``.
        beta: use the beta base (``…/beta``) needed by chat prefix completion, FIM and strict tools.
        env_file: ``None`` searches for ``.env``; a path reads that file; ``False`` reads none. The
            ``PYTHON_DOTENV_DISABLED`` variable turns ``.env`` reading off.
        legacy_models: what to do with the retired ids ``deepseek-chat`` / ``deepseek-reasoner``:
            ``"translate"`` (default) sends ``deepseek-flash`` with thinking off / on and warns
            (``LegacyModelWarning``, a ``FutureWarning``); ``"error"`` raises :class:`LegacyModelError` before
            sending (on ``/responses`` too); ``"pass"`` sends them untouched. An explicit ``thinking`` or
            ``reasoning_effort`` decides thinking; the name only fills the default. The same hook warns when
            ``temperature`` or a penalty is sent while thinking is on. A custom ``http_client`` switches the
            hook off (a warning says so, also for ``client.with_options(http_client=...)``) unless it comes from
            :func:`create_http_client`. Default clients share
            one verifying TLS context per process, so creating a client costs well under a millisecond.
        compat: ``True`` (default) lets the request hook make OpenAI-style requests work on DeepSeek (the rows of
            ``REWRITES``: ``developer`` → ``system``, ``max_completion_tokens`` → ``max_tokens``, forced
            ``tool_choice`` → thinking off, ``json_schema`` → ``json_object`` + schema, and the reasoning memory
            that fills ``reasoning_content`` back into tool loops); ``False`` sends every request exactly as written.
            A request that needs none of this goes out byte-identical either way.
        missing_reasoning: what to do when a tools request with thinking on sends back an assistant turn whose
            reasoning is unknown (not received with that conversation by this account, in this process or its
            ``reasoning_store``): ``"error"`` (default) raises :class:`InvalidRequestError` naming the message
            before sending; ``"disable_thinking"`` sends that request with thinking off (DeepSeek's passback
            rule holds in thinking mode only) and warns.
        reasoning_store: where the reasoning memory keeps what it learns beyond this process: ``"memory"``
            (the process alone; the default), ``"sqlite:///path"`` (the processes of one machine, across
            restarts), ``"redis://host:port/db"`` (several machines; the ``[redis]`` extra), or an object
            implementing :class:`ReasoningStore`. ``None`` reads ``DEEPSEEK_REASONING_STORE``. Every client of
            a process shares one in-process memory in front of it, scoped to the account (key and server).
        **kwargs: passed to ``openai.OpenAI`` as is (``timeout``, ``max_retries``, ``default_headers``,
            ``http_client``, ...). Defaults: ``timeout`` 1800 s read / 10 s connect, ``max_retries`` 2.

    Returns:
        A plain ``openai.OpenAI``.

    Raises:
        MissingAPIKeyError: no key was found (the message lists the three places looked in).
        InvalidRequestError: an empty or malformed key or base URL, a missing ``env_file``, a bad mode; from a
            copy: ``api_key`` given as a callable while ``OPENAI_CUSTOM_HEADERS`` has an Authorization line.
    """
    hook = {"legacy_models": legacy_models, "compat": compat, "missing_reasoning": missing_reasoning}
    options, chosen = _options(api_key, base_url, env_file, beta, hook, reasoning_store, kwargs, DeepSeekHttpClient)
    return guard_copies(openai.OpenAI(**options), chosen)


def create_async_client(
    api_key: str | None = None,
    *,
    base_url: str | None = None,
    beta: bool = False,
    env_file: EnvFile = None,
    legacy_models: LegacyMode = "translate",
    compat: bool = True,
    missing_reasoning: MissingReasoning = "error",
    reasoning_store: ReasoningStoreLike = None,
    **kwargs: Any,
) -> openai.AsyncOpenAI:
    """Return an ``openai.AsyncOpenAI`` client set up for DeepSeek; the async twin of :func:`create_client`.

    Args, key and base URL lookup, and errors are exactly those of :func:`create_client`.
    """
    hook = {"legacy_models": legacy_models, "compat": compat, "missing_reasoning": missing_reasoning}
    options, chosen = _options(
        api_key, base_url, env_file, beta, hook, reasoning_store, kwargs, AsyncDeepSeekHttpClient
    )
    return guard_copies(openai.AsyncOpenAI(**options), chosen)


def create_http_client(
    *,
    legacy_models: LegacyMode = "translate",
    compat: bool = True,
    missing_reasoning: MissingReasoning = "error",
    reasoning_store: ReasoningStoreLike = None,
    **kwargs: Any,
) -> DeepSeekHttpClient:
    """Return the sync HTTP client :func:`create_client` uses, for custom httpx options or for a framework.

    Hand it to any code that builds its own ``openai.OpenAI`` (``http_client=create_http_client()``): the request
    hook and the reasoning memory then work there too. Such a client reads ``OPENAI_*`` itself, so give it
    ``api_key=`` and ``base_url=``: a request carrying ``OPENAI_API_KEY``, or going to OpenAI or to the host
    ``OPENAI_BASE_URL`` names (unless that is DeepSeek's), raises :class:`InvalidRequestError` before sending.

    Args:
        legacy_models: as in :func:`create_client`.
        compat: as in :func:`create_client`.
        missing_reasoning: as in :func:`create_client`.
        reasoning_store: as in :func:`create_client`.
        **kwargs: httpx client options, passed on as is.

    Returns:
        An ``httpx.Client`` subclass (the SDK's ``DefaultHttpxClient``).

    Raises:
        InvalidRequestError: a bad ``legacy_models`` or ``missing_reasoning`` mode.
    """
    _check_modes(legacy_models, missing_reasoning)
    return DeepSeekHttpClient(
        legacy_models=legacy_models,
        compat=compat,
        missing_reasoning=missing_reasoning,
        reasoning_store=reasoning_store,
        **kwargs,
    )


def create_async_http_client(
    *,
    legacy_models: LegacyMode = "translate",
    compat: bool = True,
    missing_reasoning: MissingReasoning = "error",
    reasoning_store: ReasoningStoreLike = None,
    **kwargs: Any,
) -> AsyncDeepSeekHttpClient:
    """Return the async HTTP client :func:`create_async_client` uses; the async twin of :func:`create_http_client`."""
    _check_modes(legacy_models, missing_reasoning)
    return AsyncDeepSeekHttpClient(
        legacy_models=legacy_models,
        compat=compat,
        missing_reasoning=missing_reasoning,
        reasoning_store=reasoning_store,
        **kwargs,
    )
