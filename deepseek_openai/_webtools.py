"""DeepSeek's standalone web tools: ``web_search`` and ``fetch_url`` (and async twins), and what they cost.

``POST /v1/tools/search`` and ``POST /v1/tools/fetch`` are not OpenAI endpoints, so they go through the SDK
client's generic ``client.post(...)``: the client's key, retries, timeouts and proxies apply. Arguments are checked
before anything is sent; DeepSeek bills $0.75 (5 CNY) per 1,000 successful calls, empty results and errors free.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict
from urllib.parse import urlsplit

from ._errors import InvalidRequestError
from ._fields import field
from ._prices import TOOL_PRICES
from ._rules import RULES

if TYPE_CHECKING:
    import openai
    from typing_extensions import Unpack

__all__ = [
    "FetchedPage",
    "SearchOptions",
    "SearchResult",
    "SearchResults",
    "afetch_url",
    "aweb_search",
    "fetch_problem",
    "fetch_url",
    "search_problem",
    "tool_cost",
    "tools_url",
    "web_search",
]

QUERY_MAX_CHARS = 128
COUNT_RANGE = (1, 50)
URL_MAX_CHARS = 8192


@dataclass(frozen=True)
class SearchResult:
    """One search hit."""

    title: str
    url: str
    summary: str
    rerank_score: float | None = None
    """Relevance to the query, 0 to 3."""
    authority: int | None = None
    """How authoritative the source is, -1 to 4."""
    content: str | None = None
    """The page text, when the search asked for ``need_content``."""


@dataclass(frozen=True)
class SearchResults:
    """What ``/v1/tools/search`` answered; iterate it for the hits."""

    query: str
    results: tuple[SearchResult, ...] = ()

    @property
    def billed_calls(self) -> int:
        """Billed calls: 1, or 0 for an empty result (empty results are free)."""
        return 1 if self.results else 0

    def __iter__(self) -> Iterator[SearchResult]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)


@dataclass(frozen=True)
class FetchedPage:
    """What ``/v1/tools/fetch`` answered: the page's title and its content as Markdown."""

    url: str
    title: str
    content: str

    @property
    def billed_calls(self) -> int:
        """Billed calls: always 1 (only successful calls return a page)."""
        return 1


def search_problem(query: object, count: object) -> tuple[str, str] | None:
    """Return ``(rule id, what is wrong)`` for search arguments DeepSeek refuses, or ``None``."""
    if not isinstance(query, str) or not 1 <= len(query) <= QUERY_MAX_CHARS:
        size = f"{len(query)} characters" if isinstance(query, str) else type(query).__name__
        return "search_query", f"query must be 1-{QUERY_MAX_CHARS} characters, got {size}"
    if isinstance(count, bool) or not isinstance(count, int) or not COUNT_RANGE[0] <= count <= COUNT_RANGE[1]:
        return "search_count", f"count must be an integer from 1 to 50, got {count!r}"
    return None


def fetch_problem(url: object) -> tuple[str, str] | None:
    """Return ``("fetch_url", what is wrong)`` for a URL DeepSeek's fetch refuses, or ``None``."""
    if not isinstance(url, str):
        return "fetch_url", f"url must be a string, got {type(url).__name__}"
    if len(url) > URL_MAX_CHARS:
        return "fetch_url", f"url has {len(url)} characters; at most {URL_MAX_CHARS} are allowed"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "fetch_url", f"url must start with http:// or https:// and name a host, got scheme {parts.scheme!r}"
    if parts.username is not None or parts.password is not None:
        # Never echo the URL: it holds a password.
        return "fetch_url", "url carries credentials (user:password@); DeepSeek refuses them"
    return None


def _refuse(problem: tuple[str, str] | None) -> None:
    if problem is not None:
        rule_id, message = problem
        raise InvalidRequestError(f"{message}.", fix=RULES[rule_id].fix, rule=rule_id)


