"""Durable reasoning stores: the merge rule, expiry, the byte bound, file mode, URLs, locks, real processes.

The Redis store runs against a real redis-server in tests/redis (its own leg of .ci/run); everything here is the
SQLite store on real files, the URL parser, and the protocol.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from deepseek_openai import InvalidRequestError, ReasoningStore, ReasoningStoreError, open_store
from deepseek_openai._compat._memory import AMBIGUOUS_REASONING, merged
from deepseek_openai._compat._stores import DEFAULT_MAX_BYTES, DEFAULT_TTL, SQLiteStore, redact_url

REASONING = "The user wants the weather in Paris; I should call get_weather."
# The merge rule (_memory.merged) every store keeps: (first save, second save, what the key then holds).
MERGE_CASES = [
    (REASONING, "other", AMBIGUOUS_REASONING),  # two reasonings under one key: neither is filled
    (REASONING, "", AMBIGUOUS_REASONING),  # a reasoning, then the turn received with thinking off
    ("", REASONING, AMBIGUOUS_REASONING),  # and the other way round
    (REASONING, REASONING, REASONING),  # the same reply saved twice stays fillable
    ("", "", ""),
]


class Clock:
    """Wall-clock seconds that move only when the test says so."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> SQLiteStore:
    return SQLiteStore(tmp_path / "reasoning.db", ttl=10.0, clock=clock)


