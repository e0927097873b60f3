"""deepseek_openai against raw openai, side by side in one run: import, client creation, requests, streams.

Not part of the test suite. Run:  python benchmarks/run_all.py [--quick]
Each comparison alternates the two sides in several rounds and reports medians and their ratio (ours / raw),
then prints a Markdown table to paste into benchmarks/README.md. Only loopback traffic (FakeDeepSeek).
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import openai

from deepseek_openai import collect_stream, create_client
from deepseek_openai.testing import FakeDeepSeek

sys.path.insert(0, str(Path(__file__).resolve().parent))
from double_rps import raw_caller

KEY = "sk-bench-0000000000000000"
MSG = [{"role": "user", "content": "hello"}]
ROOT = Path(__file__).resolve().parent.parent


def rounds(ours: Callable[[], float], raw: Callable[[], float], n: int) -> tuple[float, float]:
    """Alternate the two sides ``n`` times (ours first on even rounds); return their median times."""
    a: list[float] = []
    b: list[float] = []
    ours(), raw()  # warm-up round, not counted
    for i in range(n):
        if i % 2:
            b.append(raw())
            a.append(ours())
        else:
            a.append(ours())
            b.append(raw())
    return statistics.median(a), statistics.median(b)


def timed(fn: Callable[[], object], times: int) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        for _ in range(times):
            fn()
        return (time.perf_counter() - start) / times

    return run


def fresh_import(module: str) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
        return time.perf_counter() - start

    return run


def bench_import(n: int) -> list[tuple[str, float, float, str]]:
    compileall.compile_dir(str(ROOT / "deepseek_openai"), quiet=1)  # users get bytecode from pip; so do we
    bare = statistics.median(fresh_import("sys")() for _ in range(n))
    ours, raw = rounds(fresh_import("deepseek_openai"), fresh_import("openai"), n)
    return [
        ("`import deepseek_openai` vs `import openai` (fresh process)", ours, raw, "≤ 1.05"),
        ("  the same, interpreter start-up subtracted", ours - bare, raw - bare, "info"),
    ]


def bench_create(n: int) -> list[tuple[str, float, float, str]]:
    url = "http://127.0.0.1:9"

    def raw() -> object:
        return openai.OpenAI(api_key=KEY, base_url=url)

    rows = []
    ours, base = rounds(timed(lambda: create_client(KEY, base_url=url), 20), timed(raw, 20), n)
    rows.append(("`create_client(key)` vs `openai.OpenAI(api_key, base_url)`", ours, base, "≤ 1.05"))
    os.environ["DEEPSEEK_API_KEY"] = KEY  # the benchmark's own process; the package never writes the environment
    ours, base = rounds(timed(lambda: create_client(base_url=url), 20), timed(raw, 20), n)
    rows.append(("`create_client()`, key in the environment", ours, base, "≤ 1.05"))
    del os.environ["DEEPSEEK_API_KEY"]
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, ".env").write_text(f"DEEPSEEK_API_KEY={KEY}\n")
        os.chdir(folder)
        try:
            ours, base = rounds(timed(lambda: create_client(base_url=url), 20), timed(raw, 20), n)
        finally:
            os.chdir(here)
    rows.append(("`create_client()`, key in `.env`", ours, base, "report"))
    return rows


def bench_requests(ds: FakeDeepSeek, calls: int, stream_calls: int, n: int) -> list[tuple[str, float, float, str]]:
    ours = create_client(ds.api_key, base_url=ds.base_url, env_file=False, max_retries=0)
    raw = openai.OpenAI(api_key=ds.api_key, base_url=ds.base_url, max_retries=0)

    def call(client: openai.OpenAI) -> object:
        return client.chat.completions.create(model="deepseek-flash", messages=MSG)  # type: ignore[arg-type]

    def stream(client: openai.OpenAI) -> object:
        return list(client.chat.completions.create(model="deepseek-flash", messages=MSG, stream=True))  # type: ignore[arg-type]

    call(ours), call(raw)  # warm both keep-alive connections
    per = max(1, calls // n)
    a, b = rounds(timed(lambda: call(ours), per), timed(lambda: call(raw), per), n)
    per_stream = max(1, stream_calls // n)
    c, d = rounds(timed(lambda: stream(ours), per_stream), timed(lambda: stream(raw), per_stream), n)
    ds.reset()
    return [
        (f"non-streaming request, {per * n} calls through the double", a, b, "≤ 1.02"),
        (f"streaming request, {per_stream * n} calls through the double", c, d, "≤ 1.02"),
    ]


def bench_collect(ds: FakeDeepSeek, chunks: int, n: int) -> list[tuple[str, float, float, str]]:
    client = create_client(ds.api_key, base_url=ds.base_url, env_file=False, max_retries=0)
    words = "word " * (chunks // 2)

    def open_stream() -> openai.Stream[object]:
        ds.add_reply(words, reasoning=words)
        return client.chat.completions.create(model="deepseek-flash", messages=MSG, stream=True)  # type: ignore[arg-type, return-value]

    def ours() -> float:
        stream = open_stream()
        start = time.perf_counter()
        collect_stream(stream)
        return time.perf_counter() - start

    def bare() -> float:
        stream = open_stream()
        start = time.perf_counter()
        for _chunk in stream:
            pass
        return time.perf_counter() - start

    a, b = rounds(ours, bare, n)
    ds.reset()
    return [(f"`collect_stream` vs a bare `for` loop, {chunks:,}-chunk stream", a, b, "≤ 1.10")]


def bench_double(ds: FakeDeepSeek, calls: int, n: int) -> tuple[float, float]:
    conn, raw = raw_caller(ds)
    client = create_client(ds.api_key, base_url=ds.base_url, env_file=False, max_retries=0)
    per = max(1, calls // n)
    sdk, bare = rounds(
        timed(lambda: client.chat.completions.create(model="deepseek-flash", messages=MSG), per),  # type: ignore[arg-type]
        timed(raw, per),
        n,
    )
    conn.close()
    ds.reset()
    return 1 / bare, 1 / sdk


def fmt(seconds: float) -> str:
    return f"{seconds * 1e3:.3f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and calls (a smoke run)")
    args = parser.parse_args()
    n = 5 if args.quick else 11
    calls, stream_calls, chunks = (200, 50, 2_000) if args.quick else (2_000, 500, 10_000)
    rows = bench_import(n) + bench_create(n)
    with FakeDeepSeek() as ds:
        rows += bench_requests(ds, calls, stream_calls, n)
        rows += bench_collect(ds, chunks, n)
        bare_rps, sdk_rps = bench_double(ds, calls, n)
    print(
        f"\nPython {platform.python_version()}, openai {openai.__version__}, {platform.machine()}, "
        f"{os.cpu_count()} cores, {n} rounds each, medians\n"
    )
    print("| comparison | deepseek_openai | raw openai | ratio | target |")
    print("|---|---|---|---|---|")
    for name, ours, raw, target in rows:
        print(f"| {name} | {fmt(ours)} | {fmt(raw)} | {ours / raw:.3f} | {target} |")
    print(
        f"| FakeDeepSeek, non-streaming requests/s over one keep-alive connection (`http.client`) "
        f"| {bare_rps:,.0f}/s | | | ≥ 1,000/s |"
    )
    print(f"| the same through the SDK (`create_client`) | {sdk_rps:,.0f}/s | | | info |")


if __name__ == "__main__":
    main()
