"""Keep the user's OpenAI set-up (``OPENAI_*``) away from DeepSeek: in each client and in every copy of it.

The SDK reads ``OPENAI_ORG_ID``, ``OPENAI_PROJECT_ID``, ``OPENAI_CUSTOM_HEADERS`` and (2.34+) ``OPENAI_ADMIN_KEY``
each time it builds a client, and ``copy()`` / ``with_options()`` build a new one, so settings fixed at creation
are not enough: every copy of a client we return gets the neutral headers again, from the environment as it is then.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, TypeVar

import openai

from ._compat._hook import AsyncDeepSeekHttpClient, DeepSeekHttpClient
from ._errors import InvalidRequestError
from ._warnings import warn_once

try:
    from openai import Omit
except ImportError:  # pragma: no cover - openai < 1.57 is below our floor
    from openai._types import Omit

__all__ = [
    "ExplicitChoices",
    "guard_copies",
    "needs_hook",
    "neutral_headers",
    "takes_admin_key",
]

ClientT = TypeVar("ClientT", openai.OpenAI, openai.AsyncOpenAI)


class ExplicitChoices(NamedTuple):
    """What the user chose explicitly for a client; its copies keep these and neutralise everything else.

    A ``NamedTuple`` rather than a frozen dataclass: one is built per copy, and this is about 5x cheaper.
    """

    legacy_models: str
    organization: bool
    project: bool
    admin_api_key: bool
    headers: Mapping[str, Any]


@functools.cache
def takes_admin_key() -> bool:
    """Whether this openai reads ``OPENAI_ADMIN_KEY`` (2.34+); 1.x has no ``admin_api_key`` at all."""
    return "admin_api_key" in inspect.signature(openai.OpenAI.__init__).parameters


def needs_hook(http_client: object) -> bool:
    """Whether ``http_client`` lacks our request hook (legacy-name translation and warnings)."""
    return not isinstance(http_client, (DeepSeekHttpClient, AsyncDeepSeekHttpClient))


def neutral_headers(api_key: object, chosen: ExplicitChoices) -> dict[str, Any]:
    """Headers that cancel what the SDK takes from ``OPENAI_*`` now; the user's own choices are left alone.

    Raises:
        InvalidRequestError: ``OPENAI_CUSTOM_HEADERS`` has an Authorization line and the key is not a string
            (a callable key cannot be pinned, and the line would replace it).
    """
    headers: dict[str, Any] = {}
    if not chosen.organization:
        headers["OpenAI-Organization"] = Omit()
    if not chosen.project:
        headers["OpenAI-Project"] = Omit()
    for line in os.environ.get("OPENAI_CUSTOM_HEADERS", "").split("\n"):
        name, sep, _ = line.partition(":")
        if not sep:
            continue
        name = name.strip()
        headers[name] = Omit()  # the SDK takes every "Name: value" line as a header (openai 2.34+)
        if name.lower() == "authorization":
            if not isinstance(api_key, str) or not api_key:
                raise InvalidRequestError(
                    "OPENAI_CUSTOM_HEADERS has an Authorization line, which would replace a callable api_key.",
                    fix="pass the DeepSeek key as a string, or drop the Authorization line of OPENAI_CUSTOM_HEADERS.",
                )
            # Omit the line's own spelling first, then pin ours: 3.x merges names case-insensitively, in order.
            headers.pop("Authorization", None)
            headers["Authorization"] = f"Bearer {api_key}"
    return headers


def _without_authorization(headers: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in headers.items() if name.lower() != "authorization"}


def _copy_options(
    client: openai.OpenAI | openai.AsyncOpenAI, chosen: ExplicitChoices, kwargs: dict[str, Any]
) -> ExplicitChoices:
    # Turns a copy(**kwargs) call into one that re-applies the neutral headers; returns the copy's own choices.
    added, replacing = kwargs.pop("default_headers", None), kwargs.pop("set_default_headers", None)
    key = kwargs.get("api_key")
    inherited = chosen.headers if key is None else _without_authorization(chosen.headers)  # an explicit key wins
    headers = dict(replacing) if replacing is not None else {**inherited, **(added or {})}
    child = ExplicitChoices(
        chosen.legacy_models,
        chosen.organization or kwargs.get("organization") is not None,
        chosen.project or kwargs.get("project") is not None,
        chosen.admin_api_key or kwargs.get("admin_api_key") is not None,
        headers,
    )
    key = client.api_key if key is None else key
    kwargs["set_default_headers"] = {**neutral_headers(key, child), **headers}
    if takes_admin_key() and not child.admin_api_key and isinstance(key, str) and key:
        kwargs["admin_api_key"] = key  # client.admin.* would otherwise send the parent's key, or OPENAI_ADMIN_KEY
    http_client = kwargs.get("http_client")
    if http_client is not None and chosen.legacy_models != "pass" and needs_hook(http_client):
        warn_once(
            "with_options(http_client=...) uses your HTTP client as it is, so on that copy legacy model names are "
            "not translated and thinking-mode warnings are off. Fix: pass create_http_client(...) or "
            "create_async_http_client(...) instead, or create the client with legacy_models='pass'.",
            UserWarning,
        )
    return child


def guard_copies(client: ClientT, chosen: ExplicitChoices) -> ClientT:
    """Make ``client.copy`` / ``client.with_options`` re-apply the neutral headers on every copy, copies included.

    The client stays the SDK's own class; only these two bound methods are replaced on the instance, with wrappers
    that take the same keywords.

    Args:
        client: a client just built by :func:`create_client` / :func:`create_async_client`, or by a guarded copy.
        chosen: what the user chose explicitly for it.

    Returns:
        ``client`` itself.
    """
    sdk_copy: Callable[..., ClientT] = client.copy

    def copy(**kwargs: Any) -> ClientT:
        if kwargs.get("default_headers") is not None and kwargs.get("set_default_headers") is not None:
            return sdk_copy(**kwargs)  # the SDK's own ValueError names the clash
        child = _copy_options(client, chosen, kwargs)
        return guard_copies(sdk_copy(**kwargs), child)

    # inspect.signature() and help() follow __wrapped__ to the SDK's own keywords (cheaper than functools.wraps).
    copy.__wrapped__ = sdk_copy  # type: ignore[attr-defined]
    copy.__doc__ = sdk_copy.__doc__
    client.copy = client.with_options = copy  # type: ignore[method-assign]
    return client
