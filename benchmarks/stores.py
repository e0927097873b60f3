"""Durable reasoning stores: time per get / put (sync and async) and bytes per entry, SQLite and Redis on loopback.

Not part of the test suite. Run:  python benchmarks/stores.py [--quick] [--redis-url redis://127.0.0.1:6379/0]
Without --redis-url a redis-server of its own is started on a free loopback port (when redis-server is installed);
otherwise the Redis rows are left out, saying why. Keys are 32-hex-digit digests, values ~430 characters of
reasoning (as in compat_hook.py). Each row is the median over rounds of the mean time per operation.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from deepseek_openai._compat._stores import REDIS_KEY_PREFIX as PREFIX
from deepseek_openai._compat._stores import ReasoningStore, RedisStore, SQLiteStore

_SELECT = "SELECT value FROM reasoning WHERE key = ?"
REASONING = "Let me think about which city the user means and what the tool said. " * 6  # ~430 characters


def digest(ns: str, i: int) -> str:
    return hashlib.sha256(f"{ns}{i}".encode()).hexdigest()[:32]


class Keys:
    """Fresh keys on demand, so a put of a new key is always new."""

    def __init__(self) -> None:
        self.ns = uuid.uuid4().hex
        self.n = 0

    def fresh(self, count: int = 1) -> list[str]:
        start, self.n = self.n, self.n + count
        return [digest(self.ns, i) for i in range(start, start + count)]


def per_op(run: Callable[[], None], ops: int, rounds: int) -> float:
    """Median over ``rounds`` of the mean µs per call of ``run`` (called ``ops`` times a round)."""
    means = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(ops):
            run()
        means.append((time.perf_counter() - start) / ops * 1e6)
    return statistics.median(means)


def aper_op(make: Callable[[], Awaitable[Any]], ops: int, rounds: int) -> float:
    async def main() -> float:
        means = []
        for _ in range(rounds):
            start = time.perf_counter()
            for _ in range(ops):
                await make()
            means.append((time.perf_counter() - start) / ops * 1e6)
        return statistics.median(means)

    return asyncio.run(main())


def bench(
    name: str,
    store: ReasoningStore,
    seeded: list[str],
    ops: int,
    rounds: int,
    reference: tuple[str, Callable[[str], Any]],
) -> list[tuple[str, float]]:
    keys = Keys()
    hit, twelve = seeded[0], seeded[100:112]
    value = {hit: REASONING}
    rows = [
        (reference[0], per_op(lambda: reference[1](hit), ops, rounds)),
        ("put 1 new entry", per_op(lambda: store.put({keys.fresh()[0]: REASONING}), ops, rounds)),
        ("put 1 entry again (same value: renews its TTL)", per_op(lambda: store.put(value), ops, rounds)),
        (
            "put 12 new entries in one call",
            per_op(lambda: store.put(dict.fromkeys(keys.fresh(12), REASONING)), ops // 4, rounds),
        ),
        ("get 1 key (found)", per_op(lambda: store.get([hit]), ops, rounds)),
        ("get 1 key (missing)", per_op(lambda: store.get(["0" * 32]), ops, rounds)),
        ("get 12 keys (found)", per_op(lambda: store.get(twelve), ops, rounds)),
        ("aput 1 new entry", aper_op(lambda: store.aput({keys.fresh()[0]: REASONING}), ops, rounds)),
        ("aget 1 key (found)", aper_op(lambda: store.aget([hit]), ops, rounds)),
        ("aget 12 keys (found)", aper_op(lambda: store.aget(twelve), ops, rounds)),
    ]
    return [(f"{name}: {label}", micros) for label, micros in rows]


def seed(store: ReasoningStore, count: int) -> list[str]:
    keys = Keys()
    seeded = []
    for start in range(0, count, 500):
        batch = keys.fresh(min(500, count - start))
        store.put({key: f"{i} {REASONING}" for i, key in enumerate(batch)})
        seeded += batch
    return seeded


def sqlite_rows(folder: Path, entries: int, ops: int, rounds: int) -> tuple[list[tuple[str, float]], str]:
    store = SQLiteStore(folder / "reasoning.db")
    seeded = seed(store, entries)
    conn = store._conn()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = (folder / "reasoning.db").stat().st_size
    stored = store.stored_bytes()
    note = (
        f"SQLite file after {entries:,} entries: {size:,} bytes, {size / entries:,.0f} bytes per entry "
        f"({stored / entries:,.0f} of them key and reasoning text)"
    )
    reference = ("the client library alone: one SELECT by key", lambda key: conn.execute(_SELECT, (key,)).fetchone())
    rows = bench("sqlite", store, seeded, ops, rounds, reference)
    store.close()
    return rows, note


def redis_rows(url: str, entries: int, ops: int, rounds: int) -> tuple[list[tuple[str, float]], str]:
    import redis

    raw = redis.Redis.from_url(url)
    before = int(raw.info("memory")["used_memory"])
    store = RedisStore(url)
    seeded = seed(store, entries)
    after = int(raw.info("memory")["used_memory"])
    sample = raw.memory_usage(PREFIX + seeded[0]) or 0
    note = (
        f"Redis used_memory grew by {after - before:,} bytes for {entries:,} entries: "
        f"{(after - before) / entries:,.0f} bytes per entry (MEMORY USAGE of one key: {sample} bytes)"
    )
    rows = bench(
        "redis", store, seeded, ops, rounds, ("the client library alone: one GET", lambda key: raw.get(PREFIX + key))
    )
    raw.delete(*[PREFIX + key for key in seeded])
    raw.close()
    store.close()
    return rows, note


@contextmanager
def own_redis_server() -> Iterator[str | None]:
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    server = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import redis

        probe = redis.Redis(port=port)
        for _ in range(100):
            try:
                probe.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        probe.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: fewer entries and operations")
    parser.add_argument("--redis-url", help="a Redis server to use (default: start one on loopback)")
    args = parser.parse_args()
    entries, ops, rounds = (2_000, 200, 3) if args.quick else (100_000, 2_000, 7)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    rows: list[tuple[str, float]] = []
    notes = []
    with tempfile.TemporaryDirectory() as folder:
        found, note = sqlite_rows(Path(folder), entries, ops, rounds)
        rows += found
        notes.append(note)
    try:
        import redis
    except ImportError:
        notes.append("Redis rows left out: redis-py is not installed (pip install -e '.[redis]')")
    else:
        with own_redis_server() as started:
            url = args.redis_url or started
            if url is None:
                notes.append("Redis rows left out: no --redis-url and no redis-server installed")
            else:
                print(f"redis-py {redis.__version__}, server {redis.Redis.from_url(url).info()['redis_version']}")
                found, note = redis_rows(url, entries, ops, rounds)
                rows += found
                notes.append(note)
    width = max(len(name) for name, _ in rows)
    print(f"\n{'operation'.ljust(width)}  µs/op")
    for name, micros in rows:
        print(f"{name.ljust(width)}  {micros:8.1f}")
    print()
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()
