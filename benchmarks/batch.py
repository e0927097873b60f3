"""Batch runner benchmarks: throughput against a cap's limit and a bare gather + Semaphore script; memory.

Not part of the test suite. Run:  python benchmarks/batch.py [--quick] [--memory-only] [--cap-only] [--lean]
Against the cap: a FakeDeepSeek in a process of its own with an account cap (429 above it) and a fixed latency;
the physical limit is cap / latency requests a second, and the row is the fraction of it the runner reaches, with
the runner's CPU time per request (its process's user + system time over the run, divided by the requests) and
the double's. "Cap unknown": the runner is told a higher concurrency and finds the cap through the 429s. Each
setting also runs the script people write with the raw SDK (``openai.AsyncOpenAI``, ``asyncio.gather`` under an
``asyncio.Semaphore`` of the concurrency told, the SDK's default retries): its lines lost are the requests that
ended in an exception. ``--lean``: a minimal asyncio cap server instead of the double (see ``LEAN``). The load
average (``os.getloadavg()``) is printed with each row: the machine may be shared.
Throughput: both sides send the same requests at the same concurrency through one FakeDeepSeek with a fixed
per-request latency (a stand-in for generation time), alternating over several rounds; the ratio is ours / bare.
Memory: a child process per measurement (peak RSS from getrusage, Python allocations from tracemalloc).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
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
from deepseek_openai.batch._input import BatchInput
from deepseek_openai.batch._output import OutputFile
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


CAPPED = (
    "import sys; from deepseek_openai.testing import FakeDeepSeek\n"
    "ds = FakeDeepSeek().start(); ds._requests = type('Forget', (list,), {'append': lambda self, x: None})()\n"
    "ds.gate.set_limit(int(sys.argv[1])); ds.latency = float(sys.argv[2])\n"
    "print(ds.base_url, ds.api_key, flush=True); sys.stdin.read(); ds.close()\n"
)
LEAN = r"""
import asyncio, json, sys, time
cap, latency = int(sys.argv[1]), float(sys.argv[2])
state = {"in": 0}
def reply(status, body):
    data = json.dumps(body).encode()
    head = "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (status, len(data))
    return head.encode() + data
REFUSED = reply(429, {"error": {"message": f"Rate Limit Reached: you have exceeded the limit of {cap} concurrent "
                                "requests.", "type": "rate_limit_error", "code": "rate_limit_exceeded"}})
async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(int(x[15:]) for x in head.lower().split(b"\r\n") if x.startswith(b"content-length:"))
            json.loads(await reader.readexactly(length))
            if state["in"] >= cap:
                writer.write(REFUSED)
                continue
            state["in"] += 1
            try:
                await asyncio.sleep(latency)
                usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
                message = {"role": "assistant", "content": "ok"}
                body = {"id": "x", "object": "chat.completion", "created": int(time.time()), "model": "deepseek-flash",
                        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}], "usage": usage}
                writer.write(reply(200, body))
            finally:
                state["in"] -= 1
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", "sk-lean", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
asyncio.run(main())
"""
"""A minimal asyncio cap server (``--lean``): the same cap and latency as the double at a fraction of its CPU, to
tell the runner's limits from the double's (FakeDeepSeek checks every request and serves each on a thread)."""

CAP_RUN = """
import resource, sys, time
from deepseek_openai import run_batch
import deepseek_openai._client, deepseek_openai.batch._run  # imported before the clock starts, as the SDK below
src, out, key, url, told = sys.argv[1:6]
r0 = resource.getrusage(resource.RUSAGE_SELF)
started = time.perf_counter()
summary = run_batch(src, out, api_key=key, base_url=url, concurrency=int(told), retry_base=0.05)
elapsed = time.perf_counter() - started
r1 = resource.getrusage(resource.RUSAGE_SELF)
cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
assert summary.ok == summary.total, summary
print(summary.total, elapsed, cpu, summary.rate_limited, 0, summary.elapsed)
"""
RAW_RUN = """
import asyncio, json, resource, sys, time
import openai
src, out, key, url, told = sys.argv[1:6]

