"""What of a request the SDK took from the user's ``OPENAI_*`` environment (for the request hook).

The hook sees requests of clients we did not build: a framework handed :func:`create_http_client` builds its own
``openai.OpenAI``, which reads ``OPENAI_API_KEY``, ``OPENAI_BASE_URL`` and the header variables itself.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from .._errors import InvalidRequestError
from .._settings import DEFAULT_BASE_URL, default_base_url, default_key

__all__ = ["check_destination", "foreign_key_error", "openai_env_headers"]

_PORTS = {"http": 80, "https": 443}


def openai_env_headers(headers: Mapping[str, str], environ: Mapping[str, str] = os.environ) -> list[str]:
    """Return the (lower-case) names of request ``headers`` whose value the SDK took from ``OPENAI_*``.

    Defence in depth for the request hook, which sees requests of clients we did not build (a framework handed
    :func:`create_http_client` builds its own ``openai.OpenAI``, which reads ``OPENAI_*``). A header counts only
    when its value is exactly the environment's: ``OpenAI-Organization`` = ``OPENAI_ORG_ID``, ``OpenAI-Project`` =
    ``OPENAI_PROJECT_ID``, a ``Name: value`` line of ``OPENAI_CUSTOM_HEADERS``, or ``Authorization`` =
    ``Bearer $OPENAI_ADMIN_KEY``. The hook drops each name returned, except ``authorization``: the DeepSeek key
    was replaced and cannot be recovered there, so it raises :func:`foreign_key_error` before sending.

    Args:
        headers: the outgoing request's headers (any case).
        environ: the environment to compare with.

    Returns:
        The names to act on, in the order of ``headers``; empty for every request our own clients send.
    """
    taken: dict[str, set[str]] = {}
    for name, var in (("openai-organization", "OPENAI_ORG_ID"), ("openai-project", "OPENAI_PROJECT_ID")):
        if environ.get(var):
            taken.setdefault(name, set()).add(environ[var])
    for line in environ.get("OPENAI_CUSTOM_HEADERS", "").split("\n"):
        name, sep, value = line.partition(":")
        if sep:
            taken.setdefault(name.strip().lower(), set()).add(value.strip())
    if environ.get("OPENAI_ADMIN_KEY"):
        taken.setdefault("authorization", set()).add(f"Bearer {environ['OPENAI_ADMIN_KEY']}")
    if not taken:
        return []  # the usual case: no OPENAI_* set, nothing to compare on this per-request path
    return [name.lower() for name, value in headers.items() if value in taken.get(name.lower(), ())]


def foreign_key_error() -> InvalidRequestError:
    """Build the error the request hook raises when ``Authorization`` carries a key from ``OPENAI_*``."""
    return InvalidRequestError(
        "This request's Authorization header comes from OPENAI_CUSTOM_HEADERS or OPENAI_ADMIN_KEY (an OpenAI key), "
        "not from the DeepSeek key; it was not sent.",
        fix="build the client with create_client() / create_async_client(), or drop the Authorization line of "
        "OPENAI_CUSTOM_HEADERS for this process.",
    )


@functools.lru_cache(maxsize=16)
def _origin(url: str) -> tuple[str, int] | None:
    # (host, port) with the scheme's default port filled in: what decides where a request, and its key, goes.
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    # A trailing dot names the same host (a fully qualified name): compare without it.
    return (host.lower().rstrip("."), port or _PORTS.get(parts.scheme.lower(), 0)) if host else None


def _shown(origin: tuple[str, int]) -> str:
    host, port = origin
    return host if port in _PORTS.values() else f"{host}:{port}"


def check_destination(
    url: Any, headers: Mapping[str, str], *, own_client: bool, environ: Mapping[str, str] = os.environ
) -> None:
    """Refuse, before sending, a request that would carry a key between OpenAI and DeepSeek.

    Refused: any request to OpenAI's API (``openai.com`` and its subdomains: the SDK's default base URL); and, for
    a client the package did not build itself (``own_client`` false), a request to the host ``OPENAI_BASE_URL``
    names unless that is DeepSeek's (``api.deepseek.com`` or the base URL ``create_client()`` would resolve), and a
    request whose ``Authorization`` is ``Bearer $OPENAI_API_KEY`` unless that is the DeepSeek key
    ``create_client()`` would resolve. A client ``create_client()`` built never reads either variable, so what it
    sends was resolved by the package. With neither variable set this costs two environment look-ups.

    Args:
        url: the request's URL (an httpx ``URL``: ``host``, ``port``, ``scheme``).
        headers: the request's headers (case-insensitive, as httpx's).
        own_client: whether only SDK clients built by ``create_client()`` use this HTTP client.
        environ: the environment to compare with.

    Raises:
        InvalidRequestError: the request goes to OpenAI or to ``OPENAI_BASE_URL``'s host (fix: ``base_url=``), or
            carries ``OPENAI_API_KEY`` (fix: ``api_key=``).
    """
    host: str = url.host.lower().rstrip(".")  # "api.openai.com." is the same host
    if host == "openai.com" or host.endswith(".openai.com"):
        raise InvalidRequestError(
            f"This request goes to {host}, OpenAI's API, not DeepSeek, and would hand it your DeepSeek key; it was "
            "not sent. An openai.OpenAI built without base_url= goes there (or to OPENAI_BASE_URL).",
            fix=f"pass base_url={DEFAULT_BASE_URL!r} (or your DeepSeek base URL) where that client is built, or use "
            "create_client(), which sets it.",
        )
    if own_client:
        return
    base, openai_key = environ.get("OPENAI_BASE_URL"), environ.get("OPENAI_API_KEY")
    if not base and not openai_key:
        return  # the usual case: nothing of OPENAI_* can be on this request
    target = _origin(base) if base else None
    here = (host, url.port or _PORTS.get(url.scheme, 0))
    if target == here:
        # A host is DeepSeek's when it is api.deepseek.com or the base URL the package resolves (checked last: it
        # may read .env). People point OPENAI_BASE_URL at DeepSeek on purpose, and OPENAI_API_KEY then holds the
        # DeepSeek key: both variables were set for DeepSeek, so the request goes.
        if target == _origin(DEFAULT_BASE_URL) or target == _origin(default_base_url()):
            return
        raise InvalidRequestError(
            f"This request goes to {_shown(here)}, the host OPENAI_BASE_URL names, not to DeepSeek, and would hand "
            "it your DeepSeek key; it was not sent. An openai.OpenAI built without base_url= reads OPENAI_BASE_URL.",
            fix=f"pass base_url={DEFAULT_BASE_URL!r} (or your DeepSeek base URL) where that client is built, or use "
            "create_client(), which never reads OPENAI_BASE_URL; if that host serves DeepSeek on purpose, set "
            "DEEPSEEK_BASE_URL to the same URL.",
        )
    if openai_key and headers.get("authorization") == f"Bearer {openai_key}" and openai_key != default_key():
        raise InvalidRequestError(
            "This request's Authorization header is OPENAI_API_KEY (an openai.OpenAI built without api_key= reads "
            "it), not the DeepSeek key; it was not sent.",
            fix="pass api_key= with your DeepSeek key where that client is built (api_key=os.environ"
            "['DEEPSEEK_API_KEY']), or use create_client(), which reads DEEPSEEK_API_KEY; if OPENAI_API_KEY holds "
            "your DeepSeek key on purpose, set DEEPSEEK_API_KEY to the same value.",
        )
