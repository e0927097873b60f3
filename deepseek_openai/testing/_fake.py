"""``FakeDeepSeek``: the double itself: routes, auth, rules, scripted replies and faults over real HTTP."""

from __future__ import annotations

import itertools
import threading
import time
import weakref
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .._rules import RULES
from ._api_error import ApiError
from ._checks import check_auth, check_chat, check_fim, parse_error
from ._faults import FaultScripts, _OutageState, serve_fault
from ._files import FileStore, not_found
from ._limits import ConcurrencyGate
from ._records import Headers, RecordedRequest
from ._replies import PromptCache, balance_body, models_body, plan_chat, plan_fim
from ._responses import check_responses, plan_response
from ._routes import ROUTES, file_id, resource_route
from ._script import Fault, ReplyScripts, Script
from ._serde import parse_body
from ._server import Handler, Server
from ._webtools import WebToolAnswers, WebToolScripts, check_fetch, check_search, fetch_body, search_body
from ._wire import JSON_TYPE, answer, dump

if TYPE_CHECKING:
    import openai

__all__ = ["DEFAULT_API_KEY", "FakeDeepSeek"]

DEFAULT_API_KEY = "sk-fake-deepseek-0123456789abcdef"
"""The key a :class:`FakeDeepSeek` accepts unless told otherwise; it works nowhere else."""

_BILLED = ("responses", "search", "fetch")  # of the resource routes; upload is free (api/upload-file)


