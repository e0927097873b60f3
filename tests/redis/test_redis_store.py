"""The Redis reasoning store against a real redis-server. Its own CI leg (.ci/run): needs the redis extra.

Run:  DEEPSEEK_OPENAI_REDIS_URL=redis://127.0.0.1:6379/0 python -m pytest -q -p no:cacheprovider tests/redis
Every test writes keys of its own (a random namespace), so a shared server is never wiped. The tests that stop a
server, or need a password or a memory limit, start redis-server processes of their own on free loopback ports.
"""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from deepseek_openai import ReasoningStoreError, open_store
from deepseek_openai._compat._memory import AMBIGUOUS_REASONING
from deepseek_openai._compat._stores import REDIS_KEY_PREFIX, RedisStore
from tests.compat.test_stores import MERGE_CASES, REASONING, check_concurrent_writers, check_processes_share_the_store

# Read at import: the autouse clean_env fixture removes DEEPSEEK_* variables before each test.
URL = os.environ["DEEPSEEK_OPENAI_REDIS_URL"]


@pytest.fixture
def ns() -> str:
    """A key namespace of this test's own."""
    return uuid.uuid4().hex[:12] + "-"


@pytest.fixture
def raw() -> Iterator[Any]:
    client = redis.Redis.from_url(URL)
    yield client
    client.close()


