"""The request hook as compat layer against raw openai, in one run: tool-loop requests, reasoning memory, import.

Not part of the test suite. Run:  python benchmarks/compat_hook.py [--quick]
Same method as run_all.py (alternating rounds, median of per-round ratios ours / raw); loopback traffic only.
The double runs in a process of its own, so its CPU time does not compete with the client's for one GIL.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import subprocess
import sys
import tempfile
import time
import tracemalloc
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openai

from deepseek_openai import create_client
from deepseek_openai._compat._memory import ReasoningMemory, account_of, process_memory

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_all import Row, calls_per, compiled, print_table, rounds, timed

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


def remember(history: list[dict[str, Any]], pairs: list[tuple[str, str]], authorization: str, url: str) -> None:
    """Fill the process memory as if the account behind ``authorization`` had received each turn of ``history``."""
    from deepseek_openai._compat._passback import missing_turns, origin_of

    account = account_of(authorization, origin_of(url))
    turns, _ = missing_turns({"messages": history}, account)
    process_memory().put((turn.key, reasoning) for turn, (_, reasoning) in zip(turns, pairs, strict=True))


def send(client: openai.OpenAI, messages: list[dict[str, Any]], stream: bool = False, forget: bool = False) -> object:
    """One tool-loop request with thinking on (a streamed reply is read to its end).

    ``forget``: empty the process memory first, as a request landing on a worker that never saw the history.
    """
    if forget:
        process_memory().clear()
    reply: Any = client.chat.completions.create(
        model="deepseek-flash",
        messages=messages,  # type: ignore[arg-type]
        tools=[TOOL],  # type: ignore[list-item]
        stream=stream,
        extra_body={"thinking": {"type": "enabled"}},
    )
    return list(reply) if stream else reply


def bench_tool_loop(ds: Any, calls: int, stream_calls: int, n: int, turns: int) -> list[Row]:
    ours = create_client(ds.api_key, base_url=ds.base_url, env_file=False, max_retries=0)
    raw = openai.OpenAI(api_key=ds.api_key, base_url=ds.base_url, max_retries=0)
    rebuilt, full, pairs = histories(turns)
    remember(rebuilt, pairs, f"Bearer {ds.api_key}", ds.base_url)  # as if this account had received those replies
    size = len(json.dumps(full, separators=(",", ":")))

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
    e, f = calls_per(lambda: send(ours, rebuilt, True), 30), calls_per(lambda: send(raw, full, True), 30)
    rows.append(("  the same, streaming", -e, -f, e / f, "info"))
    return rows


def bench_store_loop(ds: Any, label: str, url: str, calls: int, stream_calls: int, n: int, turns: int) -> list[Row]:
    """The tool loop with a durable store, as a request landing on a worker that never saw the history.

    Before each request the process memory is emptied, so the 12 turns are read from the store (one batched
    ``get``) and the reply is written to it (one ``put``): the store's whole cost on every request.
    """
    from deepseek_openai._compat._passback import missing_turns, origin_of

    ours = create_client(ds.api_key, base_url=ds.base_url, env_file=False, max_retries=0, reasoning_store=url)
    raw = openai.OpenAI(api_key=ds.api_key, base_url=ds.base_url, max_retries=0)
    rebuilt, full, pairs = histories(turns)
    account = account_of(f"Bearer {ds.api_key}", origin_of(ds.base_url))
    found, _ = missing_turns({"messages": rebuilt}, account)
    ours._client.reasoning_store.put({t.key.hex(): r for t, (_, r) in zip(found, pairs, strict=True)})  # type: ignore[attr-defined]

    send(ours, rebuilt, forget=True), send(raw, full)
    m = 4 * n
    per, per_stream = -(-calls // m), -(-stream_calls // m)
    target = "≤ 1.10" if label == "SQLite" else "≤ 1.15"
    a, b, r = rounds(timed(lambda: send(ours, rebuilt, forget=True), per), timed(lambda: send(raw, full), per), m)
    rows: list[Row] = [(f"tool loop, {turns} rounds, filled from a {label} store, non-streaming", a, b, r, target)]
    c, d, r = rounds(
        timed(lambda: send(ours, rebuilt, True, forget=True), per_stream),
        timed(lambda: send(raw, full, True), per_stream),
        m,
    )
    rows.append((f"  the same, streaming ({per_stream * m} calls per side)", c, d, r, target))
    ours.close()
    return rows


def bench_hook_alone(turns: int, times: int = 300) -> list[Row]:
    """The hook's own work per request, in-process: the rewrite of a 2.x/3.x body and the reading of a reply."""
    from deepseek_openai._compat._hook import rewrite_request
    from deepseek_openai._compat._hook_options import HookOptions
    from deepseek_openai._compat._passback import scope_of
    from deepseek_openai._compat._tap import StreamTap

    rebuilt, full, pairs = histories(turns)
    options = HookOptions()
    url = "https://api.deepseek.com/chat/completions"
    remember(rebuilt, pairs, "Bearer sk-bench", url)
    scope = scope_of({"Authorization": "Bearer sk-bench"}, url, process_memory(), None)

    def body(messages: list[dict[str, Any]]) -> dict[str, Any]:
        data = {"model": "deepseek-flash", "messages": messages, "tools": [TOOL]}
        return {"content": json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()}

    fill, passing = body(rebuilt), body(full)
    assert rewrite_request(url, passing, options, scope)[0] is passing  # byte-identical: the same object back
    choice = {"index": 0, "delta": {"content": None, "reasoning_content": "word "}, "logprobs": None}
    chunk = {"id": "0" * 32, "object": "chat.completion.chunk", "choices": [{**choice, "finish_reason": None}]}

    def sse(separators: tuple[str, str]) -> bytes:
        return b"".join(b"data: " + json.dumps(chunk, separators=separators).encode() + b"\n\n" for _ in range(100))

    compact, spaced = sse((",", ":")), sse((", ", ": "))

    def per_call(fn: Callable[[], object]) -> float:
        fn()
        start = time.perf_counter()
        for _ in range(times):
            fn()
        return -(time.perf_counter() - start) / times * 1e6  # negative: printed as a plain number

    nan = math.nan
    return [
        (
            "hook alone, µs per request: rebuilt history filled from memory",
            per_call(lambda: rewrite_request(url, fill, options, scope)),
            nan,
            nan,
            "info",
        ),
        (
            "hook alone, µs per request: history already carrying reasoning",
            per_call(lambda: rewrite_request(url, passing, options, scope)),
            nan,
            nan,
            "info",
        ),
        (
            "hook alone, µs per 100-chunk streamed reply read by the tap (compact JSON, as DeepSeek sends)",
            per_call(lambda: StreamTap().feed(compact)),
            nan,
            nan,
            "info",
        ),
        (
            "  the same with spaced JSON (every chunk parsed in full)",
            per_call(lambda: StreamTap().feed(spaced)),
            nan,
            nan,
            "info",
        ),
    ]


