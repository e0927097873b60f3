"""deepseek_openai against raw openai, side by side in one run: import, client creation, requests, streams.

Not part of the test suite. Run:  python benchmarks/run_all.py [--quick]
Each comparison alternates the two sides in several rounds and reports medians and their ratio (ours / raw),
then prints a Markdown table to paste into benchmarks/README.md. Only loopback traffic (FakeDeepSeek).
"""

from __future__ import annotations

import argparse
import compileall
import cProfile
import math
import os
import platform
import pstats
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


Row = tuple[str, float, float, float, str]  # name, ours, raw, ratio, target (times in s; counts as < 0)


def rounds(ours: Callable[[], float], raw: Callable[[], float], n: int) -> tuple[float, float, float]:
    """Alternate the two sides ``n`` times (ours first on even rounds).

    Returns each side's median time and the median of the per-round ratios ours / raw: pairing each round with
    its neighbour cancels slow drifts in machine load that a ratio of two medians would keep.
    """
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
    return statistics.median(a), statistics.median(b), statistics.median(x / y for x, y in zip(a, b, strict=True))


def timed(fn: Callable[[], object], times: int) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        for _ in range(times):
            fn()
        return (time.perf_counter() - start) / times

    return run


def compiled() -> None:
    # Users get bytecode from pip. The tree may be edited while this runs: recompile (untimed) before each import,
    # or a stale .pyc makes every fresh process compile the package again.
    compileall.compile_dir(str(ROOT / "deepseek_openai"), quiet=1)


def fresh_import(module: str) -> Callable[[], float]:
    def run() -> float:
        compiled()
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
        return time.perf_counter() - start

    return run


def own_import_share(n: int) -> float:
    """Median over ``n`` processes of (openai + our modules) / openai, from ``-X importtime`` cumulative times."""
    shares = []
    for _ in range(n):
        compiled()
        code = "import openai; import deepseek_openai"
        err = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True).stderr
        rows = [line.removeprefix("import time:").split("|") for line in err.splitlines()]
        cumulative = {name.strip(): int(total) for _, total, name in rows[1:]}  # rows[0] is the header
        shares.append((cumulative["openai"] + cumulative["deepseek_openai"]) / cumulative["openai"])
    return statistics.median(shares)


def bench_import(n: int) -> list[Row]:
    bare = statistics.median(fresh_import("sys")() for _ in range(n))
    ours, raw, ratio = rounds(fresh_import("deepseek_openai"), fresh_import("openai"), n)
    return [
        ("`import deepseek_openai` vs `import openai` (fresh process)", ours, raw, ratio, "≤ 1.05"),
        ("  the same, interpreter start-up subtracted", ours - bare, raw - bare, (ours - bare) / (raw - bare), "info"),
        ("  our modules on top of `openai`, `-X importtime`", math.nan, math.nan, own_import_share(n), "info"),
    ]


def bench_create(n: int) -> list[Row]:
    url = "http://127.0.0.1:9"

    def raw() -> object:
        return openai.OpenAI(api_key=KEY, base_url=url)

    rows: list[Row] = []
    ours, base, ratio = rounds(timed(lambda: create_client(KEY, base_url=url), 20), timed(raw, 20), n)
    rows.append(("`create_client(key)` vs `openai.OpenAI(api_key, base_url)`", ours, base, ratio, "≤ 1.05"))
    os.environ["DEEPSEEK_API_KEY"] = KEY  # the benchmark's own process; the package never writes the environment
    ours, base, ratio = rounds(timed(lambda: create_client(base_url=url), 20), timed(raw, 20), n)
    rows.append(("`create_client()`, key in the environment", ours, base, ratio, "≤ 1.05"))
    del os.environ["DEEPSEEK_API_KEY"]
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, ".env").write_text(f"DEEPSEEK_API_KEY={KEY}\n")
        os.chdir(folder)
        try:
            ours, base, ratio = rounds(timed(lambda: create_client(base_url=url), 20), timed(raw, 20), n)
        finally:
            os.chdir(here)
    rows.append(("`create_client()`, key in `.env`", ours, base, ratio, "report"))
    ours_client, raw_client = create_client(KEY, base_url=url), openai.OpenAI(api_key=KEY, base_url=url)
    copies = (
        timed(lambda: ours_client.with_options(timeout=5), 200),
        timed(lambda: raw_client.with_options(timeout=5), 200),
    )
    ours, base, ratio = rounds(*copies, n)
    rows.append(
        ("`client.with_options(timeout=5)` (each copy re-applies the neutral headers)", ours, base, ratio, "report")
    )
    return rows