def poll(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    """Wait until ``check()`` holds; False if it never does within ``seconds`` (a bound, never a threshold)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


# -- the merge rule and expiry -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("first", "second", "held"), MERGE_CASES)
def test_the_merge_rule(ns: str, raw: Any, first: str, second: str, held: str) -> None:
    store = RedisStore(URL, ttl=60)
    a, b, c = ns + "a", ns + "b", ns + "c"
    store.put({a: first, b: "unrelated"})
    store.put({a: second, b: "unrelated"})
    assert store.get([a, b, c]) == {a: held, b: "unrelated"}  # the same rule as SQLite's and the process memory's
    store.put({a: held})
    assert store.get([a]) == {a: held}
    store.put({a: "a third"})  # nothing brings a single reasoning back while the key lives
    assert store.get([a]) == {a: AMBIGUOUS_REASONING}
    assert raw.get(REDIS_KEY_PREFIX + a) == AMBIGUOUS_REASONING.encode("utf-8", "surrogatepass")
    assert 50_000 < raw.pttl(REDIS_KEY_PREFIX + a) <= 60_000  # an ambiguous key still expires


def test_text_comes_back_exactly_and_keys_are_namespaced(ns: str, raw: Any) -> None:
    store = RedisStore(URL, ttl=60)
    texts = {ns + "k1": "思考：天气 🌦️", ns + "k2": "a\x00b", ns + "k3": "\ud83d" + "\ude00"}
    store.put(texts)
    assert store.get(list(texts)) == texts
    assert raw.get(REDIS_KEY_PREFIX + ns + "k1") == "思考：天气 🌦️".encode()
    assert raw.get(ns + "k1") is None


def test_entries_expire_and_a_save_renews_them(ns: str, raw: Any) -> None:
    short = RedisStore(URL, ttl=0.3)
    short.put({ns + "gone": REASONING})
    assert 0 < raw.pttl(REDIS_KEY_PREFIX + ns + "gone") <= 300
    assert poll(lambda: short.get([ns + "gone"]) == {})
    assert raw.exists(REDIS_KEY_PREFIX + ns + "gone") == 0

    store = RedisStore(URL, ttl=30)
    store.put({ns + "kept": REASONING, ns + "split": "x"})
    store.put({ns + "split": "y"})
    time.sleep(0.05)
    before = raw.pttl(REDIS_KEY_PREFIX + ns + "kept"), raw.pttl(REDIS_KEY_PREFIX + ns + "split")
    store.put({ns + "kept": REASONING, ns + "split": "z"})
    after = raw.pttl(REDIS_KEY_PREFIX + ns + "kept"), raw.pttl(REDIS_KEY_PREFIX + ns + "split")
    assert after[0] > before[0] and after[1] > before[1]  # renewed, the ambiguous key too
    assert store.get([ns + "kept", ns + "split"]) == {ns + "kept": REASONING, ns + "split": AMBIGUOUS_REASONING}


def test_an_expired_key_takes_a_new_value(ns: str) -> None:
    store = RedisStore(URL, ttl=0.2)
    store.put({ns + "a": "first"})
    assert poll(lambda: store.get([ns + "a"]) == {})
    store.put({ns + "a": "second"})
    assert store.get([ns + "a"]) == {ns + "a": "second"}


def test_open_store_takes_the_ttl_and_shares_the_instance(ns: str, raw: Any) -> None:
    store = open_store(URL + "?ttl=120")
    assert isinstance(store, RedisStore) and store.ttl == 120.0
    assert open_store(URL + "?ttl=120") is store
    store.put({ns + "a": "x"})
    assert 100_000 < raw.pttl(REDIS_KEY_PREFIX + ns + "a") <= 120_000


def test_a_big_batch(ns: str) -> None:
    store = RedisStore(URL, ttl=60)
    entries = {f"{ns}{i}": f"reasoning {i}" for i in range(1234)}  # more than one script call (500 keys each)
    store.put(entries)
    assert store.get(list(entries)) == entries


# -- processes -----------------------------------------------------------------------------------------------------


def test_processes_share_a_redis_store(ns: str, tmp_path: Path) -> None:
    check_processes_share_the_store(URL, tmp_path, ns)


def test_concurrent_processes_merge_atomically_in_redis(ns: str, tmp_path: Path) -> None:
    check_concurrent_writers(URL, tmp_path, ns)


# -- async ---------------------------------------------------------------------------------------------------------


async def test_async_twins(ns: str) -> None:
    store = RedisStore(URL, ttl=60)
    a, b = ns + "a", ns + "b"
    await store.aput({a: REASONING, b: ""})
    await store.aput({a: REASONING})
    assert await store.aget([a, b, ns + "c"]) == {a: REASONING, b: ""}
    await store.aput({b: "late"})
    assert store.get([a, b]) == {a: REASONING, b: AMBIGUOUS_REASONING}  # the sync client sees the async one's


def test_each_event_loop_gets_a_client_closed_with_the_loop(ns: str) -> None:
    store = RedisStore(URL, ttl=60)
    got: dict[int, dict[str, str]] = {}
    clients: set[int] = set()

    async def use(n: int) -> None:
        await store.aput({f"{ns}{n}": f"r{n}"})
        got[n] = await store.aget([f"{ns}{n}"])
        clients.add(id(store._loops[asyncio.get_running_loop()].client))

    threads = [threading.Thread(target=asyncio.run, args=(use(n),)) for n in range(3)]  # three loops at once
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    asyncio.run(use(3))
    assert got == {n: {f"{ns}{n}": f"r{n}"} for n in range(4)}
    assert len(clients) == 4  # one client per loop
    assert store._loops == {}  # each loop's shutdown closed its client
    gc.collect()  # an unclosed connection would warn here (ResourceWarning), and warnings are errors


# -- failures ------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A redis-server process of the test's own on a loopback port."""

    def __init__(self, *args: str) -> None:
        self.port = free_port()
        self.args = args
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed (the Redis leg of .ci/run installs it)"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", *self.args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        probe = redis.Redis(port=self.port, socket_connect_timeout=1)
        password = dict(zip(self.args[::2], self.args[1::2], strict=False)).get("--requirepass")
        if password:
            probe = redis.Redis(port=self.port, password=password, socket_connect_timeout=1)
        assert poll(lambda: self._answers(probe)), "redis-server did not start"
        probe.close()

    @staticmethod
    def _answers(probe: Any) -> bool:
        try:
            return bool(probe.ping())
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def server() -> Iterator[Server]:
    own = Server()
    own.start()
    try:
        yield own
    finally:
        own.stop()


def test_the_server_going_down_mid_run_is_a_store_error_and_coming_back_recovers(server: Server) -> None:
    store = RedisStore(f"redis://127.0.0.1:{server.port}/0", ttl=60)
    store.put({"a": REASONING})
    assert store.get(["a"]) == {"a": REASONING}
    server.stop()
    with pytest.raises(ReasoningStoreError, match=f"redis://127.0.0.1:{server.port}/0 failed"):
        store.put({"b": "x"})
    with pytest.raises(ReasoningStoreError, match="DEEPSEEK_REASONING_STORE"):
        store.get(["a"])
    server.start()  # same port, empty (no persistence)
    store.put({"b": "x"})
    assert store.get(["a", "b"]) == {"b": "x"}


async def test_the_server_going_down_is_a_store_error_for_async_calls_too(server: Server) -> None:
    store = RedisStore(f"redis://127.0.0.1:{server.port}/0", ttl=60)
    await store.aput({"a": REASONING})
    assert await store.aget(["a"]) == {"a": REASONING}
    server.stop()
    with pytest.raises(ReasoningStoreError):
        await store.aput({"b": "x"})
    with pytest.raises(ReasoningStoreError):
        await store.aget(["a"])
    server.start()
    await store.aput({"b": "x"})
    assert await store.aget(["b"]) == {"b": "x"}


def test_nothing_listening_is_a_store_error() -> None:
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(ReasoningStoreError, match=r"Connection refused|connecting"):
        store.get(["a"])
    with pytest.raises(ReasoningStoreError):
        asyncio.run(store.aget(["a"]))


def test_a_server_that_never_answers_is_a_store_error_after_the_timeout() -> None:
    with socket.socket() as silent:  # accepts connections (the kernel does) and never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        store = RedisStore(f"redis://127.0.0.1:{silent.getsockname()[1]}/0", timeout=0.3)
        with pytest.raises(ReasoningStoreError, match="Timeout"):
            store.put({"a": "x"})
        with pytest.raises(ReasoningStoreError, match="Timeout"):
            asyncio.run(store.aget(["a"]))


def test_a_password_never_shows() -> None:
    own = Server("--requirepass", "s3cret-pw")
    own.start()
    try:
        good = open_store(f"redis://:s3cret-pw@127.0.0.1:{own.port}/0")
        assert isinstance(good, RedisStore)
        good.put({"a": "x"})
        assert good.get(["a"]) == {"a": "x"}
        assert "s3cret" not in repr(good) and f"redis://:***@127.0.0.1:{own.port}/0" in repr(good)
        bad = RedisStore(f"redis://:wrong-pw@127.0.0.1:{own.port}/0")
        with pytest.raises(ReasoningStoreError) as caught:
            bad.get(["a"])
        assert "wrong-pw" not in str(caught.value) and ":***@" in str(caught.value)
    finally:
        own.stop()


def test_a_full_server_refusing_writes_is_a_store_error() -> None:
    own = Server("--maxmemory", "2mb", "--maxmemory-policy", "noeviction")
    own.start()
    try:
        store = RedisStore(f"redis://127.0.0.1:{own.port}/0", ttl=60)
        with pytest.raises(ReasoningStoreError, match=r"OOM|OutOfMemoryError"):
            for i in range(20):
                store.put({f"k{i}": "x" * 500_000})
    finally:
        own.stop()
