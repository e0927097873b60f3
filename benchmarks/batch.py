"""Batch runner benchmarks: throughput against a bare asyncio.gather + Semaphore script, and memory for 1M lines.

Not part of the test suite. Run:  python benchmarks/batch.py [--quick]
Throughput: both sides send the same requests at the same concurrency through one FakeDeepSeek with a fixed
per-request latency (a stand-in for generation time), alternating over several rounds; the ratio is ours / bare.
Memory: a child process per measurement (peak RSS from getrusage, Python allocations from tracemalloc).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from deepseek_openai import create_async_client, run_batch
from deepseek_openai.testing import FakeDeepSeek

MSG = [{"role": "user", "content": "hello"}]


def write_input(path: Path, count: int) -> Path:
    with path.open("w") as f:
        for i in range(count):
            body = {"model": "deepseek-flash", "messages": [{"role": "user", "content": f"question number {i}"}]}
            item = {"custom_id": f"req-{i:07d}", "method": "POST", "url": "/chat/completions", "body": body}
            f.write(json.dumps(item) + "\n")
    return path


def bare(ds: FakeDeepSeek, src: Path, concurrency: int) -> float:
    """The script people write: read all lines, gather under a Semaphore, keep the replies."""

    async def main() -> None:
        sem = asyncio.Semaphore(concurrency)
        async with create_async_client(ds.api_key, base_url=ds.base_url) as client:  # SDK retries on, as usual

            async def one(line: str) -> object:
                item = json.loads(line)
                async with sem:
                    return await client.chat.completions.create(**item["body"])

            await asyncio.gather(*(one(x) for x in src.read_text().splitlines()))

    start = time.perf_counter()
    asyncio.run(main())
    return time.perf_counter() - start


def ours(ds: FakeDeepSeek, src: Path, out: Path, concurrency: int) -> float:
    out.unlink(missing_ok=True)
    start = time.perf_counter()
    summary = run_batch(src, out, api_key=ds.api_key, base_url=ds.base_url, concurrency=concurrency)
    elapsed = time.perf_counter() - start
    assert summary.ok == summary.total, summary
    return elapsed


def throughput(requests: int, concurrency: int, latency: float, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeDeepSeek() as ds:
        ds.latency = latency
        src = write_input(Path(tmp) / "in.jsonl", requests)
        out = Path(tmp) / "out.jsonl"
        bare(ds, src, concurrency), ours(ds, src, out, concurrency)  # warm-up
        a: list[float] = []
        b: list[float] = []
        for i in range(rounds):
            if i % 2:
                b.append(bare(ds, src, concurrency))
                a.append(ours(ds, src, out, concurrency))
            else:
                a.append(ours(ds, src, out, concurrency))
                b.append(bare(ds, src, concurrency))
        ratio = statistics.median(x / y for x, y in zip(a, b, strict=True))
        print(
            f"| throughput, {requests} requests, concurrency {concurrency}, latency {latency * 1000:.0f} ms | "
            f"{requests / statistics.median(a):,.0f} req/s | {requests / statistics.median(b):,.0f} req/s | "
            f"{ratio:.3f} (time ours / bare) | ≤ 1.15 |"
        )


CHILD = """
import resource, sys, tracemalloc
from decimal import Decimal
from deepseek_openai._batch_io import BatchInput
from deepseek_openai._batch_out import OutputFile
tracemalloc.start()
path, out = sys.argv[1], sys.argv[2]
source = BatchInput(path)
stats = source.check()
checked = tracemalloc.get_traced_memory()[1]
tracemalloc.reset_peak()
answered = OutputFile(out, source.ids, "in.jsonl")
answered.load(lambda item: Decimal(0))
n = sum(1 for _ in source.requests(skip=answered.answered))
streamed = tracemalloc.get_traced_memory()[1]
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(stats.count, n, checked, streamed, rss)
"""

RUN = """
import resource, sys
from deepseek_openai import run_batch
src, out, key, url = sys.argv[1:5]
summary = run_batch(src, out, api_key=key, base_url=url, concurrency=64)
assert summary.ok == summary.total, summary
print(summary.total, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

SERVE = (
    "import sys; from deepseek_openai.testing import FakeDeepSeek\n"
    "ds = FakeDeepSeek().start(); ds._requests = type('Forget', (list,), {'append': lambda self, x: None})()\n"
    "print(ds.base_url, ds.api_key, flush=True); sys.stdin.read(); ds.close()\n"
)


def memory(lines: int, tmp: Path) -> None:
    src = write_input(tmp / f"in-{lines}.jsonl", lines)
    out = tmp / f"out-{lines}.jsonl"
    with out.open("w") as f:  # half the ids already answered, as on a resume
        for i in range(0, lines, 2):
            f.write(json.dumps({"id": "batch_req_x", "custom_id": f"req-{i:07d}", "response": None, "error": None}))
            f.write("\n")
    done = subprocess.run([sys.executable, "-c", CHILD, str(src), str(out)], capture_output=True, text=True, check=True)
    count, sent, checked, streamed, rss = map(int, done.stdout.split())
    size = src.stat().st_size / 1e6
    print(
        f"| {count:,} input lines ({size:,.0f} MB), {sent:,} left to send | check pass peak {checked / 1e6:.1f} MB | "
        f"resume scan + streaming read peak {streamed / 1e6:.1f} MB | peak RSS {rss / 1024:.0f} MB |"
    )


def memory_of_a_run(counts: tuple[int, ...], tmp: Path) -> None:
    """Peak RSS of a whole run_batch process (the double in a process of its own, keeping no request records)."""
    server = subprocess.Popen([sys.executable, "-c", SERVE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        url, key = server.stdout.readline().split()
        peaks = []
        for lines in counts:
            src = write_input(tmp / f"run-{lines}.jsonl", lines)
            out = tmp / f"run-{lines}.out"
            out.unlink(missing_ok=True)
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", RUN, str(src), str(out), key, url], capture_output=True, text=True, check=True
            )
            total, rss = map(int, done.stdout.split())
            peaks.append((total, rss / 1024))
            took = time.perf_counter() - started
            print(f"| whole run, {total:,} lines | peak RSS {rss / 1024:.0f} MB | {took:.0f} s |")
        (n0, r0), (n1, r1) = peaks[0], peaks[-1]
        print(f"| growth | {(r1 - r0) * 1024 / (n1 - n0) * 1024:.0f} bytes a line | |")
    finally:
        server.communicate("")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--memory-only", action="store_true")
    args = parser.parse_args()
    if not args.memory_only:
        print("| comparison | batch runner | bare gather + Semaphore | ratio | target |\n|---|---|---|---|---|")
        throughput(400 if args.quick else 1000, 50, 0.02, 3 if args.quick else 5)
        throughput(400 if args.quick else 1000, 8, 0.0, 3 if args.quick else 5)
    print("\n| memory | check | resume + stream | process |\n|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for lines in (10_000, 100_000) if args.quick else (50_000, 1_000_000):
            memory(lines, Path(tmp))
        print("\n| memory of a whole run | peak RSS | time |\n|---|---|---|")
        memory_of_a_run((5_000, 20_000) if args.quick else (20_000, 100_000), Path(tmp))


if __name__ == "__main__":
    main()
