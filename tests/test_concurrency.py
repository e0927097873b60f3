"""Many requests at once through one client: every reply comes back to the request that asked for it."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from deepseek_openai import acollect_stream, collect_stream
from deepseek_openai.testing import FakeDeepSeek

# Hundreds of requests over real connections, seconds of CPU each: the slow leg (pytest -m slow).
pytestmark = pytest.mark.slow


def _ask(n: int) -> list[dict[str, str]]:
    return [{"role": "user", "content": f"question number {n}"}]


async def test_200_concurrent_async_requests_none_lost_or_crossed(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.async_client(max_retries=0)

    async def one(n: int) -> tuple[int, str]:
        if n % 2:  # half of them stream
            stream = await client.chat.completions.create(model="deepseek-flash", messages=_ask(n), stream=True)  # type: ignore[arg-type]
            return n, (await acollect_stream(stream)).content
        reply = await client.chat.completions.create(model="deepseek-flash", messages=_ask(n))  # type: ignore[arg-type]
        return n, reply.choices[0].message.content or ""

    results = await asyncio.gather(*(one(n) for n in range(200)))
    await client.close()
    assert len(results) == 200
    for n, content in results:
        assert content == f"Echo: question number {n}"
    assert len(fake_deepseek.requests) == 200


def test_50_threads_on_one_sync_client_none_lost_or_crossed(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client(max_retries=0)

    def one(n: int) -> tuple[int, str]:
        if n % 2:
            stream = client.chat.completions.create(model="deepseek-flash", messages=_ask(n), stream=True)  # type: ignore[arg-type]
            return n, collect_stream(stream).content
        reply = client.chat.completions.create(model="deepseek-flash", messages=_ask(n))  # type: ignore[arg-type]
        return n, reply.choices[0].message.content or ""

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(one, range(150)))
    assert [n for n, _ in results] == list(range(150))
    for n, content in results:
        assert content == f"Echo: question number {n}"
    received = sorted(r.json["messages"][0]["content"] for r in fake_deepseek.requests)
    assert received == sorted(f"question number {n}" for n in range(150))