class FakeDeepSeek(ReplyScripts, FaultScripts, WebToolScripts):
    """An offline DeepSeek on ``127.0.0.1`` over real HTTP/1.1, for tests; a context manager.

    It answers like the real service (DeepSeek's reply shapes, statuses and error bodies), records every
    request, and plays scripted replies, errors and faults in order. Unscripted replies are deterministic:

    - chat: ``"Echo: <last user text>"``, with a default ``reasoning_content`` when thinking is on;
    - chat with ``tools``, ending in a user message, ``tool_choice`` not ``"none"``: a call (id ``call_00_<hex>``,
      ``finish_reason`` ``"tool_calls"``) of the first function, or the one a named ``tool_choice`` names, whose
      arguments fill each *required* property with a plausible value from its schema (enum → first value,
      numbers within their bounds, ``city``/``location`` → a place the user named or ``"Paris"``, ``query`` → the
      user's words, formats such as email or date; see ``_tooluse``);
    - chat ending in tool results: ``"Echo: <last user text> (tools said: <a>; <b>)"``, so a tool loop ends;
    - FIM: a fixed line of code;
    - ``/responses``, ``/files``, ``/v1/tools/search`` and ``/v1/tools/fetch``: see ``_responses``, ``_files`` and
      ``_webtools`` (scripted with :meth:`add_reply`, :meth:`add_search_results` and :meth:`add_fetched_page`;
      uploads are in :attr:`files`).

    Faults: :meth:`add_error` (DeepSeek's error answers), :meth:`add_fault` (resets, hangs, HTML or cut bodies),
    :meth:`start_outage` (every request fails the same way for a while: 503s, a 429 storm, resets), and the
    account: :attr:`balance` ``"0"`` (402 on billed calls), :attr:`gate` (the concurrency cap), :attr:`latency`.

    Args:
        api_key: the only key accepted (``Authorization: Bearer <key>``); anything else gets DeepSeek's 401.
        balance: the account balance; ``"0"`` makes chat and FIM answer 402 and ``/user/balance`` unavailable.
        currency: ``"USD"`` or ``"CNY"``, as ``/user/balance`` reports it.
        keepalive: blank lines (plain replies) or ``: keep-alive`` comments (streams) sent before every reply.
        port: the port to listen on; ``0`` picks a free one.
    """

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        balance: str | Decimal = "100.00",
        currency: str = "USD",
        keepalive: int = 0,
        port: int = 0,
    ) -> None:
        self._api_key = api_key
        self._balance = Decimal(balance)
        self.currency = currency
        """The currency ``/user/balance`` reports."""
        self.keepalive = keepalive
        """Keep-alive lines or comments sent before every reply that does not set its own."""
        self._port = port
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._script = Script()
        self._outages = _OutageState()
        self._cache = PromptCache()
        self._web_answers = WebToolAnswers()
        self._files = FileStore()
        self._seq = itertools.count(1)
        self._closing = threading.Event()
        self._server: Server | None = None
        self._clients: weakref.WeakSet[openai.OpenAI] = weakref.WeakSet()
        self.gate = ConcurrencyGate()
        """The account's concurrency cap: ``gate.set_limit(n)``; ``gate.peak`` is the most requests seen at once."""
        self.latency = 0.0
        """Seconds every chat or FIM reply waits before it is sent (a stand-in for generation time)."""

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> FakeDeepSeek:
        """Bind the port and start serving in the background; returns ``self``. A second call does nothing.

        Raises:
            RuntimeError: the double was closed already.
            OSError: the port is taken.
        """
        if self._closing.is_set():
            raise RuntimeError("this FakeDeepSeek is closed; create a new one")
        if self._server is None:
            self._server = Server(self._port, self._handle)
            self._server.start()
        return self

    def close(self) -> None:
        """Stop serving: end every connection and thread, and close clients made by :meth:`client`. Idempotent."""
        if self._closing.is_set():
            return
        self._closing.set()
        for client in list(self._clients):
            client.close()
        if self._server is not None:
            self._server.stop()

    def __enter__(self) -> FakeDeepSeek:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.base_url if self._server is not None else "not started"
        return f"<FakeDeepSeek {where} requests={len(self._requests)}>"

    # -- where and how to reach it ----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The TCP port served (after :meth:`start`)."""
        if self._server is None:
            raise RuntimeError("FakeDeepSeek is not started: use `with FakeDeepSeek() as ds:` or call start()")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``, the counterpart of ``https://api.deepseek.com``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def beta_base_url(self) -> str:
        """``base_url + "/beta"``, where chat prefix completion and FIM live."""
        return f"{self.base_url}/beta"

    @property
    def api_key(self) -> str:
        """The key the double accepts."""
        return self._api_key

    @property
    def balance(self) -> Decimal:
        """The account balance; set it (``str`` or ``Decimal``) to make the account empty or funded again."""
        return self._balance

    @balance.setter
    def balance(self, value: str | Decimal) -> None:
        self._balance = Decimal(value)

    @property
    def files(self) -> FileStore:
        """The uploaded files: ``len(ds.files)``, ``ds.files.get(id)`` and their bytes in ``ds.files.data``."""
        return self._files

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of every request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    def client(self, **kwargs: Any) -> openai.OpenAI:
        """Return ``create_client(api_key=..., base_url=..., env_file=False, **kwargs)`` pointed at the double.

        ``beta=True`` gives the ``/beta`` base; any keyword (``api_key`` included) overrides the defaults.
        The client is closed by :meth:`close` at the latest.
        """
        from .._client import create_client, create_http_client

        options = self._client_options(kwargs, create_http_client)
        client = create_client(**options)
        self._clients.add(client)
        return client

    def async_client(self, **kwargs: Any) -> openai.AsyncOpenAI:
        """Return ``create_async_client(...)`` pointed at the double; the async twin of :meth:`client`.

        Close it yourself (``async with ds.async_client() as client:``): it belongs to your event loop.
        """
        from .._client import create_async_client, create_async_http_client

        return create_async_client(**self._client_options(kwargs, create_async_http_client))

    def _client_options(self, kwargs: dict[str, Any], make_http: Callable[..., Any]) -> dict[str, Any]:
        options = {"api_key": self.api_key, "base_url": self.base_url, "env_file": False, **kwargs}
        if options.get("http_client") is None:
            # Plain http on loopback: skipping the CA bundle makes a client ~40 ms cheaper to build.
            hook: dict[str, Any] = {
                k: options[k] for k in ("legacy_models", "compat", "missing_reasoning") if k in options
            }
            if "reasoning_store" in options:
                hook["reasoning_store"] = options.pop("reasoning_store")  # the HTTP client carries the store
            options["http_client"] = make_http(verify=False, **hook)
        return options

    def reset(self) -> None:
        """Forget queued replies, errors and faults, an outage, recorded requests and the cache."""
        self._script.clear()
        self.end_outage()
        self._cache.clear()
        self._web_answers.clear()  # uploaded files stay
        with self._lock:
            self._requests.clear()

    # -- serving --------------------------------------------------------------------------------------------

    def _handle(self, handler: Handler) -> None:
        try:
            self._serve(handler)
        except OSError:
            handler.drop()  # the client went away mid-reply, or close() cut the connection
        except Exception as exc:  # noqa: BLE001 - a bug in the double must reach the test, not kill a thread
            if handler.sent:
                return handler.drop()
            self._error(handler, ApiError(500, f"FakeDeepSeek failed: {exc!r}", "server_error", None))
        return None

    def _serve(self, handler: Handler) -> None:
        path, _, query = handler.path.partition("?")
        raw = handler.read_body()
        body: Any
        body, bad_json = parse_body(raw)  # an empty body is bad JSON too: serde says "EOF ... column 0"
        headers = Headers(handler.headers.items())
        with self._lock:
            self._requests.append(RecordedRequest(handler.command, path, headers, raw, body, query, time.time()))
        outage = self._outage_fault()
        if outage is not None:  # a proxy or load balancer failing: before the key check and every route
            return serve_fault(handler, outage, self._wait)
        resource = resource_route(handler.command, path)
        if resource is not None:
            return self._serve_resource(handler, resource, path, raw, body, bad_json)
        beta = path == "/beta" or path.startswith("/beta/")
        route = path[len("/beta") :] if beta else path.removeprefix("/v1")  # /v1 is an alias of / (§1)
        kind = ROUTES.get((handler.command, route.rstrip("/") or "/"))
        if kind is None:
            known = any(r == route for _, r in ROUTES)
            status, message = (405, "Method Not Allowed") if known else (404, "Not Found")
            return self._error(handler, ApiError(status, message))
        if kind == "fim" and not beta and RULES["fim_not_beta"].refuses:
            # FIM is documented under /beta only (guides/fim_completion); the main base's answer is not known.
            return self._error(handler, ApiError.from_rule("fim_not_beta"))
        failure = check_auth(headers.get("authorization"), self._api_key)
        if failure is not None:
            return self._error(handler, failure)
        if kind == "models":
            return handler.send_all(200, [JSON_TYPE], dump(models_body()))
        if kind == "balance":
            return handler.send_all(200, [JSON_TYPE], dump(balance_body(self._balance, self.currency)))
        scripted = self._script.take_error()
        if isinstance(scripted, Fault):
            return serve_fault(handler, scripted, self._wait)
        failure = scripted
        if failure is None and bad_json:
            failure = parse_error(bad_json)
        if failure is None:
            failure = check_chat(body, beta) if kind == "chat" else check_fim(body)
        if failure is None and self._balance <= 0:
            # An empty account gets 402 on every billed call (quick_start/error_codes).
            failure = ApiError.from_rule("balance")
        if failure is not None:
            return self._error(handler, failure)
        failure = self.gate.enter()
        if failure is not None:
            return self._error(handler, failure)
        try:
            self._reply(handler, kind, body)
        finally:
            self.gate.leave()
        return None

    def _serve_resource(self, handler: Handler, route: str, path: str, raw: bytes, body: Any, bad_json: str) -> None:
        # /responses, /files and the web tools (route from resource_route). The order of checks is chat's: route,
        # auth, a scripted error, the body, the balance (billed routes), then the answer.
        if route == "method":
            return self._error(handler, ApiError(405, "Method Not Allowed"))
        failure = check_auth(handler.headers.get("authorization"), self._api_key)
        if failure is not None:
            return self._error(handler, failure)
        created = int(time.time())
        if route == "list":
            return self._json(handler, self._files.listing(handler.path.partition("?")[2]))
        if route in ("retrieve", "delete"):
            fid = file_id(path)
            record = self._files.get(fid) if route == "retrieve" else self._files.delete(fid)
            return self._json(handler, record) if record else self._error(handler, not_found(fid))
        if route == "content":
            # Uploaded files cannot be downloaded: /files/{id}/content is unsupported (api/upload-file).
            return self._error(handler, ApiError.from_rule("file_content"))
        scripted = self._script.take_error()
        if isinstance(scripted, Fault):
            return serve_fault(handler, scripted, self._wait)
        failure = scripted
        if failure is None and route == "upload":
            uploaded = self._files.upload(handler.headers.get("Content-Type", ""), raw, created)
            if isinstance(uploaded, ApiError):
                return self._error(handler, uploaded)
            return self._json(handler, uploaded)
        if failure is None and bad_json:
            failure = parse_error(bad_json)
        checks = {"responses": check_responses, "search": check_search, "fetch": check_fetch}
        failure = failure or checks[route](body)
        if failure is None and route in _BILLED and self._balance <= 0:
            failure = ApiError.from_rule("balance")
        if failure is not None:
            return self._error(handler, failure)
        if route == "search":
            return self._json(handler, search_body(body, self._web_answers.take("search")))
        if route == "fetch":
            return self._json(handler, fetch_body(body, self._web_answers.take("fetch")))
        plan = plan_response(body, self._script.take_reply(), next(self._seq), created, self._cache)
        keepalive = plan.reply.keepalive or self.keepalive
        return answer(handler, plan, stream=body.get("stream") is True, keepalive=keepalive, wait=self._wait)

    def _reply(self, handler: Handler, kind: str, body: Any) -> None:
        if self.latency:
            self._wait(self.latency)
        reply = self._script.take_reply()
        planner = plan_chat if kind == "chat" else plan_fim
        plan = planner(body, reply, next(self._seq), int(time.time()), self._cache)
        keepalive = plan.reply.keepalive or self.keepalive
        answer(handler, plan, stream=body.get("stream") is True, keepalive=keepalive, wait=self._wait)

    def _json(self, handler: Handler, body: Any) -> None:
        handler.send_all(200, [JSON_TYPE], dump(body))

    def _error(self, handler: Handler, error: ApiError) -> None:
        handler.send_all(error.status, [JSON_TYPE, *error.headers.items()], dump(error.body()))

    def _wait(self, seconds: float) -> bool:
        # False when close() interrupts the pause: the reply is then abandoned.
        return not (seconds and self._closing.wait(seconds))
