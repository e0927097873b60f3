"""The Ray path against the single process at equal concurrency, through one FakeDeepSeek (needs the ray extra).

Not part of the test suite. Run:  python benchmarks/batch_ray.py [--requests N] [--concurrency C]
Ray starts locally with num_cpus=2; its start-up is timed apart from the job.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import ray

from deepseek_openai import run_batch
from deepseek_openai.ray import run_batch as ray_run_batch
from deepseek_openai.testing import FakeDeepSeek


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.02)
    args = parser.parse_args()
    rows = [
        {
            "custom_id": f"r{i}",
            "body": json.dumps({"model": "deepseek-flash", "messages": [{"role": "user", "content": f"q{i}"}]}),
        }
        for i in range(args.requests)
    ]
    with FakeDeepSeek() as ds, tempfile.TemporaryDirectory() as tmp:
        ds.latency = args.latency
        src = Path(tmp) / "in.jsonl"
        src.write_text(
            "".join(
                json.dumps(
                    {
                        "custom_id": r["custom_id"],
                        "method": "POST",
                        "url": "/chat/completions",
                        "body": json.loads(r["body"]),
                    }
                )
                + "\n"
                for r in rows
            )
        )
        start = time.perf_counter()
        summary = run_batch(
            src, Path(tmp) / "out.jsonl", api_key=ds.api_key, base_url=ds.base_url, concurrency=args.concurrency
        )
        single = time.perf_counter() - start
        assert summary.ok == args.requests
        start = time.perf_counter()
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        boot = time.perf_counter() - start
        ds.gate.reset()
        start = time.perf_counter()
        got = ray_run_batch(
            ray.data.from_items(rows), concurrency=args.concurrency, api_key=ds.api_key, base_url=ds.base_url, workers=2
        ).take_all()
        on_ray = time.perf_counter() - start
        assert len(got) == args.requests
        print(
            f"| {args.requests} requests, concurrency {args.concurrency}, latency {args.latency * 1000:.0f} ms | "
            f"single process {single:.2f} s ({args.requests / single:,.0f} req/s) | "
            f"Ray, 2 workers {on_ray:.2f} s ({args.requests / on_ray:,.0f} req/s), ray.init {boot:.1f} s | "
            f"ratio {on_ray / single:.2f} | peak in flight at the double {ds.gate.peak} |"
        )
        ray.shutdown()


if __name__ == "__main__":
    main()
