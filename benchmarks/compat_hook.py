"""The request hook as compat layer against raw openai, in one run: tool-loop requests, reasoning memory, import.

Not part of the test suite. Run:  python benchmarks/compat_hook.py [--quick]
Same method as run_all.py (alternating rounds, median of per-round ratios ours / raw); loopback traffic only.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai

from deepseek_openai import create_client
from deepseek_openai._memory import ReasoningMemory
from deepseek_openai.testing import FakeDeepSeek

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_all import Row, calls_per, compiled, fmt, rounds, timed

TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}},
}
REASONING = "Let me think about which city the user means and what the tool said. " * 6  # ~430 characters


def histories(turns: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[tuple[str, str]]]:
    """Return (history as most OpenAI code rebuilds it, the same with reasoning, (call id, reasoning) pairs)."""
    rebuilt: list[dict[str, Any]] = [{"role": "system", "content": "You are a weather bot."}]
    full = list(rebuilt)
    pairs = []
    for i in range(turns):
        ask = {"role": "user", "content": f"Weather in city {i}? Please be precise and mention the wind."}
        call_id = f"call_00_{i:022d}"
        call = {"id": call_id, "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"c"}'}}
        turn = {"role": "assistant", "content": "", "tool_calls": [call]}
        answer = {"role": "tool", "tool_call_id": call_id, "content": '{"sky": "sunny", "celsius": 21, "wind": 3}'}
        rebuilt += [ask, turn, answer]
        full += [ask, {**turn, "reasoning_content": f"{i} {REASONING}"}, answer]
        pairs.append((call_id, f"{i} {REASONING}"))
    return rebuilt, full, pairs


def bench_tool_loop(ds: FakeDeepSeek, calls: int, stream_calls: int, n: int, turns: int) -> list[Row]:
    ours = create_client(ds.api_key, base_url=ds.base_url, env_file=False, max_retries=0)
    raw = openai.OpenAI(api_key=ds.api_key, base_url=ds.base_url, max_retries=0)
    rebuilt, full, pairs = histories(turns)
    memory: ReasoningMemory = ours._client.memory  # type: ignore[attr-defined]
    for call_id, reasoning in pairs:  # as if this client had received those replies
        memory.remember(reasoning, [call_id], None)
    size = len(json.dumps(full, separators=(",", ":")))

    def send(client: openai.OpenAI, messages: list[dict[str, Any]], stream: bool = False) -> object:
        reply: Any = client.chat.completions.create(
            model="deepseek-flash",
            messages=messages,  # type: ignore[arg-type]
            tools=[TOOL],  # type: ignore[list-item]
            stream=stream,
            extra_body={"thinking": {"type": "enabled"}},
        )
        return list(reply) if stream else reply

    send(ours, rebuilt), send(raw, full)  # warm both keep-alive connections; ours is filled from memory
    m = 4 * n
    per, per_stream = -(-calls // m), -(-stream_calls // m)
    rows: list[Row] = []
    for label, mine in (("rebuilt turns, filled from memory", rebuilt), ("turns already carrying reasoning", full)):
        a, b, r = rounds(timed(lambda h=mine: send(ours, h), per), timed(lambda: send(raw, full), per), m)  # type: ignore[misc]
        rows.append((f"tool loop, {turns} rounds (~{size // 1000} KB body), {label}, non-streaming", a, b, r, "≤ 1.05"))
        c, d, r = rounds(
            timed(lambda h=mine: send(ours, h, True), per_stream),  # type: ignore[misc]
            timed(lambda: send(raw, full, True), per_stream),
            m,
        )
        rows.append((f"  the same, streaming ({per_stream * m} calls per side)", c, d, r, "≤ 1.05"))
    e, f = calls_per(lambda: send(ours, rebuilt), 50), calls_per(lambda: send(raw, full), 50)
    rows.append(("  Python function calls per request, filled from memory (cProfile)", -e, -f, e / f, "info"))
    ds.reset()
    return rows


def bench_memory(turns: int) -> list[Row]:
    gc.collect()
    tracemalloc.start()
    memory = ReasoningMemory(max_entries=turns, max_chars=10**12)
    for i in range(turns):
        if i % 2:
            memory.remember(f"{i} {REASONING}", [f"call_00_{i:022d}"], None)
        else:
            memory.remember(f"{i} {REASONING}", [], f"The answer number {i}.")
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    text = sum(sys.getsizeof(v) for v in memory._items.values())
    keys = sum(sys.getsizeof(k) for k in memory._items)
    return [
        (f"reasoning memory, {turns:,} turns of ~430 characters (tracemalloc)", held / 1e6, 0.0, 0.0, "report"),
        ("  of which the reasoning text itself", text / 1e6, 0.0, 0.0, "info"),
        ("  of which keys (call ids / content hashes)", keys / 1e6, 0.0, 0.0, "info"),
        ("  index overhead per turn (bytes)", -(held - text - keys) / turns, 0.0, 0.0, "info"),
    ]


def fresh(code: str) -> Callable[[], float]:
    def run() -> float:
        compiled()
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - start

    return run


def bench_import(n: int) -> list[Row]:
    ours, raw, r1 = rounds(fresh("from deepseek_openai import create_client"), fresh("import openai"), n)
    ours2, raw2, r2 = rounds(
        fresh("from deepseek_openai import create_client; create_client('sk-bench-000000000000')"),
        fresh("import openai; openai.OpenAI(api_key='sk-bench-000000000000', base_url='https://api.deepseek.com')"),
        n,
    )
    return [
        ("`from deepseek_openai import create_client` vs `import openai` (fresh process)", ours, raw, r1, "≤ 1.05"),
        ("import + create a client vs `import openai` + `openai.OpenAI(...)`", ours2, raw2, r2, "≤ 1.05"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and calls (a smoke run)")
    args = parser.parse_args()
    n = 5 if args.quick else 15
    calls, stream_calls = (100, 40) if args.quick else (1_200, 400)
    rows = bench_import(n)
    with FakeDeepSeek() as ds:
        rows += bench_tool_loop(ds, calls, stream_calls, n, turns=12)
    rows += bench_memory(100_000)
    print(
        f"\nPython {platform.python_version()}, openai {openai.__version__}, {platform.machine()}, "
        f"{os.cpu_count()} cores; medians of {n} alternating rounds ({4 * n} for requests); "
        "ratio = median of the per-round ratios ours / raw\n"
    )
    print("| comparison | deepseek_openai | raw openai | ratio | target |")
    print("|---|---|---|---|---|")
    for name, ours, raw, ratio, target in rows:
        if target in ("report", "info") and raw == 0.0:
            value = f"{ours:.1f} MB" if ours >= 0 else f"{-ours:,.0f}"
            print(f"| {name} | {value} | | | {target} |")
        else:
            print(f"| {name} | {fmt(ours)} | {fmt(raw)} | {ratio:.3f} | {target} |")


if __name__ == "__main__":
    main()
