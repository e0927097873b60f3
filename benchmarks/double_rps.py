"""Requests per second of FakeDeepSeek: non-streaming chat calls through one keep-alive sync client.

Not part of the test suite. Run:  python benchmarks/double_rps.py [--requests 500] [--repeats 5]
Prints each repetition and the median through the SDK (what tests see), then the same loop over a bare
``http.client`` keep-alive connection (the double's own ceiling, without the SDK's per-call cost).
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import time
from collections.abc import Callable

from deepseek_openai.testing import FakeDeepSeek

MESSAGES = [{"role": "user", "content": "hello"}]


def measure(label: str, call: Callable[[], object], requests: int, repeats: int) -> float:
    call()  # warm up: open the keep-alive connection once
    rates = []
    for run in range(1, repeats + 1):
        start = time.perf_counter()
        for _ in range(requests):
            call()
        rates.append(requests / (time.perf_counter() - start))
        print(f"{label} run {run}: {rates[-1]:8.0f} req/s")
    median = statistics.median(rates)
    print(f"{label} median: {median:8.0f} req/s ({repeats} x {requests} requests)")
    return median


def raw_caller(ds: FakeDeepSeek) -> tuple[http.client.HTTPConnection, Callable[[], bytes]]:
    """A keep-alive ``http.client`` connection to the double and a function sending one chat request on it."""
    conn = http.client.HTTPConnection("127.0.0.1", ds.port)
    body = json.dumps({"model": "deepseek-flash", "messages": MESSAGES})
    headers = {"Authorization": f"Bearer {ds.api_key}", "Content-Type": "application/json"}

    def raw() -> bytes:
        conn.request("POST", "/chat/completions", body, headers)
        return conn.getresponse().read()

    return conn, raw


def main() -> None:
    parser = argparse.ArgumentParser(description="FakeDeepSeek requests per second")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with FakeDeepSeek() as ds, ds.client(max_retries=0) as client:
        measure(
            "sdk",
            lambda: client.chat.completions.create(model="deepseek-flash", messages=MESSAGES),  # type: ignore[arg-type]
            args.requests,
            args.repeats,
        )
        conn, raw = raw_caller(ds)
        measure("raw", raw, args.requests, args.repeats)
        conn.close()


if __name__ == "__main__":
    main()
