"""The double's account limits: DeepSeek's 429 above N requests in flight, the balance-based cap, latency."""

from __future__ import annotations

import threading

import openai
import pytest

from deepseek_openai.testing import FakeDeepSeek


def _two_at_once(ds: FakeDeepSeek) -> list[BaseException | None]:
    client = ds.client(max_retries=0)
    results: list[BaseException | None] = []

    def call() -> None:
        try:
            client.chat.completions.create(model="deepseek-flash", messages=[{"role": "user", "content": "hi"}])
            results.append(None)
        except openai.APIStatusError as exc:
            results.append(exc)

    threads = [threading.Thread(target=call) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.parametrize(
    ("by_balance", "expected"),
    [(False, "exceeded the limit of 1 concurrent"), (True, "concurrency limit of 1 based on your remaining balance")],
)
def test_a_request_above_the_cap_gets_deepseeks_429(by_balance: bool, expected: str) -> None:
    with FakeDeepSeek() as ds:
        ds.gate.set_limit(1, by_balance=by_balance)
        ds.latency = 0.3  # the first request is still in flight when the second arrives
        results = _two_at_once(ds)
        refused = [r for r in results if r is not None]
        assert len(refused) == 1 and results.count(None) == 1
        error = refused[0]
        assert isinstance(error, openai.RateLimitError) and expected in error.message
        assert not any(h.startswith("x-ratelimit") for h in error.response.headers)  # DeepSeek sends none (§18)
        assert ds.gate.peak == 1 and ds.gate.refused == 1


def test_without_a_cap_both_run_at_once_and_peak_counts_them() -> None:
    with FakeDeepSeek() as ds:
        ds.latency = 0.3
        assert _two_at_once(ds) == [None, None]
        assert ds.gate.peak == 2 and ds.gate.refused == 0
        ds.gate.reset()
        assert ds.gate.peak == 0


def test_a_cap_below_one_is_refused() -> None:
    with FakeDeepSeek() as ds, pytest.raises(ValueError, match="at least 1"):
        ds.gate.set_limit(0)