def bench_requests(ds: FakeDeepSeek, calls: int, stream_calls: int, n: int) -> list[Row]:
    ours = create_client(ds.api_key, base_url=ds.base_url, env_file=False, max_retries=0)
    raw = openai.OpenAI(api_key=ds.api_key, base_url=ds.base_url, max_retries=0)

    def call(client: openai.OpenAI) -> object:
        return client.chat.completions.create(model="deepseek-flash", messages=MSG)  # type: ignore[arg-type]

    def stream(client: openai.OpenAI) -> object:
        return list(client.chat.completions.create(model="deepseek-flash", messages=MSG, stream=True))  # type: ignore[arg-type]

    call(ours), call(raw)  # warm both keep-alive connections
    # Many short rounds: a background blip then spoils one pair, which the median of the pair ratios drops.
    m = 4 * n
    per = -(-calls // m)  # round up: at least `calls` calls per side
    a, b, r1 = rounds(timed(lambda: call(ours), per), timed(lambda: call(raw), per), m)
    per_stream = -(-stream_calls // m)
    c, d, r2 = rounds(timed(lambda: stream(ours), per_stream), timed(lambda: stream(raw), per_stream), m)
    e, f = calls_per(lambda: call(ours)), calls_per(lambda: call(raw))
    g, h = calls_per(lambda: stream(ours)), calls_per(lambda: stream(raw))
    ds.reset()
    return [
        (f"non-streaming request, {per * m} calls per side through the double", a, b, r1, "≤ 1.02"),
        ("  Python function calls per request (cProfile)", -e, -f, e / f, "info"),
        (f"streaming request, {per_stream * m} calls per side through the double", c, d, r2, "≤ 1.02"),
        ("  Python function calls per request (cProfile)", -g, -h, g / h, "info"),
    ]


def calls_per(fn: Callable[[], object], times: int = 200) -> float:
    """Python function calls per ``fn()`` under cProfile: a noise-free view of the work each side does."""
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(times):
        fn()
    profile.disable()
    return pstats.Stats(profile).total_calls / times  # type: ignore[attr-defined, no-any-return]


def bench_collect(ds: FakeDeepSeek, chunks: int, n: int) -> list[Row]:
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

    a, b, ratio = rounds(ours, bare, n)
    ds.reset()
    return [(f"`collect_stream` vs a bare `for` loop, {chunks:,}-chunk stream", a, b, ratio, "≤ 1.10")]


def bench_double(ds: FakeDeepSeek, calls: int, n: int) -> tuple[float, float]:
    conn, raw = raw_caller(ds)
    client = create_client(ds.api_key, base_url=ds.base_url, env_file=False, max_retries=0)
    per = -(-calls // n)
    sdk, bare, _ = rounds(
        timed(lambda: client.chat.completions.create(model="deepseek-flash", messages=MSG), per),  # type: ignore[arg-type]
        timed(raw, per),
        n,
    )
    conn.close()
    ds.reset()
    return 1 / bare, 1 / sdk


def fmt(seconds: float) -> str:
    if math.isnan(seconds):
        return ""
    if seconds < 0:  # a count, not a time
        return f"{-seconds:,.0f}"
    return f"{seconds * 1e3:.3f} ms" if seconds < 1 else f"{seconds:.2f} s"


def print_table(rows: list[Row], n: int) -> None:
    """Print the run's header line and its rows as a Markdown table (sizes in MB for ``MB`` rows)."""
    print(
        f"\nPython {platform.python_version()}, openai {openai.__version__}, {platform.machine()}, "
        f"{os.cpu_count()} cores; medians of {n} alternating rounds ({4 * n} for requests); "
        "ratio = median of the per-round ratios ours / raw\n"
    )
    print("| comparison | deepseek_openai | raw openai | ratio | target |")
    print("|---|---|---|---|---|")
    for name, ours, raw, ratio, target in rows:
        if math.isnan(ratio):  # a size or count of ours alone
            print(f"| {name} | {f'{ours:.1f} MB' if 'MB' in name else f'{-ours:,.0f}'} | | | {target} |")
        else:
            print(f"| {name} | {fmt(ours)} | {fmt(raw)} | {ratio:.3f} | {target} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and calls (a smoke run)")
    args = parser.parse_args()
    n = 5 if args.quick else 15
    calls, stream_calls, chunks = (200, 50, 2_000) if args.quick else (2_000, 500, 10_000)
    rows = bench_import(n) + bench_create(n)
    with FakeDeepSeek() as ds:
        rows += bench_requests(ds, calls, stream_calls, n)
        rows += bench_collect(ds, chunks, n)
        bare_rps, sdk_rps = bench_double(ds, calls, n)
    print_table(rows, n)
    print(
        f"| FakeDeepSeek, non-streaming requests/s over one keep-alive connection (`http.client`) "
        f"| {bare_rps:,.0f}/s | | | ≥ 1,000/s |"
    )
    print(f"| the same through the SDK (`create_client`) | {sdk_rps:,.0f}/s | | | info |")


if __name__ == "__main__":
    main()
