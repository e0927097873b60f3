"""Which route a request reaches in the double: a method and a path to a route name, or ``None`` (404).

Chat, FIM, models and balance live under ``/`` and ``/beta`` (:data:`ROUTES`); ``/responses``, ``/files`` and the
``/v1/tools/{search,fetch}`` web tools are named by :func:`resource_route`. ``/v1`` is an alias of ``/`` (§1).
"""

from __future__ import annotations

import re

__all__ = ["ROUTES", "file_id", "resource_route"]

ROUTES = {
    ("POST", "/chat/completions"): "chat",
    ("POST", "/completions"): "fim",
    ("GET", "/models"): "models",
    ("GET", "/user/balance"): "balance",
}
"""``(method, path below the base)`` to the route name, for the chat, FIM, models and balance routes."""

_FILE = re.compile(r"/files/([^/]+)(/content)?")


def resource_route(method: str, path: str) -> str | None:
    """Return the route of ``/responses``, ``/files`` or ``/v1/tools/*`` (``"method"``: a 405); ``None`` otherwise."""
    if path.rstrip("/") in ("/v1/tools/search", "/v1/tools/fetch"):
        # The tools live under /v1/tools only (api/search); other methods get 405.
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


def file_id(path: str) -> str:
    """Return the ``{id}`` of a ``/files/{id}`` path (``""`` for any other path)."""
    match = _FILE.fullmatch(path.removeprefix("/v1"))
    return match.group(1) if match else ""
