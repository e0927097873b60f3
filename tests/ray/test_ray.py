"""deepseek_openai.ray on a local Ray instance against the double. Its own CI leg (.ci/run): needs the ray extra.

Run:  DEEPSEEK_OPENAI_RAY_TESTS=1 python -m pytest -q -p no:cacheprovider tests/ray
The lease logic itself is tested without Ray in tests/batch/test_ray_lease.py; here it runs as a Ray actor and Ray Data
workers in other processes.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

ray = pytest.importorskip("ray")

from deepseek_openai import InvalidRequestError  # noqa: E402
from deepseek_openai.batch._budget import worst_cost  # noqa: E402
from deepseek_openai.batch._ray_run import _start_batch  # noqa: E402
from deepseek_openai.ray import RayBatch, Secret, run_batch, start_batch  # noqa: E402
from deepseek_openai.testing import FakeDeepSeek  # noqa: E402

# Ray's own deprecation notices (ray.data.context, ...) are not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")


@pytest.fixture(scope="module")
def local_ray() -> Iterator[Any]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # ScaledClock reaches the workers by value
    try:
        yield ray
    finally:
        ray.shutdown()


def rows(count: int, as_json: bool = True, text: str = "q", **extra: Any) -> list[dict[str, Any]]:
    made = []
    for i in range(count):
        body = {"model": "deepseek-flash", "messages": [{"role": "user", "content": f"{text}{i}"}], **extra}
        made.append({"custom_id": f"r{i}", "body": json.dumps(body) if as_json else body})
    return made


def sent(ds: FakeDeepSeek) -> list[str]:
    """The user messages the double received (each row's is unique)."""
    return sorted(r.json["messages"][0]["content"] for r in ds.requests if r.path.endswith("/chat/completions"))


def key(ds: FakeDeepSeek) -> dict[str, str]:
    return {"api_key": ds.api_key, "base_url": ds.base_url}


def logs(local_ray: Any) -> list[tuple[str, bytes]]:
    from ray._private import worker

    folder = Path(worker._global_node.get_session_dir_path()) / "logs"
    return [(p.name, p.read_bytes()) for p in folder.rglob("*") if p.is_file()]


def test_one_limit_across_several_workers(local_ray: Any) -> None:
    with FakeDeepSeek() as ds:
        ds.latency = 0.03
        batch = start_batch(local_ray.data.from_items(rows(60)), concurrency=4, workers=3, rows_per_call=8, **key(ds))
        got = batch.dataset.take_all()
        assert sorted(r["custom_id"] for r in got) == sorted(f"r{i}" for i in range(60))
        assert {json.loads(r["response"])["status_code"] for r in got} == {200} and all(r["error"] is None for r in got)
        by_id = {r["custom_id"]: json.loads(r["response"])["body"] for r in got}
        assert by_id["r7"]["choices"][0]["message"]["content"] == "Echo: q7"
        stats = local_ray.get(batch._job.stats.remote())
        assert len(ds.requests) == 60 and 2 <= ds.gate.peak <= 4 and stats["peak"] <= 4  # job-wide, all workers
        assert stats["workers"] >= 2 and batch.summary().ok == 60
        batch.close()


def test_429s_from_a_balance_cap_shrink_the_job_limit(local_ray: Any) -> None:
    with FakeDeepSeek() as ds:
        ds.latency = 0.05
        ds.gate.set_limit(2, by_balance=True)
        data = local_ray.data.from_items(rows(24, as_json=False))
        with start_batch(data, concurrency=8, retry_base=0.01, **key(ds)) as batch:
            got = batch.dataset.take_all()
            summary, progress = batch.summary(), batch.progress()
        assert len(got) == 24 and all(json.loads(r["response"])["status_code"] == 200 for r in got)
        assert ds.gate.refused > 0 and summary.rate_limited == ds.gate.refused
        assert summary.concurrency == 2 and progress.limit <= 2  # the cap named by the 429 became the ceiling


def test_resume_skips_answered_ids_from_a_list_or_an_output_file(local_ray: Any, tmp_path: Path) -> None:
    previous = tmp_path / "out.jsonl"
    lines = [
        {"custom_id": "r0", "response": {"status_code": 200, "request_id": "x", "body": {}}, "error": None},
        {"custom_id": "r1", "response": None, "error": {"code": "max_cost", "message": "not sent"}},
        {"custom_id": "r2", "response": None, "error": {"code": "retries_exhausted", "message": "final"}},
    ]
    previous.write_text("".join(json.dumps(x) + "\n" for x in lines) + '{"custom_id": "r3", "resp')  # torn
    with FakeDeepSeek() as ds:
        data = local_ray.data.from_items([*rows(6), {"custom_id": "bad", "body": "{oops"}])
        with start_batch(data, concurrency=4, skip=["r3", "r5"], **key(ds)) as batch:
            got = batch.dataset.take_all()
            assert sent(ds) == ["q0", "q1", "q2", "q4"]
            assert sorted(r["custom_id"] for r in got) == ["bad", "r0", "r1", "r2", "r4"]
            (bad,) = [json.loads(r["error"]) for r in got if r["custom_id"] == "bad"]
            assert bad["code"] == "invalid_row" and bad["message"].startswith("body: Expecting property name")
            assert (batch.summary().skipped, batch.summary().failed) == (2, 1)
        ds.reset()
        got = run_batch(local_ray.data.from_items(rows(6)), concurrency=4, skip=previous, **key(ds)).take_all()
        assert sent(ds) == ["q1", "q3", "q4", "q5"] and len(got) == 4  # r1 was not sent before: it is sent now


def test_max_cost_ends_with_error_rows_and_a_rerun_sends_the_rest(local_ray: Any) -> None:
    with FakeDeepSeek() as ds:
        items = rows(20, text="x", max_tokens=20)
        one = worst_cost(json.loads(items[10]["body"]), len(items[10]["body"]), "USD")  # a request's worst case
        data = local_ray.data.from_items(items)
        with start_batch(data, concurrency=4, max_cost=one * Decimal("4.5"), **key(ds)) as first:
            out = first.dataset.materialize()
            summary = first.summary()
        got = out.take_all()
        stopped = [r for r in got if r["error"] and json.loads(r["error"])["code"] == "max_cost"]
        assert summary.stopped == "max_cost" and summary.cost["USD"] <= one * Decimal("4.5") and summary.ok >= 4
        assert len(got) == 20 and len(stopped) == summary.not_sent == 20 - summary.ok and len(ds.requests) == summary.ok
        assert all(r["response"] is None for r in stopped) and "max_cost=" in json.loads(stopped[0]["error"])["message"]
        answered = sent(ds)
        ds.reset()
        with start_batch(data, concurrency=4, skip=out, max_cost=one * 100, **key(ds)) as second:
            again = second.dataset.take_all()
            rerun = second.summary()
        assert sorted(sent(ds) + answered) == sorted(f"x{i}" for i in range(20)) and len(again) == summary.not_sent
        assert rerun.skipped == summary.ok and rerun.ok == summary.not_sent and rerun.stopped is None


def test_bad_replies_are_retried_and_never_fail_the_dataset(local_ray: Any) -> None:
    with FakeDeepSeek() as ds:
        ds.add_fault("not_json", times=3)
        ds.add_fault("html", times=2)
        ds.add_fault("truncated")
        got = run_batch(local_ray.data.from_items(rows(20)), concurrency=4, retry_base=0.01, **key(ds)).take_all()
    assert sorted(r["custom_id"] for r in got) == sorted(f"r{i}" for i in range(20))
    assert all(r["error"] is None and json.loads(r["response"])["status_code"] == 200 for r in got)


def test_a_402_stops_the_job_and_skip_sends_those_rows_again(local_ray: Any) -> None:
    with FakeDeepSeek() as ds:
        ds.balance = "0"
        data = local_ray.data.from_items(rows(30))
        with start_batch(data, concurrency=4, workers=2, rows_per_call=5, **key(ds)) as first:
            out = first.dataset.materialize()
            summary = first.summary()
        got = out.take_all()
        assert summary.stopped == "balance" and "top up" in summary.fix and summary.ok == 0
        assert len(got) == 30 and {json.loads(r["error"])["code"] for r in got} == {"balance"}
        assert len(ds.requests) <= 12  # stopped within a few requests, not 30 refusals
        ds.balance = "10"
        ds.reset()
        again = run_batch(data, concurrency=4, skip=out, **key(ds)).take_all()
        assert len(again) == 30 and all(r["error"] is None for r in again) and len(ds.requests) == 30


class ScaledClock:
    """From its first call in each process: ``start``, running ``speed`` times as fast; notes that first call."""

    def __init__(self, start: datetime, speed: float, note: Path) -> None:
        self.start, self.speed, self.note = start, speed, note
        self.began: float | None = None

    def __call__(self) -> datetime:
        if self.began is None:
            self.began = time.time()
            with self.note.open("a") as f:
                f.write(f"{self.began}\n")
        return self.start + timedelta(seconds=(time.time() - self.began) * self.speed)


def test_off_peak_waits_for_the_window_and_logs_when_it_opens(local_ray: Any, tmp_path: Path) -> None:
    # Monday 2026-12-07 09:59:00 UTC is peak (06:00-10:00 UTC); at 120x the window opens 0.5 s after the first call.
    clock = ScaledClock(datetime(2026, 12, 7, 9, 59, tzinfo=timezone.utc), 120, tmp_path / "began")
    with FakeDeepSeek() as ds:
        data = local_ray.data.from_items(rows(6))
        got = _start_batch(data, concurrency=2, workers=1, off_peak=True, clock=clock, **key(ds)).dataset.take_all()
        began = [float(x) for x in (tmp_path / "began").read_text().split()]
        assert len(got) == 6 and len(began) == 1
        assert min(r.received for r in ds.requests) >= began[0] + 0.5  # nothing went out at peak prices
    shown = [text for _, text in logs(local_ray) if b"deepseek_openai.ray" in text]
    assert any(b"paused until 2026-12-07 10:00 UTC (next off-peak window)" in text for text in shown)


def test_progress_and_summary_without_the_key(local_ray: Any) -> None:
    secret = "sk-ray-secret-0123456789abcdef"
    assert secret not in repr(Secret(secret)) and repr(Secret(secret)).endswith("cdef)")
    with FakeDeepSeek(api_key=secret) as ds:
        ds.latency = 0.05
        data = local_ray.data.from_items(rows(30))
        with start_batch(data, concurrency=3, workers=1, rows_per_call=10, progress_interval=0.2, **key(ds)) as batch:
            seen = [batch.progress().done for _ in batch.dataset.iter_batches(batch_size=10)]
            final, summary = batch.progress(), batch.summary()
            assert secret not in repr(batch) and repr(batch) == "RayBatch(open)"
    assert seen == sorted(seen) and final.done == final.total == summary.ok == 30 and final.cost > 0
    assert summary.usage.prompt_tokens > 0 and summary.cost["USD"] > 0 and summary.cost["CNY"] > 0
    texts = logs(local_ray)
    leaked = [name for name, text in texts if secret.encode() in text]
    assert not leaked, leaked
    lines = b"".join(text for _, text in texts)
    assert b"deepseek_openai.ray: 30/30 done" in lines and b"deepseek_openai.ray: batch: 30 ok, 0 failed" in lines


def alive(local_ray: Any, ids: list[str]) -> list[str]:
    from ray._private import state

    actors = state.actors()
    return [i for i in ids if actors.get(i, {}).get("State") != "DEAD"]


def test_the_job_actor_ends_with_its_dataset_or_on_close(local_ray: Any) -> None:
    with FakeDeepSeek() as ds:
        ids = []
        for _ in range(2):
            batch: RayBatch | None = start_batch(local_ray.data.from_items(rows(3)), concurrency=2, **key(ds))
            assert batch is not None and len(batch.dataset.take_all()) == 3
            ids.append(batch._job._actor_id.hex())
            batch = None  # the handle and the dataset go: so does the actor
        closed = start_batch(local_ray.data.from_items(rows(3)), concurrency=2, **key(ds))
        ids.append(closed._job._actor_id.hex())
        kept = closed.dataset  # the dataset still holds the actor: close() ends it anyway
        closed.close()
        with pytest.raises(InvalidRequestError, match="closed"):
            closed.summary()
        deadline = time.monotonic() + 20
        while alive(local_ray, ids) and time.monotonic() < deadline:
            gc.collect()
            time.sleep(0.2)
        assert alive(local_ray, ids) == [] and kept is not None


def test_the_readme_snippet_runs(local_ray: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_readme import RAY_BLOCKS

    with FakeDeepSeek() as ds:
        monkeypatch.setenv("DEEPSEEK_API_KEY", ds.api_key)
        monkeypatch.setenv("DEEPSEEK_BASE_URL", ds.base_url)
        exec(compile(RAY_BLOCKS[0], "README.md ray block", "exec"), {"__name__": "readme_ray"})
        assert len(ds.requests) == 40  # the rerun sent nothing


QUIET_SCRIPT = """
import json, logging, sys
import ray, ray.data
from deepseek_openai.ray import start_batch
from deepseek_openai.testing import FakeDeepSeek

ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.ERROR)
body = {"model": "deepseek-flash", "messages": [{"role": "user", "content": "hi"}]}
data = ray.data.from_items([{"custom_id": f"r{i}", "body": body} for i in range(6)])
with FakeDeepSeek() as ds:
    for loud in (False, True):
        print(f"=== ray_logs={loud}", file=sys.stderr, flush=True)
        with start_batch(data, concurrency=2, ray_logs=loud, api_key=ds.api_key, base_url=ds.base_url) as job:
            got = job.dataset.take_all()
        print(f"=== {len(got)} rows; input's progress bars: {data.context.enable_progress_bars}", file=sys.stderr)
ray.shutdown()
"""


def test_ray_data_output_is_off_unless_ray_logs(tmp_path: Path) -> None:
    # A process of its own: Ray Data's console lines go to that process's stderr (this module's Ray is silenced).
    import subprocess

    script = tmp_path / "quiet.py"
    script.write_text(QUIET_SCRIPT)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    _, quiet, loud = done.stderr.split("=== ray_logs=")
    assert "=== 6 rows; input's progress bars: True" in quiet and "=== 6 rows" in loud  # the caller's context kept
    ray_data = ("Starting execution of Dataset", "Execution plan of Dataset", "Progress bars", "Total Progress")
    assert [line for line in quiet.splitlines() if any(s in line for s in ray_data)] == []
    assert "Starting execution of Dataset" in loud
    assert "deepseek_openai.ray: batch: 6 ok, 0 failed" in done.stderr  # the actor's own lines still reach the driver
