"""The request hook: legacy model names and thinking-mode warnings, applied as the SDK builds each request.

It lives in ``build_request`` of an httpx client subclass (public httpx API): the SDK calls it outside its retry
loop, so an error raised here reaches the caller as itself, not as a retried ``APIConnectionError``.
"""

from __future__ import annotations

import functools
import importlib
import json
import re
import ssl
import sys
import warnings
from collections.abc import Mapping
from typing import Any, Literal

import openai

from ._errors import LegacyModelError
from ._models import MODELS
from ._rules import RULES

__all__ = ["AsyncDeepSeekHttpClient", "DeepSeekHttpClient", "LegacyMode", "rewrite_request", "warn_once"]

LegacyMode = Literal["translate", "error", "pass"]
LEGACY_MODES: tuple[str, ...] = ("translate", "error", "pass")

# Bodies without one of these byte strings need no rewrite and no warning: they are never parsed.
_NEEDLE = re.compile(rb'"(?:deepseek-chat|deepseek-reasoner|temperature|presence_penalty|frequency_penalty)"')
_SAMPLING = ("temperature", "presence_penalty", "frequency_penalty")
_INTERNAL = frozenset({"deepseek_openai", "openai", "httpx", "httpx2", "httpcore", "httpcore2", "anyio", "asyncio"})
_WARNED: set[str] = set()


def _stacklevel() -> int:
    # Point the warning at the first frame outside the SDK stack, so Python's default filters show it.
    level, frame = 1, sys._getframe(1)
    while frame.f_back is not None and frame.f_globals.get("__name__", "").partition(".")[0] in _INTERNAL:
        frame, level = frame.f_back, level + 1
    return level


def warn_once(key: str, message: str, category: type[Warning]) -> None:
    """Warn once per process per ``key``, attributed to the user's calling line."""
    if key in _WARNED:
        return
    _WARNED.add(key)
    warnings.warn(message, category, stacklevel=_stacklevel())


def _thinking_on(body: Mapping[str, Any]) -> bool:
    # Thinking is on unless switched off; the toggle wins over effort (guides/thinking_mode).
    toggle = body.get("thinking")
    if isinstance(toggle, Mapping) and toggle.get("type") == "disabled":
        return False
    return body.get("reasoning_effort") != "none"


def _rewrite(body: dict[str, Any], chat: bool, mode: LegacyMode) -> bool:
    changed = False
    model = body.get("model")
    info = MODELS.get(model) if isinstance(model, str) else None
    if info is not None and info.status == "retired" and mode != "pass":
        thinking = "enabled" if info.legacy_thinking else "disabled"
        how = (
            " (thinking is on by default)"
            if info.legacy_thinking
            else ' with extra_body={"thinking": {"type": "disabled"}}'
        )
        fix = f"write model={info.served_by!r}{how}"
        if mode == "error":
            raise LegacyModelError(
                f"DeepSeek retired model {model!r} on 2026-07-24 and answers 400 to it.",
                fix=f"{fix}, or create the client with legacy_models='translate'.",
                rule="retired_model",
            )
        body["model"] = info.served_by
        # Chat only: FIM takes no thinking field and is always non-thinking (guides/fim_completion).
        if chat and "thinking" not in body:
            body["thinking"] = {"type": thinking}
        how_sent = f" with thinking {'on' if _thinking_on(body) else 'off'}" if chat else ""
        warn_once(
            f"legacy:{model}",
            f"model {model!r} was retired by DeepSeek on 2026-07-24; deepseek_openai sent it as "
            f"{info.served_by!r}{how_sent}. To silence this, {fix}.",
            DeprecationWarning,
        )
        changed = True
    if chat and _thinking_on(body):
        sent = [k for k in _SAMPLING if body.get(k) is not None]
        if sent:
            # DeepSeek accepts these in thinking mode and silently ignores them (guides/thinking_mode).
            warn_once(
                "sampling",
                f"{', '.join(sent)} has no effect while thinking is on (DeepSeek ignores it). "
                f"Fix: {RULES['ignored_sampling'].fix}",
                UserWarning,
            )
    return changed


def rewrite_request(url: object, kwargs: dict[str, Any], mode: LegacyMode) -> dict[str, Any]:
    """Return ``build_request`` keywords with legacy names translated (or refused); warn as needed."""
    path = str(url).split("?", 1)[0]
    chat = path.endswith("/chat/completions")
    if not (chat or path.endswith("/completions")):
        return kwargs
    body = kwargs.get("json")
    content = kwargs.get("content")
    if isinstance(body, Mapping):  # openai 1.x hands httpx the dict
        if not any(k in body for k in _SAMPLING) and body.get("model") not in ("deepseek-chat", "deepseek-reasoner"):
            return kwargs
        new = dict(body)
        if _rewrite(new, chat, mode):
            kwargs = {**kwargs, "json": new}
        return kwargs
    if isinstance(content, bytes) and _NEEDLE.search(content):  # 2.x and 3.x hand it serialised bytes
        parsed = json.loads(content)
        if isinstance(parsed, dict) and _rewrite(parsed, chat, mode):
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


class DeepSeekHttpClient(openai.DefaultHttpxClient):
    """The SDK's default sync httpx client plus the DeepSeek request hook (legacy names, warnings)."""

    def __init__(self, *, legacy_models: LegacyMode = "translate", **kwargs: Any) -> None:
        self.legacy_models: LegacyMode = legacy_models
        super().__init__(**_with_tls(kwargs))

    def build_request(self, method: str, url: Any, **kwargs: Any) -> Any:
        """Build the request after applying :func:`rewrite_request`."""
        return super().build_request(method, url, **rewrite_request(url, kwargs, self.legacy_models))

    def __del__(self) -> None:
        # Mirrors the SDK's own wrapper: close pooled sockets when the client is collected.
        try:
            if not self.is_closed:
                self.close()
        except Exception:  # noqa: BLE001 - nothing useful to do at garbage collection
            pass


class AsyncDeepSeekHttpClient(openai.DefaultAsyncHttpxClient):
    """The SDK's default async httpx client plus the DeepSeek request hook (legacy names, warnings)."""

    def __init__(self, *, legacy_models: LegacyMode = "translate", **kwargs: Any) -> None:
        self.legacy_models: LegacyMode = legacy_models
        super().__init__(**_with_tls(kwargs))

    def build_request(self, method: str, url: Any, **kwargs: Any) -> Any:
        """Build the request after applying :func:`rewrite_request`."""
        return super().build_request(method, url, **rewrite_request(url, kwargs, self.legacy_models))

    def __del__(self) -> None:
        # Mirrors the SDK's own wrapper: schedule aclose() on the running loop, if there is one.
        try:
            if self.is_closed:
                return
            import asyncio

            asyncio.get_running_loop().create_task(self.aclose())
        except Exception:  # noqa: BLE001 - no loop: the sockets are closed by the loop's own teardown
            pass
