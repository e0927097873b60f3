"""``/v1/tools/search`` and ``/v1/tools/fetch`` in the double: DeepSeek's checks and deterministic answers.

Default search: ``count`` results for the query, ``https://example.com/search/<n>?q=...``, scores falling from 3;
``need_content`` adds each page's text. Default fetch: a Markdown page naming the URL. Scripted answers
(``add_search_results``, ``add_fetched_page``) are served in order, per tool.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

from .._webtools import fetch_problem, search_problem
from ._api_error import ApiError
from ._checks import _shape

__all__ = ["WebToolAnswers", "WebToolScripts", "check_fetch", "check_search", "fetch_body", "search_body"]


def check_search(body: Any) -> ApiError | None:
    """Return DeepSeek's refusal of a search body, or ``None``."""
    if not isinstance(body, Mapping):
        return _shape("invalid type: expected a JSON object")
    if not isinstance(body.get("query"), str):
        return _shape("missing field `query`" if "query" not in body else "query: invalid type, expected a string")
    problem = search_problem(body["query"], body.get("count", 10))
    return ApiError.from_rule(problem[0]) if problem else None


def check_fetch(body: Any) -> ApiError | None:
    """Return DeepSeek's refusal of a fetch body, or ``None``."""
    if not isinstance(body, Mapping):
        return _shape("invalid type: expected a JSON object")
    if not isinstance(body.get("url"), str):
        return _shape("missing field `url`" if "url" not in body else "url: invalid type, expected a string")
    problem = fetch_problem(body["url"])
    return ApiError.from_rule(problem[0]) if problem else None


def search_body(body: Mapping[str, Any], scripted: list[Mapping[str, Any]] | None) -> dict[str, Any]:
    """Return the answer to an accepted search: the scripted results, else the default ones."""
    if scripted is not None:
        return {"results": [dict(r) for r in scripted]}
    query = body["query"]
    results = []
    for n in range(1, int(body.get("count", 10)) + 1):
        hit: dict[str, Any] = {
            "title": f"Result {n} for {query}",
            "url": f"https://example.com/search/{n}?q={quote(query)}",
            "summary": f"A page about {query} (result {n}).",
            "rerank_score": round(3 - 3 * (n - 1) / 50, 2),
            "authority": 4 - n % 6,
        }
        if body.get("need_content"):
            hit["content"] = f"# Result {n}\n\nThe full text of a page about {query}."
        results.append(hit)
    return {"results": results}


def fetch_body(body: Mapping[str, Any], scripted: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return the answer to an accepted fetch: the scripted page, else a page naming the URL."""
    if scripted is not None:
        return dict(scripted)
    url = body["url"]
    host = urlsplit(url).hostname or url
    return {"title": f"Page at {host}", "content": f"# Page at {host}\n\nFetched from {url} by FakeDeepSeek.\n"}


class WebToolAnswers:
    """The scripted answers of the web tools, in order per tool; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._searches: deque[list[Mapping[str, Any]]] = deque()
        self._pages: deque[Mapping[str, Any]] = deque()

    def add_search(self, results: list[Mapping[str, Any]]) -> None:
        """Queue the results of one search."""
        with self._lock:
            self._searches.append(results)

    def add_page(self, page: Mapping[str, Any]) -> None:
        """Queue the page of one fetch."""
        with self._lock:
            self._pages.append(page)

    def take(self, route: str) -> Any:
        """Pop the next scripted answer for ``search`` or ``fetch``, or ``None``."""
        with self._lock:
            queue: deque[Any] = self._searches if route == "search" else self._pages
            return queue.popleft() if queue else None

    def clear(self) -> None:
        """Forget every scripted answer."""
        with self._lock:
            self._searches.clear()
            self._pages.clear()


class WebToolScripts:
    """Scripting the web tools (a base class of :class:`~deepseek_openai.testing.FakeDeepSeek`)."""

    _web_answers: WebToolAnswers

    def add_search_results(self, results: Sequence[Mapping[str, Any]]) -> None:
        """Queue the results of the next accepted ``/v1/tools/search`` call.

        Args:
            results: ``{"title", "url", "summary", "rerank_score", "authority", "content"?}`` per hit; ``[]``
                is an empty (and free) answer.
        """
        self._web_answers.add_search([dict(r) for r in results])

    def add_fetched_page(self, title: str, content: str) -> None:
        """Queue the page the next accepted ``/v1/tools/fetch`` call returns (``content`` is Markdown)."""
        self._web_answers.add_page({"title": title, "content": content})
