"""The request hook: the compat layer every request of our clients passes (rewrites in ``_compat.REWRITES``).

It lives in ``build_request`` and ``send`` of an httpx client subclass (public httpx API): the SDK calls
``build_request`` outside its retry loop, so an error raised here reaches the caller as itself, not as a retried
``APIConnectionError``; ``send`` sees every reply, so the reasoning memory learns from it.
"""

from __future__ import annotations

import functools
import importlib
import json
import ssl
from collections.abc import Mapping
from typing import Any

import openai

from ._memory import ReasoningMemory
from ._openai_env import foreign_key_error, openai_env_headers
from ._options import LegacyMode as LegacyMode
from ._options import MissingReasoning, Options
from ._sse import tap_response
from ._warnings import _WARNED as _WARNED
from ._warnings import warn_once as warn_once

__all__ = ["AsyncDeepSeekHttpClient", "DeepSeekHttpClient", "LegacyMode", "rewrite_request", "warn_once"]

LEGACY_MODES: tuple[str, ...] = ("translate", "error", "pass")
MISSING_REASONING: tuple[str, ...] = ("error", "disable_thinking")
_BARE = "deepseek_openai.sent_without_thinking"

# A 2.x/3.x body (compact JSON bytes) without any of these needs no rewrite and no warning: it is never parsed.
_NEEDLES = (
    b'"deepseek-chat"',
    b'"deepseek-reasoner"',
    b'"developer"',
    b'"json_schema"',
    b'"max_completion_tokens"',
    b'"temperature"',
    b'"presence_penalty"',
    b'"frequency_penalty"',
)


def _endpoint(url: object) -> str | None:
    path = str(url).split("?", 1)[0]
    if path.endswith("/chat/completions"):
        return "chat"
    if path.endswith("/completions"):
        return "fim"
    return "responses" if path.endswith("/responses") else None


def _may_need(content: bytes, endpoint: str) -> bool:
    if any(needle in content for needle in _NEEDLES):
        return True
    if endpoint != "chat":
        return False
    choice = content.find(b'"tool_choice":')
    if choice >= 0 and content[choice + 14 : choice + 20] not in (b'"auto"', b'"none"'):
        return True  # "required" or a named function
    # With tools and thinking not switched off, an assistant turn without a reasoning string may need one.
    return (
        b'"tools":' in content
        and b'"thinking":{"type":"disabled"}' not in content
        and content.count(b'"role":"assistant"') > content.count(b'"reasoning_content":"')
    )


def sent_without_thinking(kwargs: Mapping[str, Any]) -> bool:
    """Return whether these ``build_request`` keywords are a tool request with thinking off (cheap byte checks)."""
    body = kwargs.get("json")
    if isinstance(body, Mapping):
        from ._thinking import thinks  # imported on use, with the rewrite tables (see rewrite_request)

        return bool(body.get("tools")) and not thinks(body)
    content = kwargs.get("content")
    if not isinstance(content, bytes) or b'"tools":' not in content:
        return False
    return b'"thinking":{"type":"disabled"}' in content or (
        b'"reasoning_effort":"none"' in content and b'"thinking":{"type":"enabled"}' not in content
    )


def rewrite_request(url: object, kwargs: dict[str, Any], options: Options, memory: ReasoningMemory) -> dict[str, Any]:
    """Return ``build_request`` keywords rewritten for DeepSeek (or raise before the network); warn as needed.

    A body that needs nothing is returned as the same object, so it goes out byte-identical.
    """
    endpoint = _endpoint(url)
    if endpoint is None:
        return kwargs
    # Imported on the first request that may need it (then a dict lookup): creating a client loads no tables.
    from ._rewrite import rewrite_body

    body = kwargs.get("json")
    content = kwargs.get("content")
    if isinstance(body, Mapping):  # openai 1.x hands httpx the dict: a shallow copy is all a rewrite needs
        new = dict(body)
        if rewrite_body(new, endpoint, options, memory):
            kwargs = {**kwargs, "json": new}
        return kwargs
    if isinstance(content, bytes) and _may_need(content, endpoint):  # 2.x and 3.x hand it serialised bytes
        parsed = json.loads(content)
        if isinstance(parsed, dict) and rewrite_body(parsed, endpoint, options, memory):
            # The SDK's own serialisation (openai._utils._json.openapi_dumps): compact, UTF-8.
            kwargs = {**kwargs, "content": json.dumps(parsed, separators=(",", ":"), ensure_ascii=False).encode()}
    return kwargs