async def main():
    sem = asyncio.Semaphore(int(told))
    async with openai.AsyncOpenAI(api_key=key, base_url=url) as client:  # the SDK's default retries (2)

        async def one(line):
            item = json.loads(line)
            async with sem:
                return await client.chat.completions.create(**item["body"])

        with open(src) as f:
            lines = f.read().splitlines()
        return await asyncio.gather(*(one(x) for x in lines), return_exceptions=True)

r0 = resource.getrusage(resource.RUSAGE_SELF)
started = time.perf_counter()
results = asyncio.run(main())
elapsed = time.perf_counter() - started
r1 = resource.getrusage(resource.RUSAGE_SELF)
cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
lost = sum(isinstance(r, BaseException) for r in results)
print(len(results), elapsed, cpu, "-", lost, elapsed)
"""


def _cpu_of(pid: int) -> float:
    # user + system seconds of another process (Linux /proc), for the double's share of the CPU.
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def against_cap(
    requests: int, cap: int, latency: float, told: int, tmp: Path, *, raw: bool = True, lean: bool = False
) -> None:
    """Fraction of the cap's limit (cap / latency) one runner process reaches; then the raw SDK script's."""
    server = subprocess.Popen(
        [sys.executable, "-c", LEAN if lean else CAPPED, str(cap), str(latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url, key = server.stdout.readline().split()
        src = write_input(tmp / f"cap-{requests}.jsonl", requests)
        for name, script in (("run_batch", CAP_RUN), ("raw openai", RAW_RUN))[: 2 if raw else 1]:
            out = tmp / f"cap-{cap}-{told}.out"
            out.unlink(missing_ok=True)
            argv = [sys.executable, "-c", script, str(src), str(out), key, url, str(told)]
            load = os.getloadavg()[0]
            served = _cpu_of(server.pid)
            done = subprocess.run(argv, capture_output=True, text=True, check=True)
            served = _cpu_of(server.pid) - served
            total, elapsed, cpu, limited, lost, sending = done.stdout.split()
            rate, limit = int(total) / float(elapsed), cap / latency
            known = "known" if told == cap else f"unknown (told {told})"
            where = " (lean server)" if lean else ""
            print(
                f"| {name}{where}, cap {cap}, {latency * 1000:.0f} ms, cap {known}, {total} requests | "
                f"{rate:,.0f} req/s of {limit:,.0f} | {rate / limit:.2f} ({int(total) / float(sending) / limit:.2f}) | "
                f"{float(cpu) / int(total) * 1000:.2f} ms | {served / int(total) * 1000:.2f} ms | {limited} | "
                f"{lost} | {load:.1f} |",
                flush=True,
            )
    finally:
        server.communicate("")


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
    parser.add_argument("--cap-only", action="store_true")
    parser.add_argument("--lean", action="store_true", help="against the cap: a minimal asyncio server, not the double")
    parser.add_argument(
        "--requests", type=int, help="against the cap: requests of the cap-8 and cap-unknown rows (x2 at cap 64)"
    )
    parser.add_argument("--caps", default="8,64,unknown", help="against the cap: which rows (8, 64, unknown)")
    args = parser.parse_args()
    if not args.memory_only:
        print(
            "| against the cap | throughput | fraction of the limit (sending only) | CPU per request "
            "| the double's CPU per request "
            "| 429s | lines lost | load |"
        )
        print("|---|---|---|---|---|---|---|---|")
        with tempfile.TemporaryDirectory() as tmp:
            n = args.requests or (400 if args.quick else 2000)
            rows = set(args.caps.split(","))
            if "8" in rows:
                against_cap(n, 8, 0.1, 8, Path(tmp), lean=args.lean)
            if "64" in rows:
                against_cap(n * 2, 64, 0.05, 64, Path(tmp), lean=args.lean)
            if "unknown" in rows:
                against_cap(n, 16, 0.05, 64, Path(tmp), lean=args.lean)
    if args.cap_only:
        return
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
