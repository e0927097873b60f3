"""DeepSeek's standalone Search and Fetch tools: search, read the top page, and price the calls.

Shows:  web_search() -> SearchResults, fetch_url() -> FetchedPage, cost() per successful call, and a bad argument
        refused before the network.
Needs:  DEEPSEEK_API_KEY in the environment or a .env file (DEEPSEEK_BASE_URL optionally points elsewhere,
        e.g. at `python -m deepseek_openai.testing`).
Run:    python examples/web_tools.py
"""

from __future__ import annotations

from deepseek_openai import InvalidRequestError, cost, create_client, fetch_url, web_search


def main() -> None:
    client = create_client()
    found = web_search(client, "DeepSeek API context caching", count=3)
    print(f"search: {len(found)} results")
    for hit in found:
        print(f"  {hit.rerank_score:.2f} {hit.title} <{hit.url}>")

    page = fetch_url(client, found.results[0].url)
    print(f"fetched: {page.title!r}, {len(page.content)} characters of Markdown")
    print(f"cost USD: {cost(found) + cost(page)} for 2 calls")

    try:
        web_search(client, "x" * 200)
    except InvalidRequestError as err:
        print(f"refused before sending ({err.rule}): {err.fix}")


if __name__ == "__main__":
    main()
