"""Routes of DeepSeek's newer APIs in the double: ``/responses``, ``/files`` and ``/v1/tools/{search,fetch}``.

``FakeDeepSeek`` hands these paths here after recording the request; :class:`NewApiScripts` (a base class of
``FakeDeepSeek``) holds their scripts and the uploaded files. Order of checks, as for chat: route, auth, a scripted
error, the body, the balance (billed routes), then the answer.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._checks import check_auth, parse_error
from ._faults import serve_fault
from ._files import FileStore, not_found
from ._responses import check_responses, plan_response
from ._script import ApiError, Fault
from ._webtools import check_fetch, check_search, fetch_body, search_body
from ._wire import JSON_TYPE, answer, dump

if TYPE_CHECKING:
    from ._fake import FakeDeepSeek
    from ._server import Handler

__all__ = ["NewApiScripts", "new_route", "serve_new"]

_FILE = re.compile(r"/files/([^/]+)(/content)?")
_BILLED = ("responses", "search", "fetch")


def new_route(method: str, path: str) -> str | None:
    """Return the route name for a path of the newer APIs (``None`` for every other path)."""
    if path.rstrip("/") in ("/v1/tools/search", "/v1/tools/fetch"):
        # The tools live under /v1/tools only (api/search); other methods get 405 below.
        return path.rstrip("/").rsplit("/", 1)[1] if method == "POST" else "method"
    route = path.removeprefix("/v1").rstrip("/")  # /v1 is an alias of the main base (§1)
    if route == "/responses":
        return "responses" if method == "POST" else "method"
    if route == "/files":
        return {"POST": "upload", "GET": "list"}.get(method, "method")
    match = _FILE.fullmatch(route)
    if match is None:
        return None
    if match.group(2):
        return "content"
    return {"GET": "retrieve", "DELETE": "delete"}.get(method, "method")


class NewApiState:
    """Scripts for search and fetch, and the file store."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.searches: deque[list[Mapping[str, Any]]] = deque()
        self.pages: deque[Mapping[str, Any]] = deque()
        self.files = FileStore()

    def take(self, route: str) -> Any:
        """Pop the next scripted answer for ``search`` or ``fetch``, or ``None``."""
        with self.lock:
            queue: deque[Any] = self.searches if route == "search" else self.pages
            return queue.popleft() if queue else None

    def clear(self) -> None:
        """Forget scripted answers (uploaded files stay)."""
        with self.lock:
            self.searches.clear()
            self.pages.clear()


_STATE_LOCK = threading.Lock()


class NewApiScripts:
    """Scripting for the newer APIs; ``add_reply`` and ``add_error`` serve ``/responses`` as they serve chat."""

    def _new_apis(self) -> NewApiState:
        state = self.__dict__.get("_new_api_state")
        if state is None:
            with _STATE_LOCK:
                state = self.__dict__.setdefault("_new_api_state", NewApiState())
        assert isinstance(state, NewApiState)
        return state

    def add_search_results(self, results: Sequence[Mapping[str, Any]]) -> None:
        """Queue the results of the next accepted ``/v1/tools/search`` call.

        Args:
            results: ``{"title", "url", "summary", "rerank_score", "authority", "content"?}`` per hit; ``[]``
                is an empty (and free) answer.
        """
        state = self._new_apis()
        with state.lock:
            state.searches.append([dict(r) for r in results])

    def add_fetched_page(self, title: str, content: str) -> None:
        """Queue the page the next accepted ``/v1/tools/fetch`` call returns (``content`` is Markdown)."""
        state = self._new_apis()
        with state.lock:
            state.pages.append({"title": title, "content": content})

    @property
    def files(self) -> FileStore:
        """The uploaded files: ``len(ds.files)``, ``ds.files.get(id)`` and their bytes in ``ds.files.data``."""
        return self._new_apis().files


def _reply(handler: Handler, status: int, body: Any) -> None:
    handler.send_all(status, [JSON_TYPE], dump(body))


def serve_new(
    fake: FakeDeepSeek, handler: Handler, route: str, path: str, raw: bytes, body: Any, bad_json: str
) -> None:
    """Answer a request of a newer-API route (``route`` from :func:`new_route`)."""
    if route == "method":
        return fake._error(handler, ApiError(405, "Method Not Allowed"))
    failure = check_auth(handler.headers.get("authorization"), fake.api_key)
    if failure is not None:
        return fake._error(handler, failure)
    state = fake._new_apis()
    created = int(time.time())
    match = _FILE.fullmatch(path.removeprefix("/v1"))
    file_id = match.group(1) if match else ""
    if route == "list":
        return _reply(handler, 200, state.files.listing(handler.path.partition("?")[2]))
    if route in ("retrieve", "delete"):
        record = state.files.get(file_id) if route == "retrieve" else state.files.delete(file_id)
        return _reply(handler, 200, record) if record else fake._error(handler, not_found(file_id))
    if route == "content":
        # Uploaded files cannot be downloaded: /files/{id}/content is unsupported (api/upload-file).
        return fake._error(handler, ApiError.from_rule("file_content"))
    scripted = fake._script.take_error()
    if isinstance(scripted, Fault):
        return serve_fault(handler, scripted, fake._wait)
    failure = scripted
    if failure is None and route == "upload":
        uploaded = state.files.upload(handler.headers.get("Content-Type", ""), raw, created)
        if isinstance(uploaded, ApiError):
            return fake._error(handler, uploaded)
        return _reply(handler, 200, uploaded)
    if failure is None and bad_json:
        failure = parse_error(bad_json)
    checks = {"responses": check_responses, "search": check_search, "fetch": check_fetch}
    failure = failure or checks[route](body)
    if failure is None and route in _BILLED and fake.balance <= 0:
        failure = ApiError.from_rule("balance")
    if failure is not None:
        return fake._error(handler, failure)
    if route == "search":
        return _reply(handler, 200, search_body(body, state.take("search")))
    if route == "fetch":
        return _reply(handler, 200, fetch_body(body, state.take("fetch")))
    plan = plan_response(body, fake._script.take_reply(), next(fake._seq), created, fake._cache)
    keepalive = plan.reply.keepalive or fake.keepalive
    return answer(handler, plan, stream=body.get("stream") is True, keepalive=keepalive, wait=fake._wait)