def bench_memory(turns: int) -> list[Row]:
    """Bytes held by the process memory for ``turns`` received turns (half with a tool call: two keys each)."""
    from deepseek_openai._compat._memory import Transcript, call_key

    gc.collect()
    tracemalloc.start()
    memory = ReasoningMemory(max_entries=2 * turns, max_bytes=10**12)
    account = account_of("Bearer sk-bench", "https://api.deepseek.com")
    for i in range(turns):
        turn = Transcript(account)
        turn.add({"role": "user", "content": f"question {i}"})
        turn.add({"role": "assistant", "content": f"The answer number {i}."})
        reasoning = f"{i} {REASONING}"  # one text per turn, as the tap saves it under both of its keys
        pairs = [(turn.key(), reasoning)]
        if i % 2:
            pairs.append((call_key(account, f"call_00_{i:022d}"), reasoning))
        memory.put(pairs)
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    nan = math.nan
    distinct = {id(v): sys.getsizeof(v) for v, _ in memory._items.values()}  # a turn's two keys share one text
    text = sum(distinct.values())
    keys = sum(sys.getsizeof(k) for k in memory._items)
    return [
        (f"reasoning memory, {turns:,} turns of ~430 characters (tracemalloc), bytes", -held, nan, nan, "report"),
        ("  of which the reasoning text itself, bytes", -text, nan, nan, "info"),
        ("  of which keys (128-bit digests; a turn with a call has two), bytes", -keys, nan, nan, "info"),
        ("  index overhead per turn, bytes", -(held - text - keys) / turns, nan, nan, "info"),
    ]


_SERVE = (
    "import sys; from deepseek_openai.testing import FakeDeepSeek\n"
    "with FakeDeepSeek() as ds:\n"
    "    print(ds.base_url, ds.api_key, flush=True); sys.stdin.read()\n"
)


@contextlib.contextmanager
def double_process() -> Iterator[Any]:
    """A FakeDeepSeek in its own process: its work then neither shares our GIL nor counts as ours."""
    server = subprocess.Popen([sys.executable, "-c", _SERVE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        base_url, api_key = server.stdout.readline().split()
        yield types.SimpleNamespace(base_url=base_url, api_key=api_key)
    finally:
        server.communicate("")


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
        (
            f"`from deepseek_openai import create_client` vs `import openai` ({n} fresh processes)",
            ours,
            raw,
            r1,
            "≤ 1.05",
        ),
        (f"import + create a client vs `import openai` + `openai.OpenAI(...)` ({n} rounds)", ours2, raw2, r2, "≤ 1.05"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and calls (a smoke run)")
    parser.add_argument(
        "--redis", default="", help="redis://host:port/db of a loopback redis-server for the Redis rows"
    )
    parser.add_argument("--only-stores", action="store_true", help="only the rows with a durable store")
    args = parser.parse_args()
    n = 5 if args.quick else 10
    calls, stream_calls = (100, 40) if args.quick else (600, 200)
    rows = [] if args.only_stores else bench_import(2 * n)  # fresh processes vary by several per cent: twice the rounds
    with double_process() as ds, tempfile.TemporaryDirectory() as folder:
        if not args.only_stores:
            rows += bench_tool_loop(ds, calls, stream_calls, n, turns=12)
        rows += bench_store_loop(ds, "SQLite", f"sqlite:///{folder}/reasoning.db", calls, stream_calls, n, turns=12)
        if args.redis:
            rows += bench_store_loop(ds, "Redis", args.redis, calls, stream_calls, n, turns=12)
    if not args.only_stores:
        rows += bench_hook_alone(turns=12)
        rows += bench_memory(100_000)
    print_table(rows, n)


if __name__ == "__main__":
    main()