@functools.lru_cache(maxsize=1)
def shared_ssl_context() -> ssl.SSLContext:
    """Return the TLS context every default client of this process shares: verifying, built once by httpx.

    Loading the CA bundle is over 90 % of creating a client (~20 ms); one context serves every client. It is the
    same context httpx (openai 1.x/2.x) or httpx2 (3.x) builds for ``verify=True``, so certificate checks are
    unchanged; ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` are read when the first client is created.
    """
    base = next(c for c in openai.DefaultHttpxClient.__mro__ if c.__module__.startswith(("httpx.", "httpx2.")))
    http: Any = importlib.import_module(base.__module__.partition(".")[0])  # httpx or httpx2: never imported by name
    context: ssl.SSLContext = http.create_ssl_context()
    return context


def _with_tls(kwargs: dict[str, Any]) -> dict[str, Any]:
    if "verify" in kwargs or "transport" in kwargs or "cert" in kwargs:
        return kwargs
    return {**kwargs, "verify": shared_ssl_context()}


class _Hooked:
    """What both HTTP clients carry: the hook's options and the reasoning memory their SDK clients share."""

    hook_options: Options
    memory: ReasoningMemory

    def __init__(
        self,
        *,
        legacy_models: LegacyMode = "translate",
        compat: bool = True,
        missing_reasoning: MissingReasoning = "error",
        **kwargs: Any,
    ) -> None:
        self.hook_options = Options(legacy_models=legacy_models, compat=compat, missing_reasoning=missing_reasoning)
        self.memory = ReasoningMemory()
        super().__init__(**_with_tls(kwargs))  # the SDK's default httpx client, next in the MRO

    @property
    def legacy_models(self) -> LegacyMode:
        """The ``legacy_models`` mode this client was built with."""
        return self.hook_options.legacy_models

    def _rewrite(self, url: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
        return rewrite_request(url, kwargs, self.hook_options, self.memory)

    def _remembers(self, request: Any) -> bool:
        if not self.hook_options.compat or self.memory.max_entries <= 0:  # a memory of size 0: nothing to learn
            return False
        return bool(request.method == "POST" and request.url.path.endswith("/chat/completions"))

    def _build(self, request: Any, kwargs: Mapping[str, Any]) -> Any:
        # A framework's own openai.OpenAI on our HTTP client reads OPENAI_* itself: drop what it took from there.
        for name in openai_env_headers(request.headers):
            if name == "authorization":
                raise foreign_key_error()  # our key was displaced and cannot be recovered here
            del request.headers[name]
        if self._remembers(request) and sent_without_thinking(kwargs):
            request.extensions[_BARE] = True  # its reply is remembered as having no reasoning
        return request


class DeepSeekHttpClient(_Hooked, openai.DefaultHttpxClient):
    """The SDK's default sync httpx client plus the DeepSeek request hook (see ``REWRITES``) and reasoning memory."""

    def build_request(self, method: str, url: Any, **kwargs: Any) -> Any:
        """Build the request after applying :func:`rewrite_request`."""
        kwargs = self._rewrite(url, kwargs)
        return self._build(super().build_request(method, url, **kwargs), kwargs)

    def send(self, request: Any, **kwargs: Any) -> Any:
        """Send, then remember the reply's reasoning (a stream is read as it passes to the caller)."""
        response = super().send(request, **kwargs)
        if self._remembers(request):
            tap_response(response, self.memory, False, bool(request.extensions.get(_BARE)))
        return response

    def __del__(self) -> None:
        # Mirrors the SDK's own wrapper: close pooled sockets when the client is collected.
        try:
            if not self.is_closed:
                self.close()
        except Exception:  # noqa: BLE001 - nothing useful to do at garbage collection
            pass


class AsyncDeepSeekHttpClient(_Hooked, openai.DefaultAsyncHttpxClient):
    """The SDK's default async httpx client plus the DeepSeek request hook and reasoning memory."""

    def build_request(self, method: str, url: Any, **kwargs: Any) -> Any:
        """Build the request after applying :func:`rewrite_request`."""
        kwargs = self._rewrite(url, kwargs)
        return self._build(super().build_request(method, url, **kwargs), kwargs)

    async def send(self, request: Any, **kwargs: Any) -> Any:
        """Send, then remember the reply's reasoning (a stream is read as it passes to the caller)."""
        response = await super().send(request, **kwargs)
        if self._remembers(request):
            tap_response(response, self.memory, True, bool(request.extensions.get(_BARE)))
        return response

    def __del__(self) -> None:
        # Mirrors the SDK's own wrapper: schedule aclose() on the running loop, if there is one.
        try:
            if self.is_closed:
                return
            import asyncio

            asyncio.get_running_loop().create_task(self.aclose())
        except Exception:  # noqa: BLE001 - no loop: the sockets are closed by the loop's own teardown
            pass
