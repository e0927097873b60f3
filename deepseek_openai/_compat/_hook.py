"""The request hook: the compat layer every request of our clients passes (rewrites in ``_compat.REWRITES``).

It lives in ``build_request`` and ``send`` of an httpx client subclass (public httpx API): the SDK calls
``build_request`` outside its retry loop, so an error raised here reaches the caller as itself, not as a retried
``APIConnectionError``; ``send`` sees every reply, so the reasoning memory learns from it.
"""

from __future__ import annotations

import functools
import json
import ssl
from collections.abc import Mapping
from typing import Any

import openai

from .._errors import DeepSeekError
from .._httpx import http_module
from .._warnings import warn_once as warn_once
from ._memory import ReasoningMemory, Transcript, process_memory
from ._openai_env import check_destination, foreign_key_error, openai_env_headers
from ._options import LegacyMode as LegacyMode
from ._options import MissingReasoning, Options
from ._passback import Scope, StoreLookup, scope_of
from ._store_config import resolve_store, store_error
from ._tap import Reply, atap_response, tap_response

__all__ = ["AsyncDeepSeekHttpClient", "DeepSeekHttpClient", "LegacyMode", "rewrite_request", "warn_once"]

LEGACY_MODES: tuple[str, ...] = ("translate", "error", "pass")
MISSING_REASONING: tuple[str, ...] = ("error", "disable_thinking")
_REPLY = "deepseek_openai.reply"  # request extension: how to remember its reply
_LOOKUP = "deepseek_openai.store_lookup"  # request extension: store keys an async client reads in send()

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
        from .._thinking import thinks  # imported on use, with the rewrite tables (see rewrite_request)

        return bool(body.get("tools")) and not thinks(body)
    content = kwargs.get("content")
    if not isinstance(content, bytes) or b'"tools":' not in content:
        return False
    return b'"thinking":{"type":"disabled"}' in content or (
        b'"reasoning_effort":"none"' in content and b'"thinking":{"type":"enabled"}' not in content
    )


def rewrite_request(
    url: object, kwargs: dict[str, Any], options: Options, scope: Scope | None = None, deferred: bool = False
) -> tuple[dict[str, Any], Transcript | None]:
    """Return ``build_request`` keywords rewritten for DeepSeek (or raise before the network), and the transcript.

    A body that needs nothing is returned as the same object, so it goes out byte-identical; the transcript (the
    conversation as written, for the reply's key) is ``None`` when the body was not parsed. ``scope`` is where
    reasoning is remembered; ``deferred`` makes a needed store read raise ``StoreLookup`` (async clients).
    """
    endpoint = _endpoint(url)
    if endpoint is None:
        return kwargs, None
    body = kwargs.get("json")
    content = kwargs.get("content")
    if isinstance(body, Mapping):  # openai 1.x hands httpx the dict: a shallow copy is all a rewrite needs
        from ._rewrite import rewrite_body  # imported on use: creating a client loads no rewrite tables

        new = dict(body)
        changed, transcript = rewrite_body(new, endpoint, options, scope, deferred)
        return ({**kwargs, "json": new} if changed else kwargs), transcript
    if isinstance(content, bytes) and _may_need(content, endpoint):  # 2.x and 3.x hand it serialised bytes
        from ._rewrite import rewrite_body

        parsed = json.loads(content)
        if isinstance(parsed, dict):
            changed, transcript = rewrite_body(parsed, endpoint, options, scope, deferred)
            if changed:
                # The SDK's own serialisation (openai._utils._json.openapi_dumps): compact, UTF-8.
                dumped = json.dumps(parsed, separators=(",", ":"), ensure_ascii=False).encode()
                kwargs = {**kwargs, "content": dumped}
            return kwargs, transcript
    return kwargs, None


def _choices_wanted(kwargs: Mapping[str, Any]) -> int:
    # n > 1 interleaves the chunks of several choices, which the tap then keeps apart by index.
    body = kwargs.get("json")
    if isinstance(body, Mapping):
        n = body.get("n")
        return n if isinstance(n, int) else 1
    content = kwargs.get("content")
    if not isinstance(content, bytes):
        return 1
    at = content.find(b'"n":')
    if at < 0:
        return 1
    digits = content[at + 4 : at + 12].split(b",")[0].split(b"}")[0].strip()
    return int(digits) if digits.isdigit() else 1


