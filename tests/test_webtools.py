"""web_search / fetch_url (and async twins) against the double: the URL per base, the body, refusals, prices."""

from __future__ import annotations

from decimal import Decimal

import openai
import pytest

from deepseek_openai import (
    TOOL_PRICES,
    FetchedPage,
    InvalidRequestError,
    SearchResults,
    afetch_url,
    aweb_search,
    cost,
    explain,
    fetch_url,
    tool_cost,
    web_search,
)
from deepseek_openai.testing import FakeDeepSeek


@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/", "/beta"])
def test_tools_url_from_any_base(fake_deepseek: FakeDeepSeek, suffix: str) -> None:
    client = fake_deepseek.client(base_url=fake_deepseek.base_url + suffix)
    found = web_search(client, "deepseek", count=2)
    page = fetch_url(client, "https://example.org/a")
    assert [r.path for r in fake_deepseek.requests] == ["/v1/tools/search", "/v1/tools/fetch"]
    assert fake_deepseek.requests[0].json == {"query": "deepseek", "count": 2}
    assert fake_deepseek.requests[1].json == {"url": "https://example.org/a"}
    assert fake_deepseek.requests[0].headers["authorization"] == f"Bearer {fake_deepseek.api_key}"
    assert len(found) == 2 and found.results[0].title == "Result 1 for deepseek"
    assert page == FetchedPage("https://example.org/a", "Page at example.org", page.content)
    assert page.content.startswith("# Page at example.org")


def test_search_optional_fields_and_content(fake_deepseek: FakeDeepSeek) -> None:
    found = web_search(
        fake_deepseek.client(), "q", count=1, need_content=True, ori_question="why?", localization="8.8.8.8"
    )
    assert fake_deepseek.requests[-1].json == {
        "query": "q",
        "count": 1,
        "need_content": True,
        "ori_question": "why?",
        "localization": "8.8.8.8",
    }
    hit = found.results[0]
    assert hit.content and hit.rerank_score == 3.0 and hit.authority == 3 and hit.url.startswith("https://")


async def test_async_twins(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_search_results([{"title": "T", "url": "https://t.example", "summary": "S", "rerank_score": 1}])
    fake_deepseek.add_fetched_page("Title", "Body")
    async with fake_deepseek.async_client(base_url=fake_deepseek.base_url + "/v1") as client:
        found = await aweb_search(client, "x")
        page = await afetch_url(client, "http://plain.example/")
    assert [(r.title, r.authority, r.content) for r in found] == [("T", None, None)]
    assert (page.title, page.content) == ("Title", "Body")
    assert [r.path for r in fake_deepseek.requests] == ["/v1/tools/search", "/v1/tools/fetch"]


@pytest.mark.parametrize(
    ("call", "rule"),
    [
        (lambda c: web_search(c, ""), "search_query"),
        (lambda c: web_search(c, "q" * 129), "search_query"),
        (lambda c: web_search(c, "q", count=0), "search_count"),
        (lambda c: web_search(c, "q", count=51), "search_count"),
        (lambda c: web_search(c, "q", count=True), "search_count"),
        (lambda c: fetch_url(c, "file:///etc/passwd"), "fetch_url"),
        (lambda c: fetch_url(c, "example.com"), "fetch_url"),
        (lambda c: fetch_url(c, "https://e.com/" + "a" * 8192), "fetch_url"),
        (lambda c: fetch_url(c, "https://user:hunter2@e.com/"), "fetch_url"),
    ],
)
def test_bad_arguments_refused_before_the_network(fake_deepseek: FakeDeepSeek, call: object, rule: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        call(fake_deepseek.client())  # type: ignore[operator]
    assert caught.value.rule == rule and caught.value.fix
    assert "hunter2" not in str(caught.value)
    assert fake_deepseek.requests == []


def test_query_limits_are_inclusive(fake_deepseek: FakeDeepSeek) -> None:
    web_search(fake_deepseek.client(), "q" * 128, count=50)
    web_search(fake_deepseek.client(), "q", count=1)
    assert len(fake_deepseek.requests) == 2


def test_server_refusal_is_explained(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_error(429)
    with pytest.raises(openai.RateLimitError) as caught:
        web_search(fake_deepseek.client(max_retries=0), "q")
    assert "Rate Limit Reached" in explain(caught.value)


def test_prices_per_call() -> None:
    assert TOOL_PRICES["search"].usd == Decimal("0.75") and TOOL_PRICES["fetch"].cny == Decimal("5")
    hits = SearchResults("q", (web_result(),))
    assert cost(hits) == tool_cost(hits) == Decimal("0.00075")
    assert cost(SearchResults("q")) == 0  # empty results are free
    assert cost(FetchedPage("u", "t", "c"), currency="CNY") == Decimal("0.005")
    assert tool_cost(1000, "fetch") == Decimal("0.75")
    for bad in (-1, True, "3"):
        with pytest.raises(ValueError, match="call count"):
            tool_cost(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tool must be one of"):
        tool_cost(1, "ocr")
    with pytest.raises(TypeError, match="needs the model id"):
        cost({"prompt_tokens": 1, "completion_tokens": 1})


def web_result() -> object:
    from deepseek_openai import SearchResult

    return SearchResult("t", "https://t", "s", 1.0, 2)
