"""The request hook: the compat layer every request of our clients passes (its rewrites: ``_rewrites.REWRITES``).

It lives in ``build_request`` and ``send`` of an httpx client subclass (public httpx API): the SDK calls
``build_request`` outside its retry loop, so an error raised here reaches the caller as itself, not as a retried
``APIConnectionError``; ``send`` sees every reply, so the reasoning memory learns from it.
"""

from __future__ import annotations

import functools
import json
import re
import ssl
from collections.abc import Mapping
from typing import Any

import openai

from .._errors import DeepSeekError
from .._httpx import http_module
from ._gate import endpoint_of, fields_may_need, may_need
from ._hook_options import HookOptions, LegacyMode, MissingReasoning, resolve_store
from ._memory import ReasoningMemory, Transcript, process_memory
from ._openai_env import check_destination, foreign_key_error, openai_env_headers
from ._passback import Scope, StoreLookup, scope_of
from ._tap import Reply, atap_response, tap_response

__all__ = ["AsyncDeepSeekHttpClient", "DeepSeekHttpClient", "rewrite_request", "shared_ssl_context"]

_REPLY = "deepseek_openai.reply"  # request extension: how to remember its reply
_LOOKUP = "deepseek_openai.store_lookup"  # request extension: the rewrite an async client resumes in send()


def sent_without_thinking(kwargs: Mapping[str, Any]) -> bool:
    """Return whether these ``build_request`` keywords are a chat request with thinking off (``_thinking.thinks``).

    Its reply is remembered as received without reasoning (``""``), with tools or without: a user whose identical
    conversation got a reasoning must not have it filled into a later tool request of this one (the key is then
    ambiguous). The SDK's compact toggle decides at once; with neither toggle nor effort, thinking is on (its
    default); any other body is parsed and the rule itself decides.
    """
    body = kwargs.get("json")
    if isinstance(body, Mapping):
        if "thinking" not in body and "reasoning_effort" not in body:
            return False  # thinking's default: on (and the thinking rule's module stays unloaded)
    else:
        content = kwargs.get("content")
        if not isinstance(content, bytes):
            return False
        if b'"thinking"' not in content and b'"reasoning_effort"' not in content:
            return False
        if b'"thinking":{"type":"enabled"}' in content:
            return False
        if b'"thinking":{"type":"disabled"}' in content:
            return True  # the toggle wins over an effort; a reply that does carry reasoning keeps it anyway
        try:
            body = json.loads(content)
        except ValueError:
            return False  # not a JSON body: not a chat request we can key
        if not isinstance(body, Mapping):
            return False
    from .._thinking import thinks  # imported on use: only a body that names thinking asks

    return not thinks(body)


def rewrite_request(
    url: object, kwargs: dict[str, Any], options: HookOptions, scope: Scope | None = None, deferred: bool = False
) -> tuple[dict[str, Any], Transcript | None]:
    """Return ``build_request`` keywords rewritten for DeepSeek (or raise before the network), and the transcript.

    A body that needs nothing is returned as the same object, so it goes out byte-identical; the transcript (the
    conversation as written, for the reply's key) is ``None`` when the body was not parsed. Only a body the gate
    (``_gate``) lets through is parsed and loads the rewrites. ``scope`` is where reasoning is remembered;
    ``deferred`` makes a needed store read raise ``StoreLookup`` (async clients), which :func:`resume_request`
    finishes.
    """
    endpoint = endpoint_of(url)
    if endpoint is None:
        return kwargs, None
    body = kwargs.get("json")
    if isinstance(body, Mapping):  # openai 1.x hands httpx the dict: a shallow copy is all a rewrite needs
        if not fields_may_need(body, endpoint):
            return kwargs, None
        field, parsed = "json", dict(body)
    else:  # 2.x and 3.x hand it serialised bytes
        content = kwargs.get("content")
        if not isinstance(content, bytes) or not may_need(content, endpoint):
            return kwargs, None
        field, parsed = "content", json.loads(content)
        if not isinstance(parsed, dict):
            return kwargs, None
    from ._rewrites import rewrite_body  # imported on use: a body the gate passes over never loads the rewrites

    try:
        changed, transcript = rewrite_body(parsed, endpoint, options, scope, deferred)
    except StoreLookup as lookup:
        lookup.request = (kwargs, field, scope)
        raise
    return _with_body(kwargs, field, parsed, changed), transcript