def _sdk_passes_errors() -> bool:
    # openai 2.31+ re-raises an OpenAIError from send() as it is; older ones retry it and wrap it.
    major, minor = (int(p) if p.isdigit() else 0 for p in openai.__version__.split(".")[:2])
    return (major, minor) >= (2, 31)


@functools.lru_cache(maxsize=1)
def shared_ssl_context() -> ssl.SSLContext:
    """Return the TLS context every default client of this process shares: verifying, built once by httpx.

    Loading the CA bundle is over 90 % of creating a client (~20 ms); one context serves every client. It is the
    same context httpx (openai 1.x/2.x) or httpx2 (3.x) builds for ``verify=True``, so certificate checks are
    unchanged; ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` are read when the first client is created.
    """
    context: ssl.SSLContext = http_module().create_ssl_context()
    return context


def _with_tls(kwargs: dict[str, Any]) -> dict[str, Any]:
    if "verify" in kwargs or "transport" in kwargs or "cert" in kwargs:
        return kwargs
    return {**kwargs, "verify": shared_ssl_context()}


class _Hooked:
    """What both HTTP clients carry: the hook's options and the durable reasoning store, if any."""

    hook_options: Options
    reasoning_store: Any
    own_client: bool = False
    remembers_replies: bool = True
    """``False`` for batch clients: their lines are separate conversations, and memory stays flat over a job."""
    """Set by ``create_client()`` on the HTTP client it builds: only its SDK clients (which read no ``OPENAI_*``)
    send through it, so the checks on ``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` are skipped."""

    def __init__(
        self,
        *,
        legacy_models: LegacyMode = "translate",
        compat: bool = True,
        missing_reasoning: MissingReasoning = "error",
        reasoning_store: Any = None,
        **kwargs: Any,
    ) -> None:
        self.hook_options = Options(legacy_models=legacy_models, compat=compat, missing_reasoning=missing_reasoning)
        self.reasoning_store = resolve_store(reasoning_store) if compat else None
        super().__init__(**_with_tls(kwargs))  # the SDK's default httpx client, next in the MRO

    @property
    def legacy_models(self) -> LegacyMode:
        """The ``legacy_models`` mode this client was built with."""
        return self.hook_options.legacy_models

    @property
    def memory(self) -> ReasoningMemory:
        """The process's reasoning memory, shared by every client (entries are scoped to account and conversation)."""
        return process_memory()

    def _passes_back(self, method: str, url: Any) -> bool:
        return self.hook_options.compat and method.upper() == "POST" and _endpoint(url) == "chat"

    def _prepared(self, method: str, url: Any, kwargs: dict[str, Any], deferred: bool, looked_up: Any = None) -> Any:
        """Rewrite, build and mark one request (the shared part of both clients' ``build_request``).

        ``looked_up``: what an async client's ``send`` already read from the store, read instead of the store.
        """
        scope = None
        if self._passes_back(method, url):
            scope = scope_of(kwargs.get("headers"), url, process_memory(), self.reasoning_store)
        reading = scope._replace(store=looked_up) if scope is not None and looked_up is not None else scope
        kwargs, transcript = rewrite_request(url, kwargs, self.hook_options, reading, deferred)
        request = super().build_request(method, url, **kwargs)  # type: ignore[misc]
        # A framework's own openai.OpenAI on our HTTP client reads OPENAI_* itself: refuse a key or host taken from
        # there, and drop the headers it took.
        check_destination(request.url, request.headers, own_client=self.own_client)
        for name in openai_env_headers(request.headers):
            if name == "authorization":
                raise foreign_key_error()  # our key was displaced and cannot be recovered here
            del request.headers[name]
        if scope is not None and self.remembers_replies:
            content = None
            if transcript is None:
                try:
                    content = request.content  # parsed only if the reply has reasoning to remember
                except Exception:  # noqa: BLE001 - a streamed body: not a chat request we can key
                    content = None
            bare = sent_without_thinking(kwargs)  # its reply is remembered as having no reasoning
            request.extensions[_REPLY] = Reply(scope, transcript, content, bare, _choices_wanted(kwargs) > 1)
        return request


