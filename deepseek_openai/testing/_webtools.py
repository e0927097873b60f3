"""``/v1/tools/search`` and ``/v1/tools/fetch`` in the double: DeepSeek's checks and deterministic answers.

Default search: ``count`` results for the query, ``https://example.com/search/<n>?q=...``, scores falling from 3;
``need_content`` adds each page's text. Default fetch: a Markdown page naming the URL. Scripted answers
(``add_search_results``, ``add_fetched_page``) are served in order, per tool.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from .._webtools import fetch_problem, search_problem
from ._checks import _shape
from ._script import ApiError

__all__ = ["check_fetch", "check_search", "fetch_body", "search_body"]


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