def tools_url(client: Any, tool: str) -> str:
    """Return the absolute URL of ``/v1/tools/<tool>`` for a client whose base may end in ``/v1`` or ``/beta``.

    The tools live under ``/v1/tools`` on the host of the main base (api/search), whatever the client's base is.
    """
    base = str(client.base_url).rstrip("/")
    for suffix in ("/v1", "/beta"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    return f"{base}/v1/tools/{tool}"


class SearchOptions(TypedDict, total=False):
    """Optional keywords of :func:`web_search` and :func:`aweb_search`."""

    count: int
    """How many results, 1 to 50 (default 10)."""
    need_content: bool
    """Also return each page's text (``SearchResult.content``)."""
    ori_question: str
    """The user's original question, to help ranking."""
    localization: str
    """An IP address to localise results for."""


def _search_body(query: str, options: SearchOptions) -> dict[str, Any]:
    body: dict[str, Any] = {"query": query, "count": 10, **options}
    _refuse(search_problem(query, body["count"]))
    return {k: v for k, v in body.items() if v is not None}


def _results(query: str, data: Any) -> SearchResults:
    hits = []
    for raw in field(data, "results") or ():
        content = field(raw, "content")
        hits.append(
            SearchResult(
                title=str(field(raw, "title") or ""),
                url=str(field(raw, "url") or ""),
                summary=str(field(raw, "summary") or ""),
                rerank_score=field(raw, "rerank_score"),
                authority=field(raw, "authority"),
                content=None if content is None else str(content),
            )
        )
    return SearchResults(query, tuple(hits))


def _page(url: str, data: Any) -> FetchedPage:
    return FetchedPage(url, str(field(data, "title") or ""), str(field(data, "content") or ""))


def web_search(client: openai.OpenAI, query: str, **options: Unpack[SearchOptions]) -> SearchResults:
    """Search the web with DeepSeek's Search tool (``POST /v1/tools/search``).

    Args:
        client: a client from ``create_client()`` (main, ``/v1`` or ``/beta`` base: the URL is computed).
        query: 1 to 128 characters; operators ``site:``, ``-site:``, ``"..."``, ``lang:``, ``after:``, ``before:``.
        **options: ``count`` (1 to 50, default 10), ``need_content`` (each page's text too), ``ori_question`` (the
            user's original question, to help ranking), ``localization`` (an IP address).

    Returns:
        :class:`SearchResults`; ``cost(results)`` prices the call.

    Raises:
        InvalidRequestError: a bad query or count, before anything is sent.
        openai.APIStatusError: DeepSeek refused the call (``explain(err)`` says why).
    """
    body = _search_body(query, options)
    return _results(query, client.post(tools_url(client, "search"), body=body, cast_to=object))


async def aweb_search(client: openai.AsyncOpenAI, query: str, **options: Unpack[SearchOptions]) -> SearchResults:
    """Async twin of :func:`web_search` (same arguments, result and errors)."""
    body = _search_body(query, options)
    return _results(query, await client.post(tools_url(client, "search"), body=body, cast_to=object))


def fetch_url(client: openai.OpenAI, url: str) -> FetchedPage:
    """Fetch one web page as Markdown with DeepSeek's Fetch tool (``POST /v1/tools/fetch``).

    Args:
        client: a client from ``create_client()``.
        url: an ``http`` or ``https`` URL of at most 8,192 characters, without ``user:password@``.

    Returns:
        :class:`FetchedPage` with ``title`` and ``content`` (Markdown).

    Raises:
        InvalidRequestError: a bad URL, before anything is sent.
        openai.APIStatusError: DeepSeek refused the call.
    """
    _refuse(fetch_problem(url))
    return _page(url, client.post(tools_url(client, "fetch"), body={"url": url}, cast_to=object))


async def afetch_url(client: openai.AsyncOpenAI, url: str) -> FetchedPage:
    """Async twin of :func:`fetch_url`."""
    _refuse(fetch_problem(url))
    return _page(url, await client.post(tools_url(client, "fetch"), body={"url": url}, cast_to=object))


def tool_cost(x: SearchResults | FetchedPage | int, tool: str = "search", *, currency: str = "USD") -> Decimal:
    """Return what Search/Fetch calls cost at DeepSeek's list price (per 1,000 successful calls).

    Args:
        x: a :class:`SearchResults` (free when empty), a :class:`FetchedPage`, or a number of successful calls.
        tool: ``"search"`` or ``"fetch"``, for a number of calls (results know their tool).
        currency: ``"USD"`` or ``"CNY"``.

    Returns:
        The exact amount as a ``Decimal``.

    Raises:
        ValueError: an unknown tool or currency, or a negative count.
    """
    if isinstance(x, (SearchResults, FetchedPage)):
        tool, calls = ("search" if isinstance(x, SearchResults) else "fetch"), x.billed_calls
    elif isinstance(x, bool) or not isinstance(x, int) or x < 0:
        raise ValueError(f"tool_cost() takes SearchResults, FetchedPage or a call count >= 0, got {x!r}")
    else:
        calls = x
    if tool not in TOOL_PRICES:
        raise ValueError(f"tool must be one of {', '.join(TOOL_PRICES)}, got {tool!r}")
    return TOOL_PRICES[tool].per_call(currency) * calls