class DeepSeekHttpClient(_Hooked, openai.DefaultHttpxClient):
    """The SDK's default sync httpx client plus the DeepSeek request hook (see ``REWRITES``) and reasoning memory."""

    def build_request(self, method: str, url: Any, **kwargs: Any) -> Any:
        """Build the request after applying :func:`rewrite_request`."""
        return self._prepared(method, url, kwargs, deferred=False)

    def send(self, request: Any, **kwargs: Any) -> Any:
        """Send, then remember the reply's reasoning (a stream is read as it passes to the caller)."""
        response = super().send(request, **kwargs)
        reply = request.extensions.get(_REPLY)
        if reply is not None:
            tap_response(response, reply)
        return response

    def __del__(self) -> None:
        # Mirrors the SDK's own wrapper: close pooled sockets when the client is collected.
        try:
            if not self.is_closed:
                self.close()
        except Exception:  # noqa: BLE001 - nothing useful to do at garbage collection
            pass


class AsyncDeepSeekHttpClient(_Hooked, openai.DefaultAsyncHttpxClient):
    """The SDK's default async httpx client plus the DeepSeek request hook and reasoning memory.

    ``build_request`` is synchronous, so it reads only the process memory; when a turn must come from the durable
    store, the request is marked and ``send`` reads the store (awaited, never blocking the event loop), then
    rewrites the request.
    """

    def build_request(self, method: str, url: Any, **kwargs: Any) -> Any:
        """Build the request after applying :func:`rewrite_request`."""
        try:
            return self._prepared(method, url, kwargs, deferred=True)
        except StoreLookup as lookup:
            request = super().build_request(method, url, **kwargs)
            request.extensions[_LOOKUP] = (lookup.keys, method, url, kwargs)
            return request

    async def send(self, request: Any, **kwargs: Any) -> Any:
        """Send, then remember the reply's reasoning (a stream is read as it passes to the caller)."""
        lookup = request.extensions.get(_LOOKUP)
        if lookup is not None:
            try:
                request = await self._after_lookup(*lookup)
            except DeepSeekError as err:
                if _sdk_passes_errors():
                    raise
                return _refusal(request, err)  # older SDKs would retry an error from send() and wrap it
        response = await super().send(request, **kwargs)
        reply = request.extensions.get(_REPLY)
        if reply is not None:
            await atap_response(response, reply)
        return response

    async def _after_lookup(self, keys: list[str], method: str, url: Any, kwargs: dict[str, Any]) -> Any:
        store = self.reasoning_store
        try:
            found = await store.aget(keys)
        except Exception as err:  # noqa: BLE001 - reported as the store's failure by the rewrite below
            return self._prepared(method, url, kwargs, False, LookedUp({}, err))
        return self._prepared(method, url, kwargs, False, LookedUp(found, None))

    def __del__(self) -> None:
        # Mirrors the SDK's own wrapper: schedule aclose() on the running loop, if there is one.
        try:
            if self.is_closed:
                return
            import asyncio

            asyncio.get_running_loop().create_task(self.aclose())
        except Exception:  # noqa: BLE001 - no loop: the sockets are closed by the loop's own teardown
            pass


class LookedUp:
    """A store stand-in for the second pass of an async request: what the store returned, or how it failed."""

    def __init__(self, found: Mapping[str, str], error: Exception | None) -> None:
        self.found, self.error = found, error

    def get(self, keys: Any) -> Mapping[str, str]:
        """Return what the awaited read found (or raise its failure)."""
        if self.error is not None:
            raise store_error(self.error)
        return self.found

    def put(self, entries: Any) -> None:
        """Never called: replies are saved through the client's real store."""


def _refusal(request: Any, err: DeepSeekError) -> Any:
    # DeepSeek would answer this request 400; nothing was sent. The SDK raises BadRequestError with this text.
    body = {"error": {"message": str(err), "type": "invalid_request_error", "code": err.rule or "invalid_request"}}
    return http_module().Response(400, json=body, request=request, headers={"x-deepseek-openai": "not-sent"})
