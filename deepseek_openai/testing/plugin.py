"""pytest plugin (``pytest11`` entry point): fixtures for an offline DeepSeek.

Fixtures:
    fake_deepseek: a started :class:`~deepseek_openai.testing.FakeDeepSeek`, closed after the test.
    deepseek_client: an ``openai.OpenAI`` from ``create_client`` pointed at it.
    async_deepseek_client: an ``openai.AsyncOpenAI`` pointed at it, closed on the test's event loop
        (needs an async test runner such as pytest-asyncio).

Importing this module costs only ``pytest`` itself: the double and the SDK load when a fixture is used.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pytest

if TYPE_CHECKING:
    import openai

    from ._fake import FakeDeepSeek

__all__ = ["async_deepseek_client", "deepseek_client", "fake_deepseek"]

_F = TypeVar("_F", bound=Callable[..., Any])


def _async_fixture(func: _F) -> _F:
    # pytest-asyncio's strict mode only runs async fixtures declared through its own decorator;
    # other async runners (anyio) take plain pytest fixtures.
    decorate: Callable[[Any], Any] = pytest.fixture
    try:
        from pytest_asyncio import fixture as asyncio_fixture
    except ImportError:  # pragma: no cover - pytest-asyncio is not installed
        pass
    else:
        decorate = asyncio_fixture
    return cast("_F", decorate(func))


@pytest.fixture
def fake_deepseek() -> Iterator[FakeDeepSeek]:
    """Yield a running :class:`~deepseek_openai.testing.FakeDeepSeek`, closed (threads and sockets) after the test."""
    from ._fake import FakeDeepSeek

    with FakeDeepSeek() as fake:
        yield fake


@pytest.fixture
def deepseek_client(fake_deepseek: FakeDeepSeek) -> Iterator[openai.OpenAI]:
    """Yield a sync client from ``create_client`` pointed at ``fake_deepseek``."""
    with fake_deepseek.client() as client:
        yield client


@_async_fixture
async def async_deepseek_client(fake_deepseek: FakeDeepSeek) -> AsyncIterator[openai.AsyncOpenAI]:
    """Yield an async client from ``create_async_client`` pointed at ``fake_deepseek``."""
    client = fake_deepseek.async_client()
    try:
        yield client
    finally:
        await client.close()
