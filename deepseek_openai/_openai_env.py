"""Which headers of a request the SDK took from the user's ``OPENAI_*`` environment (for the request hook)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from ._errors import InvalidRequestError

__all__ = ["foreign_key_error", "openai_env_headers"]


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
