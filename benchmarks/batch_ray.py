"""The Ray path against the single process at equal concurrency, through one FakeDeepSeek (needs the ray extra).

Not part of the test suite. Run:  python benchmarks/batch_ray.py [--cases 200x16,1000x16,1000x64] [--rounds N]
Ray starts locally with num_cpus=2 and is warmed up with one no-op Ray Data pipeline; its start-up is timed apart.
Per case and round, alternating: ``run_batch()`` on a JSONL file; ``deepseek_openai.ray.start_batch`` on a Ray
dataset of the same rows, consumed with ``take_all()``; and a no-op Ray Data pipeline of the same shape (same rows,
actor pool and block size, the actor returns its block), which is what Ray Data costs before anything is sent.
"Sending" is each runner's own ``summary().elapsed``: from its first request to its last reply.
``--cap CAPxMS`` (e.g. ``128x50``): instead, the double with an account cap and a latency in a process of its own
(as in ``batch.py --cap-only``); rows give the fraction of the cap's limit (cap / latency) reached by one
``run_batch()`` process and by the Ray path at that concurrency, over the whole run and over the sending.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import ray

from deepseek_openai import run_batch
from deepseek_openai.ray import start_batch
from deepseek_openai.testing import FakeDeepSeek


class _Noop:
    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        return batch


def _rows(count: int) -> list[dict[str, Any]]:
    body = {"model": "deepseek-flash", "messages": [{"role": "user", "content": ""}]}
    return [
        {"custom_id": f"r{i}", "body": json.dumps({**body, "messages": [{"role": "user", "content": f"q{i}"}]})}
        for i in range(count)
    ]


def _noop(rows: list[dict[str, Any]], workers: int, block: int) -> float:
    start = time.perf_counter()
    pool = ray.data.ActorPoolStrategy(size=workers)
    ray.data.from_items(rows).map_batches(_Noop, batch_size=block, compute=pool, num_cpus=0.5).take_all()
    return time.perf_counter() - start


def _case(ds: FakeDeepSeek, tmp: Path, count: int, concurrency: int, workers: int) -> dict[str, float]:
    rows = _rows(count)
    src = tmp / "in.jsonl"
    lines = (
        {"custom_id": r["custom_id"], "method": "POST", "url": "/chat/completions", "body": json.loads(r["body"])}
        for r in rows
    )
    src.write_text("".join(json.dumps(x) + "\n" for x in lines))
    out = tmp / "out.jsonl"
    out.unlink(missing_ok=True)
    ds.gate.reset()
    start = time.perf_counter()
    single = run_batch(src, out, api_key=ds.api_key, base_url=ds.base_url, concurrency=concurrency)
    single_total = time.perf_counter() - start
    assert single.ok == count
    ds.gate.reset()
    start = time.perf_counter()
    job = start_batch(
        ray.data.from_items(rows), concurrency=concurrency, api_key=ds.api_key, base_url=ds.base_url, workers=workers
    )
    got = job.dataset.take_all()
    ray_total = time.perf_counter() - start
    summary, peak = job.summary(), ds.gate.peak
    job.close()
    assert len(got) == count and summary.ok == count
    block = max(128, -(-4 * concurrency // workers))
    return {
        "single": single_total,
        "single_sending": single.elapsed,
        "ray": ray_total,
        "ray_sending": summary.elapsed,
        "noop": _noop(rows, workers, block),
        "peak": peak,
    }


def against_cap(cap: int, latency: float, count: int, workers: int, tmp: Path) -> None:
    """One run_batch() process and the Ray path at concurrency ``cap`` against a capped double in another process."""
    from batch import CAP_RUN, CAPPED, write_input  # the sibling benchmark's capped double and runner

    server = subprocess.Popen(
        [sys.executable, "-c", CAPPED, str(cap), str(latency)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        url, key = server.stdout.readline().split()
        src = write_input(tmp / "cap.jsonl", count)
        limit = cap / latency
        load = os.getloadavg()[0]
        argv = [sys.executable, "-c", CAP_RUN, str(src), str(tmp / "cap.out"), key, url, str(cap)]
        total, elapsed, cpu, limited, _, _ = subprocess.run(
            argv, capture_output=True, text=True, check=True
        ).stdout.split()
        print(
            f"| one process, cap {cap}, {latency * 1000:.0f} ms, {total} requests | "
            f"{int(total) / float(elapsed) / limit:.2f} | | {float(cpu) / int(total) * 1000:.2f} ms | {limited} | "
            f"{load:.1f} |",
            flush=True,
        )
        rows = [
            {"custom_id": json.loads(x)["custom_id"], "body": json.dumps(json.loads(x)["body"])} for x in src.open()
        ]
        load = os.getloadavg()[0]
        start = time.perf_counter()
        job = start_batch(ray.data.from_items(rows), concurrency=cap, api_key=key, base_url=url, workers=workers)
        got = job.dataset.take_all()
        whole = time.perf_counter() - start
        summary = job.summary()
        job.close()
        assert len(got) == count and summary.ok == count, summary
        print(
            f"| Ray, {workers} workers, cap {cap}, {latency * 1000:.0f} ms, {count} requests | "
            f"{count / whole / limit:.2f} | {count / summary.elapsed / limit:.2f} | | {summary.rate_limited} | "
            f"{load:.1f} |",
            flush=True,
        )
    finally:
        server.communicate("")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", default="200x16,1000x16,1000x64", help="REQUESTSxCONCURRENCY, comma-separated")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--cap", help="CAPxMS: the fraction of a cap's limit instead (e.g. 128x50)")
    parser.add_argument("--requests", type=int, default=8000, help="requests per run with --cap")
    args = parser.parse_args()
    start = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    boot = time.perf_counter() - start
    warm = _noop(_rows(10), args.workers, 128)
    print(f"ray.init {boot:.1f} s; first no-op Ray Data pipeline (warm-up, not counted) {warm:.1f} s")
    if args.cap:
        cap, ms = (int(x) for x in args.cap.split("x"))
        print("| against the cap | fraction of the limit, whole run | sending only | CPU per request | 429s | load |")
        print("|---|---|---|---|---|---|")
        with tempfile.TemporaryDirectory() as tmp:
            against_cap(cap, ms / 1000, args.requests, args.workers, Path(tmp))
        ray.shutdown()
        return
    head = ["requests, concurrency", "single process", "Ray, total", "Ray Data no-op pipeline"]
    head += ["sending: single / Ray", "ratio total", "ratio sending", "peak at the double"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    with FakeDeepSeek() as ds, tempfile.TemporaryDirectory() as tmp:
        ds.latency = args.latency
        for case in args.cases.split(","):
            count, concurrency = (int(x) for x in case.split("x"))
            runs = [_case(ds, Path(tmp), count, concurrency, args.workers) for _ in range(args.rounds)]
            m = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            print(
                f"| {count}, {concurrency} | {m['single']:.2f} s ({count / m['single']:,.0f} req/s) | "
                f"{m['ray']:.2f} s ({count / m['ray']:,.0f} req/s) | {m['noop']:.2f} s | "
                f"{m['single_sending']:.2f} s / {m['ray_sending']:.2f} s | {m['ray'] / m['single']:.2f} | "
                f"{m['ray_sending'] / m['single_sending']:.2f} | {max(r['peak'] for r in runs):.0f} |",
                flush=True,
            )
    ray.shutdown()


if __name__ == "__main__":
    main()