def resume_request(lookup: StoreLookup, store: Any) -> tuple[dict[str, Any], Transcript | None]:
    """Finish the rewrite that raised ``lookup``, with ``store`` standing in for the store it read in ``send``."""
    from ._rewrites import resume_body

    kwargs, field, scope = lookup.request
    changed, transcript = resume_body(lookup.pending, scope._replace(store=store))
    return _with_body(kwargs, field, lookup.pending.body, changed), transcript


def _with_body(kwargs: dict[str, Any], field: str, body: dict[str, Any], changed: bool) -> dict[str, Any]:
    if not changed:
        return kwargs
    if field == "json":
        return {**kwargs, "json": body}
    # The SDK's own serialisation (openai._utils._json.openapi_dumps): compact, UTF-8. A lone surrogate (half of a
    # character a stream split, as received) has no UTF-8 form: then the JSON escapes it, as DeepSeek sent it.
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    try:
        return {**kwargs, "content": text.encode()}
    except UnicodeEncodeError:
        return {**kwargs, "content": json.dumps(body, separators=(",", ":")).encode()}


_N = re.compile(rb'"n"\s*:\s*(\d{1,6})')


def _choices_wanted(kwargs: Mapping[str, Any]) -> int:
    # n > 1 interleaves the chunks of several choices, which the tap then keeps apart by index.
    body = kwargs.get("json")
    if isinstance(body, Mapping):
        n = body.get("n")
        return n if isinstance(n, int) else 1
    content = kwargs.get("content")
    if not isinstance(content, bytes) or b'"n"' not in content:
        return 1
    # Any "n" key counts, not only the first: a tool's schema may have a property n before the request's own. Too
    # many only costs the tap a lookup by index; too few would lose every choice but the first.
    return max((int(found[1]) for found in _N.finditer(content)), default=1)


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

    hook_options: HookOptions
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
        self.hook_options = HookOptions(legacy_models=legacy_models, compat=compat, missing_reasoning=missing_reasoning)
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
        return self.hook_options.compat and method.upper() == "POST" and endpoint_of(url) == "chat"

    def _prepared(self, method: str, url: Any, kwargs: dict[str, Any], deferred: bool) -> Any:
        """Rewrite, build and mark one request (the shared part of both clients' ``build_request``)."""
        scope = None
        if self._passes_back(method, url):
            scope = scope_of(kwargs.get("headers"), url, process_memory(), self.reasoning_store)
        kwargs, transcript = rewrite_request(url, kwargs, self.hook_options, scope, deferred)
        return self._built(method, url, kwargs, scope, transcript)

    def _built(self, method: str, url: Any, kwargs: dict[str, Any], scope: Scope | None, transcript: Any) -> Any:
        """Build a rewritten request, check where it goes, and mark how to remember its reply."""
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
    finishes the rewrite begun in ``build_request`` (each row runs once per request).
    """

    def build_request(self, method: str, url: Any, **kwargs: Any) -> Any:
        """Build the request after applying :func:`rewrite_request`."""
        try:
            return self._prepared(method, url, kwargs, deferred=True)
        except StoreLookup as lookup:
            request = super().build_request(method, url, **kwargs)
            request.extensions[_LOOKUP] = (lookup, method, url)
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

    async def _after_lookup(self, lookup: StoreLookup, method: str, url: Any) -> Any:
        store = self.reasoning_store
        try:
            read = LookedUp(await store.aget(lookup.keys), None, getattr(store, "ttl", None))
        except Exception as err:  # noqa: BLE001 - reported as the store's failure by the rewrite below
            read = LookedUp({}, err, None)
        kwargs, transcript = resume_request(lookup, read)
        return self._built(method, url, kwargs, lookup.request[2], transcript)

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
    """A store stand-in for the rest of an async request's rewrite: what the store returned, or how it failed.

    ``ttl`` is the real store's: what was read is copied into the process memory for no longer than it keeps it.
    """

    def __init__(self, found: Mapping[str, str], error: Exception | None, ttl: Any) -> None:
        self.found, self.error, self.ttl = found, error, ttl

    def get(self, keys: Any) -> Mapping[str, str]:
        """Return what the awaited read found (or raise its failure)."""
        if self.error is not None:
            from ._stores import store_error

            raise store_error(self.error)
        return self.found

    def put(self, entries: Any) -> None:
        """Never called: replies are saved through the client's real store."""


def _refusal(request: Any, err: DeepSeekError) -> Any:
    # DeepSeek would answer this request 400; nothing was sent. The SDK raises BadRequestError with this text.
    body = {"error": {"message": str(err), "type": "invalid_request_error", "code": err.rule or "invalid_request"}}
    return http_module().Response(400, json=body, request=request, headers={"x-deepseek-openai": "not-sent"})
