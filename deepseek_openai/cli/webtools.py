"""``search`` and ``fetch``: DeepSeek's standalone Search and Fetch tools, with the per-call price on stderr."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._common import Context

if TYPE_CHECKING:
    from deepseek_openai._webtools import SearchOptions

__all__ = ["run_fetch", "run_search"]


def _price_line(result: Any) -> str:
    from deepseek_openai import tool_cost

    calls = result.billed_calls
    if not calls:
        return "no results: not billed (empty results are free)"
    return f"1 billed call: ${tool_cost(result):f} (USD list price; $0.75 per 1,000 successful calls)"


def run_search(ctx: Context) -> int:
    """Print the results of a web search: title, URL and summary (and the page text with --content)."""
    from deepseek_openai import web_search

    args = ctx.args
    options: SearchOptions = {"count": args.count}
    if args.content:
        options["need_content"] = True
    found = web_search(ctx.client(), args.query, **options)
    for number, hit in enumerate(found, 1):
        ctx.out(f"{number}. {hit.title}\n   {hit.url}\n   {hit.summary}")
        if hit.content:
            ctx.out("\n".join(f"   | {line}" for line in hit.content.splitlines()))
    ctx.err(_price_line(found))
    return 0


def run_fetch(ctx: Context) -> int:
    """Print a web page as Markdown on stdout; its title and the price go to stderr."""
    from deepseek_openai import fetch_url

    page = fetch_url(ctx.client(), ctx.args.url)
    ctx.out(page.content, end="" if page.content.endswith("\n") else "\n")
    ctx.err(f"title: {page.title}")
    ctx.err(_price_line(page))
    return 0