def rows(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM reasoning").fetchone()[0])


# -- the merge rule ------------------------------------------------------------------------------------------------


def test_absent_key_takes_the_value_and_missing_keys_are_left_out(store: SQLiteStore) -> None:
    store.put({"a1": REASONING, "b2": ""})
    assert store.get(["a1", "b2", "c3"]) == {"a1": REASONING, "b2": ""}  # "" (thinking off) is a value, not absent
    assert store.get([]) == {}
    store.put({})


def test_same_value_again_is_kept(store: SQLiteStore) -> None:
    store.put({"a1": REASONING})
    store.put({"a1": REASONING})
    assert store.get(["a1"]) == {"a1": REASONING}


@pytest.mark.parametrize(("first", "second", "held"), MERGE_CASES)
def test_a_key_saved_with_a_different_value_becomes_ambiguous(
    store: SQLiteStore, first: str, second: str, held: str
) -> None:
    store.put({"a1": first, "b2": "unrelated"})
    store.put({"a1": second, "b2": "unrelated"})
    assert store.get(["a1", "b2"]) == {"a1": held, "b2": "unrelated"}
    assert merged(merged(None, first), second) == held  # the rule of the process memory, exactly
    store.put({"a1": held})
    assert store.get(["a1"]) == {"a1": held}
    store.put({"a1": "a third"})  # nothing brings a single reasoning back while the key lives
    assert store.get(["a1"]) == {"a1": AMBIGUOUS_REASONING}
    assert store.stored_bytes() == len("a1") + len(AMBIGUOUS_REASONING.encode("utf-8", "surrogatepass")) + len(
        "b2unrelated"
    )


def test_text_comes_back_exactly_as_it_went_in(store: SQLiteStore) -> None:
    # CJK, emoji, a NUL, and the two halves of a surrogate pair a stream split across chunks.
    texts = {"k1": "思考：天气 🌦️", "k2": "a\x00b", "k3": "\ud83d" + "\ude00", "k4": " \n\t"}
    store.put(texts)
    assert store.get(list(texts)) == texts


# -- expiry ----------------------------------------------------------------------------------------------------------


def test_an_entry_expires_ttl_seconds_after_its_last_save(store: SQLiteStore, clock: Clock) -> None:
    store.put({"a1": REASONING})
    clock.now += 9.9
    assert store.get(["a1"]) == {"a1": REASONING}
    clock.now += 0.1
    assert store.get(["a1"]) == {}


def test_saving_the_same_value_renews_the_time_to_live(store: SQLiteStore, clock: Clock) -> None:
    store.put({"a1": REASONING})
    clock.now += 5
    store.put({"a1": REASONING})
    clock.now += 9
    assert store.get(["a1"]) == {"a1": REASONING}  # 14 s after the first save, 9 after the second
    clock.now += 1
    assert store.get(["a1"]) == {}


def test_an_expired_key_takes_a_new_value(store: SQLiteStore, clock: Clock) -> None:
    store.put({"a1": REASONING})
    clock.now += 10
    store.put({"a1": "a later conversation's reasoning"})
    assert store.get(["a1"]) == {"a1": "a later conversation's reasoning"}


def test_an_ambiguous_key_expires_too(store: SQLiteStore, clock: Clock) -> None:
    store.put({"a1": "x"})
    store.put({"a1": "y"})
    assert store.get(["a1"]) == {"a1": AMBIGUOUS_REASONING}
    clock.now += 10
    assert store.get(["a1"]) == {}
    store.put({"a1": "z"})
    assert store.get(["a1"]) == {"a1": "z"}


def test_writes_drop_expired_rows(store: SQLiteStore, clock: Clock) -> None:
    store.put({f"old{i}": REASONING for i in range(5)})
    clock.now += 10
    store.put({"new": "x"})
    assert rows(store.path) == 1
    assert store.stored_bytes() == len("new") + 1


# -- the byte bound ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("char", "width"), [("汉", 3), ("😀", 4), ("é", 2)])
def test_the_bound_counts_utf8_bytes_and_drops_the_oldest_expiring_first(
    tmp_path: Path, clock: Clock, char: str, width: int
) -> None:
    size = len("k1") + 10 * width  # one entry: its key and ten characters of reasoning, in UTF-8 bytes
    store = SQLiteStore(tmp_path / "r.db", ttl=100.0, max_bytes=3 * size + 5, clock=clock)
    for n in (1, 2, 3):
        store.put({f"k{n}": char * 10})
        clock.now += 1
    assert store.stored_bytes() == 3 * size
    store.put({"k1": char * 10})  # saved again: now it expires last
    clock.now += 1
    store.put({"k4": char * 10})  # 4 entries would be over the bound (counted in characters they would fit)
    assert store.get(["k1", "k2", "k3", "k4"]) == {"k1": char * 10, "k3": char * 10, "k4": char * 10}
    assert store.stored_bytes() == 3 * size <= store.max_bytes


def test_an_entry_over_the_whole_bound_is_not_kept(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "r.db", max_bytes=50)
    store.put({"k1": "x" * 60})
    assert store.get(["k1"]) == {}
    assert store.stored_bytes() == 0


def test_the_default_bound_and_ttl(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "r.db")
    assert (store.ttl, store.max_bytes) == (DEFAULT_TTL, DEFAULT_MAX_BYTES) == (7 * 24 * 3600.0, 256 * 1024 * 1024)


# -- the file ----------------------------------------------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_the_file_and_its_wal_and_shm_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask: without an explicit mode SQLite would create 0644 files
    try:
        store = SQLiteStore(tmp_path / "r.db")
        store.put({"k1": REASONING})
    finally:
        os.umask(old)
    for name in ("r.db", "r.db-wal", "r.db-shm"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
    with sqlite3.connect(tmp_path / "r.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_restart_finds_the_entries(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "r.db")
    store.put({"k1": REASONING})
    store.close()
    assert store.get(["k1"]) == {"k1": REASONING}  # a closed store reconnects
    store.close()
    assert SQLiteStore(tmp_path / "r.db").get(["k1"]) == {"k1": REASONING}


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "notes.db").write_bytes(b"these are my notes, not a database\n" * 100)
    with pytest.raises(ReasoningStoreError, match="not a database") as caught:
        open_store("sqlite:///notes.db")
    assert str(tmp_path / "notes.db") in str(caught.value) and "DEEPSEEK_REASONING_STORE" in str(caught.value)


def test_a_database_of_another_kind_is_refused(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "app.db") as conn:
        conn.execute("PRAGMA user_version = 7")
    with pytest.raises(ReasoningStoreError, match="another kind"):
        SQLiteStore(tmp_path / "app.db")


def test_a_locked_database_is_an_error_after_the_busy_timeout_and_reads_go_on(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "r.db", busy_timeout=0.2)
    store.put({"k1": "before"})
    holder = sqlite3.connect(tmp_path / "r.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing, and not letting go
    try:
        with pytest.raises(ReasoningStoreError, match="locked"):
            store.put({"k2": "during"})
        assert store.get(["k1", "k2"]) == {"k1": "before"}  # WAL: readers are not blocked by the writer
    finally:
        holder.execute("COMMIT")
        holder.close()
    store.put({"k2": "after"})
    assert store.get(["k1", "k2"]) == {"k1": "before", "k2": "after"}


# -- async and threads -------------------------------------------------------------------------------------------


async def test_async_twins(store: SQLiteStore) -> None:
    await store.aput({"a1": REASONING})
    await store.aput({"a1": "other", "b2": ""})
    assert await store.aget(["a1", "b2", "c3"]) == {"a1": AMBIGUOUS_REASONING, "b2": ""}


async def test_a_waiting_async_write_does_not_block_the_event_loop(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "r.db", busy_timeout=5.0)
    holder = sqlite3.connect(tmp_path / "r.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def release_after_five_ticks() -> None:
        nonlocal ticks
        while ticks < 5:
            await asyncio.sleep(0.01)
            ticks += 1
        holder.execute("COMMIT")  # only reachable while aput waits elsewhere than on this loop

    putting = asyncio.create_task(store.aput({"k1": REASONING}))
    await release_after_five_ticks()
    await putting
    holder.close()
    assert await store.aget(["k1"]) == {"k1": REASONING}


def test_threads_share_one_store(store: SQLiteStore) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(30):
                store.put({f"t{n}-{i}": f"r{n}-{i}", "shared": "same"})
                assert store.get([f"t{n}-{i}"]) == {f"t{n}-{i}": f"r{n}-{i}"}
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(store.get([f"t{n}-{i}" for n in range(6) for i in range(30)])) == 180
    assert store.get(["shared"]) == {"shared": "same"}


# -- real processes ----------------------------------------------------------------------------------------------

PREAMBLE = """
import json, os, sys
from deepseek_openai._compat._stores import open_store
store = open_store(sys.argv[1])
"""


def start_store_process(url: str, code: str, cwd: Path) -> subprocess.Popen[str]:
    """Start a Python process that opens the store at ``url`` (as ``store``) and runs ``code``."""
    return subprocess.Popen(
        [sys.executable, "-c", PREAMBLE + code, url],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_store_process(url: str, code: str, cwd: Path) -> Any:
    """Run ``code`` in a process of its own; return what it printed as JSON."""
    process = start_store_process(url, code, cwd)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return json.loads(out)


def check_processes_share_the_store(url: str, cwd: Path, ns: str = "") -> None:
    """Process A saves and exits; process B (started after, as after a restart) reads it; then they disagree.

    ``ns`` prefixes every key, so runs against a long-lived server do not meet each other's entries.
    """
    k1, k2, k3 = f"{ns}k1", f"{ns}k2", f"{ns}k3"
    run_store_process(url, f"store.put({{{k1!r}: 'alpha', {k2!r}: 'same'}}); print('null')", cwd)
    got = run_store_process(url, f"print(json.dumps(store.get([{k1!r}, {k2!r}, {k3!r}])))", cwd)
    assert got == {k1: "alpha", k2: "same"}
    run_store_process(url, f"store.put({{{k1!r}: 'beta', {k2!r}: 'same'}}); print('null')", cwd)
    got = run_store_process(url, f"print(json.dumps(store.get([{k1!r}, {k2!r}])))", cwd)
    assert got == {k1: AMBIGUOUS_REASONING, k2: "same"}  # another value makes a key ambiguous; the same one stays


def check_concurrent_writers(url: str, cwd: Path, ns: str = "") -> None:
    """Four processes write at once: shared keys agree, split keys end ambiguous, own keys stay apart."""
    code = f"""
n = int(sys.argv[2])
for i in range(0, 200, 10):
    batch = {{}}
    for j in range(i, i + 10):
        batch[f"{ns}shared{{j}}"] = f"same{{j}}"
        batch[f"{ns}split{{j}}"] = f"from{{n}}"
        batch[f"{ns}own{{n}}-{{j}}"] = f"mine{{j}}"
    store.put(batch)
print('null')
"""
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", PREAMBLE + code, url, str(n)],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    keys = [f"{ns}shared{j}" for j in range(200)] + [f"{ns}split{j}" for j in range(200)]
    keys += [f"{ns}own{n}-{j}" for n in range(4) for j in range(200)]
    got = run_store_process(url, f"print(json.dumps(store.get({keys!r})))", cwd)
    split = {key: got.pop(key) for key in [f"{ns}split{j}" for j in range(200)]}
    assert set(split.values()) == {AMBIGUOUS_REASONING}  # four writers, four values: each key ends ambiguous
    assert got == {
        **{f"{ns}shared{j}": f"same{j}" for j in range(200)},
        **{f"{ns}own{n}-{j}": f"mine{j}" for n in range(4) for j in range(200)},
    }


@pytest.mark.slow  # real processes: the slow leg (pytest -m slow)
def test_processes_share_a_sqlite_store_across_restarts(tmp_path: Path) -> None:
    check_processes_share_the_store("sqlite:///reasoning.db", tmp_path)
    assert stat.S_IMODE((tmp_path / "reasoning.db").stat().st_mode) == 0o600 or os.name != "posix"


@pytest.mark.slow  # real processes: the slow leg (pytest -m slow)
def test_concurrent_processes_merge_atomically_in_sqlite(tmp_path: Path) -> None:
    check_concurrent_writers("sqlite:///reasoning.db", tmp_path)


@pytest.mark.slow  # a real process: the slow leg (pytest -m slow)
@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX")
def test_a_forked_child_gets_its_own_store_and_connection(tmp_path: Path) -> None:
    # Run in a fresh interpreter: forking the multi-threaded pytest process would warn (Python 3.12+).
    code = """
import threading
store.put({'parent': 'p'})
inherited = store._conns[threading.get_ident()]
pid = os.fork()
if pid == 0:
    try:
        fresh = open_store(sys.argv[1]) is not store
        store.put({'child': 'c'})  # the inherited object: it must open a connection of its own
        own = store._conns[threading.get_ident()] is not inherited
        os._exit(0 if fresh and own and store.get(['parent']) == {'parent': 'p'} else 1)
    except BaseException:
        os._exit(2)
_, status = os.waitpid(pid, 0)
print(json.dumps({'child': os.waitstatus_to_exitcode(status), 'seen': store.get(['parent', 'child'])}))
"""
    got = run_store_process("sqlite:///reasoning.db", code, tmp_path)
    assert got == {"child": 0, "seen": {"parent": "p", "child": "c"}}


# -- URLs --------------------------------------------------------------------------------------------------------


def test_memory_is_no_store() -> None:
    assert open_store("memory") is None
    assert open_store(" memory\n") is None


def test_sqlite_urls_follow_sqlalchemy(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    relative = open_store("sqlite:///data/r.db")
    absolute = open_store(f"sqlite:///{tmp_path}/data/r.db")  # "sqlite:////tmp/..." : four slashes
    assert isinstance(relative, SQLiteStore) and relative is absolute
    assert relative.path == tmp_path / "data" / "r.db" and (tmp_path / "data" / "r.db").is_file()
    assert repr(relative) == f"SQLiteStore('sqlite:///{tmp_path}/data/r.db', ttl=604800)"


def test_one_instance_per_url_and_process(tmp_path: Path) -> None:
    first = open_store("sqlite:///r.db?ttl=60")
    assert open_store("sqlite:///r.db?ttl=60") is first
    other = open_store("sqlite:///r.db?ttl=120&max_bytes=1000")
    assert isinstance(other, SQLiteStore) and other is not first
    assert (other.ttl, other.max_bytes) == (120.0, 1000)


def test_stores_satisfy_the_protocol_and_so_does_a_class_of_ones_own(tmp_path: Path) -> None:
    class Mine:
        def get(self, keys: Sequence[str]) -> dict[str, str]:
            return {}

        def put(self, entries: Mapping[str, str]) -> None:
            pass

        async def aget(self, keys: Sequence[str]) -> dict[str, str]:
            return {}

        async def aput(self, entries: Mapping[str, str]) -> None:
            pass

        def close(self) -> None:
            pass

    class Partial:
        def get(self, keys: Sequence[str]) -> dict[str, str]:
            return {}

    assert isinstance(SQLiteStore(tmp_path / "r.db"), ReasoningStore)
    assert isinstance(Mine(), ReasoningStore)
    assert not isinstance(Partial(), ReasoningStore)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgres://db/reasoning", "not a store URL"),
        ("", "not a store URL"),
        ("reasoning.db", "not a store URL"),
        ("sqlite://", "names no file"),
        ("sqlite:///", "names no file"),
        ("sqlite:///:memory:", "names no file"),
        ("sqlite://host/r.db", "no host"),
        ("sqlite:///missing/r.db", "the folder"),
        ("sqlite:///~/r.db", "~ is not expanded"),
        ("sqlite:///.", "is a folder"),
        ("sqlite:///r.db?ttl=0", "ttl='0'"),
        ("sqlite:///r.db?ttl=-5", "ttl='-5'"),
        ("sqlite:///r.db?ttl=inf", "ttl='inf'"),
        ("sqlite:///r.db?ttl=nan", "ttl='nan'"),
        ("sqlite:///r.db?ttl=week", "ttl='week'"),
        ("sqlite:///r.db?max_bytes=1.5", "max_bytes='1.5'"),
        ("sqlite:///r.db?max_bytes=0", "max_bytes='0'"),
        ("sqlite:///r.db?maxbytes=10", "'maxbytes' is not known"),
        ("sqlite:///r.db?ttl=1&ttl=2", "'ttl' is repeated"),
        ("sqlite:///r.db?ttl", "not name=value"),
        ("redis://127.0.0.1:6379/0?max_bytes=10", "'max_bytes' is not known"),
        ("redis://127.0.0.1:port/0", "port is not a number"),
        ("redis://127.0.0.1:99999/0", "port is not a number"),
        ("redis:///0", "names no host"),
        ("rediss://127.0.0.1:6379/zero", "database 'zero'"),
    ],
)
def test_bad_urls_are_refused_naming_the_fix(url: str, says: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        open_store(url)
    assert says in str(caught.value)
    assert "Fix:" in str(caught.value)


def test_the_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequestError, match="create the folder") as caught:
        open_store("sqlite:///missing/r.db")
    assert str(tmp_path / "missing") in str(caught.value)


def test_a_url_that_is_not_a_string() -> None:
    with pytest.raises(InvalidRequestError, match="string URL"):
        open_store(Path("r.db"))  # type: ignore[arg-type]


def test_redis_without_redis_py_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)  # as if the package were not installed
    with pytest.raises(InvalidRequestError) as caught:
        open_store("redis://:hunter2@127.0.0.1:6379/0")
    text = str(caught.value)
    assert "pip install 'deepseek-openai[redis]'" in text and "pip install -e '.[redis]'" in text
    assert "hunter2" not in text and "redis://:***@127.0.0.1:6379/0" in text


def test_passwords_never_show() -> None:
    assert redact_url("redis://:hunter2@h:6379/0") == "redis://:***@h:6379/0"
    assert redact_url("rediss://alice:hunter2@h:6380/1") == "rediss://alice:***@h:6380/1"
    assert redact_url("redis://h:6379/0") == "redis://h:6379/0"
    assert redact_url("sqlite:///r.db") == "sqlite:///r.db"
    with pytest.raises(InvalidRequestError) as caught:
        open_store("postgres://alice:hunter2@db/reasoning")
    assert "hunter2" not in str(caught.value) and "alice:***@db" in str(caught.value)
    with pytest.raises(InvalidRequestError) as caught:
        open_store("redis://:hunter2@127.0.0.1:6379/0?ttl=never")
    assert "hunter2" not in str(caught.value)


@pytest.mark.slow  # a real process: the slow leg (pytest -m slow)
def test_creating_a_client_loads_no_store_code_unless_a_store_is_asked_for(tmp_path: Path) -> None:
    # The client resolves reasoning_store= / DEEPSEEK_REASONING_STORE itself; this module loads only for a store,
    # and even then sqlite3 only with a SQLite store and redis-py only with a Redis one.
    code = (
        "import sys; from deepseek_openai import create_client; create_client('sk-test-000000000000'); "
        "print('deepseek_openai._compat._stores' in sys.modules, 'sqlite3' in sys.modules); "
        "import deepseek_openai._compat._stores; print('sqlite3' in sys.modules, 'redis' in sys.modules); "
        "client = create_client('sk-test-000000000000', reasoning_store='sqlite:///r.db'); "
        "client._client.reasoning_store.put({'k': 'v'}); "
        "print(client._client.reasoning_store.get(['k']), 'sqlite3' in sys.modules, 'redis' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert run.stdout.splitlines() == ["False False", "False False", "{'k': 'v'} True False"]


def test_entries_survive_in_the_file_format_described(tmp_path: Path) -> None:
    # Keys are the caller's digests; the text is stored as received (the README calls it sensitive data).
    store = SQLiteStore(tmp_path / "r.db")
    store.put({"9f86d081884c7d65": REASONING})
    with sqlite3.connect(tmp_path / "r.db") as conn:
        key, value = conn.execute("SELECT key, value FROM reasoning").fetchone()
    assert (key, value) == ("9f86d081884c7d65", REASONING.encode())


def test_a_process_wide_store_serves_every_caller_in_every_thread(tmp_path: Path) -> None:
    found: list[Any] = []
    store = open_store("sqlite:///shared.db")
    assert store is not None
    store.put({"k1": REASONING})

    def reader() -> None:
        found.append(open_store("sqlite:///shared.db"))
        found.append(store.get(["k1"]))

    thread = threading.Thread(target=reader)
    thread.start()
    thread.join()
    assert found == [store, {"k1": REASONING}]


def test_nothing_is_printed(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    store = SQLiteStore(tmp_path / "r.db", busy_timeout=0.05)
    store.put({"k1": "x"})
    store.put({"k1": "y"})
    holder = sqlite3.connect(tmp_path / "r.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(ReasoningStoreError):
        store.put({"k2": "z"})
    holder.execute("COMMIT")
    holder.close()
    assert capfd.readouterr() == ("", "")
