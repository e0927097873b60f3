"""run_batch / arun_batch on the double: formats, checks before sending, resume, 429s, retries, budget, off-peak."""

from __future__ import annotations

import asyncio
import inspect
import json
import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from deepseek_openai import BatchInputError, BatchProgress, LegacyModelWarning, UnknownModelError, arun_batch, run_batch
from deepseek_openai.batch._backoff import backoff
from deepseek_openai.batch._budget import worst_cost
from deepseek_openai.batch._idset import HashSet
from deepseek_openai.batch._input import id_hash
from deepseek_openai.batch._limit import AdaptiveLimit, limit_in_message
from deepseek_openai.batch._offpeak import next_off_peak
from deepseek_openai.batch._output import OutputFile
from deepseek_openai.batch._run import _arun_batch
from deepseek_openai.testing import FakeDeepSeek

from ._helpers import options


def line(custom_id: str, model: str = "deepseek-flash", text: str = "hi", **over: Any) -> dict[str, Any]:
    body = {"model": model, "messages": [{"role": "user", "content": text}]}
    return {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body, **over}


def write_input(path: Path, items: list[Any]) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in items))
    return path


def read_output(path: Path) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in path.read_text().splitlines()]


def test_every_request_gets_one_openai_batch_output_line(ds: FakeDeepSeek, tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.jsonl", [line(f"r{i}", text=f"q{i}") for i in range(12)])
    summary = run_batch(src, tmp_path / "out.jsonl", **options(ds))
    out = read_output(tmp_path / "out.jsonl")
    assert sorted(o["custom_id"] for o in out) == sorted(f"r{i}" for i in range(12))
    first = out[0]
    assert set(first) == {"id", "custom_id", "response", "error"} and first["error"] is None
    assert first["id"].startswith("batch_req_")
    assert set(first["response"]) == {"status_code", "request_id", "body"}
    assert first["response"]["status_code"] == 200 and first["response"]["request_id"]
    index = first["custom_id"][1:]
    assert first["response"]["body"]["choices"][0]["message"]["content"] == f"Echo: q{index}"
    assert (summary.ok, summary.failed, summary.not_sent, summary.stopped) == (12, 0, 0, None)
    assert summary.usage.prompt_tokens > 0 and summary.cost["USD"] > 0 and summary.cost["CNY"] > 0
    assert {r.path for r in ds.requests} == {"/chat/completions"}


def test_model_option_replaces_openai_names_on_the_wire(ds: FakeDeepSeek, tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.jsonl", [line("a", model="gpt-4o-mini"), line("b", model="gpt-4.1")])
    run_batch(src, tmp_path / "out.jsonl", model="deepseek-v4-pro", **options(ds))
    assert [r.json["model"] for r in ds.requests] == ["deepseek-v4-pro", "deepseek-v4-pro"]


def test_legacy_names_are_translated_by_the_client_hook(ds: FakeDeepSeek, tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.jsonl", [line("a", model="deepseek-chat")])
    with pytest.warns(LegacyModelWarning, match="deepseek-chat"):
        run_batch(src, tmp_path / "out.jsonl", **options(ds))
    assert ds.requests[0].json["model"] == "deepseek-flash"
    assert ds.requests[0].json["thinking"] == {"type": "disabled"}


def test_the_whole_input_is_checked_first_and_nothing_is_sent(ds: FakeDeepSeek, tmp_path: Path) -> None:
    items: list[Any] = [
        line("ok-1"),
        "{not json",
        {"method": "POST", "url": "/v1/chat/completions", "body": {}},
        line("ok-1"),
        line("x", model="gpt-4o"),
        line("y", model="deepseek-v9"),
        line("z", url="/v1/embeddings"),
        line("s", body={"model": "deepseek-flash", "messages": [{"role": "user", "content": "a"}], "stream": True}),
        line("ok-2"),
    ]
    src = write_input(tmp_path / "in.jsonl", items)
    with pytest.raises(BatchInputError) as caught:
        run_batch(src, tmp_path / "out.jsonl", **options(ds))
    err = caught.value
    assert [n for n, _ in err.problems] == [2, 3, 4, 5, 6, 7, 8]
    text = str(err)
    for expected in ("line 2: not JSON", "line 3: custom_id", "line 4: duplicate custom_id 'ok-1'"):
        assert expected in text
    assert "1 line names OpenAI models ('gpt-4o'): line 5" in text and "model='deepseek-flash'" in err.fix
    assert "line 6: unknown model 'deepseek-v9'" in text and "nothing was sent" in text
    assert err.fix and ds.requests == [] and not (tmp_path / "out.jsonl").exists()


def test_an_unknown_replacement_model_is_refused(ds: FakeDeepSeek, tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.jsonl", [line("a")])
    with pytest.raises(UnknownModelError):
        run_batch(src, tmp_path / "out.jsonl", model="gpt-4o", **options(ds))
    assert ds.requests == []


def test_resume_skips_answered_ids_and_cuts_a_partial_last_line(ds: FakeDeepSeek, tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.jsonl", [line(f"r{i}") for i in range(6)])
    out = tmp_path / "out.jsonl"
    run_batch(write_input(tmp_path / "first.jsonl", [line("r0"), line("r1")]), out, **options(ds))
    with out.open("a") as f:
        f.write('{"id":"batch_req_x","custom_id":"r2","respo')  # a kill in the middle of a write
    ds.reset()
    summary = run_batch(src, out, **options(ds))
    assert len(ds.requests) == 4 and (summary.skipped, summary.ok) == (2, 4)
    ids = [o["custom_id"] for o in read_output(out)]
    assert sorted(ids) == [f"r{i}" for i in range(6)] and len(set(ids)) == 6


def test_output_file_cuts_only_an_unfinished_line(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    whole = b'{"id":"batch_req_1","custom_id":"a"}\n{"id":"batch_req_2","custom_id":"b"}\n'
    path.write_bytes(whole + b'{"id":"batch_req_3","custom_')
    ids = HashSet()
    for name in "abc":
        ids.add(id_hash(name))
    out = OutputFile(path, ids, "in.jsonl")
    out.load(lambda item: Decimal(0))
    assert out.truncated == len(b'{"id":"batch_req_3","custom_') and out.done == 2
    assert [i["custom_id"] for i in out.lines()] == ["a", "b"] and path.read_bytes() == whole
    out.close()
    clean = OutputFile(path, ids, "in.jsonl")
    clean.load(lambda item: Decimal(0))
    assert clean.truncated == 0
    clean.close()


def test_429s_shrink_the_limit_and_every_request_still_succeeds(ds: FakeDeepSeek, tmp_path: Path) -> None:
    ds.gate.set_limit(3)
    ds.latency = 0.01
    src = write_input(tmp_path / "in.jsonl", [line(f"r{i}") for i in range(40)])
    summary = run_batch(src, tmp_path / "out.jsonl", concurrency=16, **options(ds))
    assert summary.ok == 40 and summary.failed == 0
    assert summary.rate_limited == ds.gate.refused > 0 and summary.retries >= summary.rate_limited


def test_a_cap_named_by_the_balance_429_becomes_the_ceiling(ds: FakeDeepSeek, tmp_path: Path) -> None:
    ds.gate.set_limit(2, by_balance=True)
    ds.latency = 0.01
    src = write_input(tmp_path / "in.jsonl", [line(f"r{i}") for i in range(20)])
    summary = run_batch(src, tmp_path / "out.jsonl", concurrency=50, **options(ds))
    assert summary.ok == 20 and summary.concurrency == 2


def test_concurrency_never_exceeds_the_model_cap(ds: FakeDeepSeek, tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.jsonl", [line("a", model="deepseek-v4-pro"), line("b")])
    summary = run_batch(src, tmp_path / "out.jsonl", concurrency=100_000, **options(ds))
    assert summary.concurrency == 500  # deepseek-v4-pro's account cap, the smaller of the two models


def test_a_request_that_keeps_failing_becomes_an_error_line(ds: FakeDeepSeek, tmp_path: Path) -> None:
    ds.add_error(503, times=3)
    src = write_input(tmp_path / "in.jsonl", [line("a")])
    summary = run_batch(src, tmp_path / "out.jsonl", max_attempts=3, **options(ds))
    (out,) = read_output(tmp_path / "out.jsonl")
    assert out["response"]["status_code"] == 503 and out["error"]["code"] == "retries_exhausted"
    assert len(ds.requests) == 3 and summary.failed == 1 and summary.retries == 2


def test_a_refused_request_is_written_once_without_retrying(ds: FakeDeepSeek, tmp_path: Path) -> None:
    ds.add_error(422, "Failed to deserialize the JSON body")
    src = write_input(tmp_path / "in.jsonl", [line("bad")])
    run_batch(src, tmp_path / "out.jsonl", **options(ds))
    (out,) = read_output(tmp_path / "out.jsonl")
    assert out["response"]["status_code"] == 422 and out["error"] is None
    assert "error" in out["response"]["body"] and len(ds.requests) == 1


def test_max_cost_stops_before_the_budget_is_passed(ds: FakeDeepSeek, tmp_path: Path) -> None:
    items = [line(f"r{i}", text="x" * 40) for i in range(30)]
    for item in items:
        item["body"]["max_tokens"] = 50
    src = write_input(tmp_path / "in.jsonl", items)
    size = len(json.dumps(items[0])) + 1
    worst = worst_cost(items[0]["body"], size, "USD")
    summary = run_batch(src, tmp_path / "out.jsonl", max_cost=worst * Decimal("4.5"), **options(ds))
    assert summary.stopped == "max_cost" and summary.not_sent > 0
    assert summary.cost["USD"] <= worst * Decimal("4.5") and summary.ok >= 4


def test_off_peak_waits_for_the_next_window(ds: FakeDeepSeek, tmp_path: Path) -> None:
    now = [datetime(2026, 11, 23, 2, 30, tzinfo=timezone.utc)]  # a Monday, inside the 01:00-04:00 UTC peak
    slept: list[float] = []
    seen: list[BatchProgress] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += timedelta(seconds=seconds)

    src = write_input(tmp_path / "in.jsonl", [line("a"), line("b")])
    opts = options(ds, off_peak=True, clock=lambda: now[0], sleep=fake_sleep, seed=7, progress=seen.append)
    summary = asyncio.run(_arun_batch(src, tmp_path / "out.jsonl", **opts))  # the seams: the public ones have none
    assert slept == [5400.0] and summary.ok == 2
    assert seen[0].paused_until == datetime(2026, 11, 23, 4, 0, tzinfo=timezone.utc) and seen[0].done == 0


def test_setting_stop_ends_the_run_with_whole_lines(ds: FakeDeepSeek, tmp_path: Path) -> None:
    ds.latency = 0.05
    src = write_input(tmp_path / "in.jsonl", [line(f"r{i}") for i in range(40)])
    out = tmp_path / "out.jsonl"

    async def main() -> Any:
        stop = asyncio.Event()

        def watch(p: BatchProgress) -> None:
            if p.done >= 2:
                stop.set()

        return await arun_batch(
            src, out, concurrency=2, stop=stop, progress=watch, progress_interval=0.01, **options(ds)
        )

    summary = asyncio.run(main())
    assert summary.stopped == "interrupted" and 0 < summary.not_sent < 40
    assert len(read_output(out)) == 40 - summary.not_sent
    assert summary.ok + summary.failed + summary.not_sent == 40


def test_backoff_is_bounded_and_jittered() -> None:
    rng = random.Random(1)
    pauses = [backoff(n, base=0.5, ceiling=8, rng=rng) for n in range(8)]
    assert all(0.25 <= p <= 0.5 for p in pauses[:1]) and all(4 <= p <= 8 for p in pauses[5:])
    assert len(set(pauses)) == len(pauses)


def test_adaptive_limit_halves_once_per_round_and_grows_back() -> None:
    limit = AdaptiveLimit(16, 20)
    epoch = limit.epoch
    limit.on_rate_limit(epoch)
    limit.on_rate_limit(epoch)  # the same round: no second halving
    assert limit.allowed == 8
    for _ in range(40):
        limit.on_success()
    assert 8 < limit.allowed <= 20
    limit.on_rate_limit(limit.epoch, "concurrency limit of 3 based on your remaining balance")
    assert limit.ceiling == 3 and limit.allowed == 1


def test_limit_in_message_and_next_off_peak() -> None:
    assert limit_in_message("Rate Limit Reached: concurrency limit of 39 based on your remaining balance") == 39
    assert limit_in_message("Rate Limit Reached") is None
    friday_peak = datetime(2026, 11, 27, 8, 15, tzinfo=timezone.utc)
    assert next_off_peak(friday_peak) == datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)
    saturday = datetime(2026, 11, 28, 8, 15, tzinfo=timezone.utc)
    assert next_off_peak(saturday) == saturday


def test_hash_set_finds_members_and_repeats() -> None:
    hashes = HashSet()
    for name in ("a", "b", "c", "b"):
        hashes.add(id_hash(name))
    assert id_hash("b") in hashes and id_hash("z") not in hashes and "b" not in hashes
    assert hashes.repeated() == {id_hash("b")} and len(hashes) == 4 and hashes.unique() == 3 and hashes
    assert not HashSet()


def test_only_a_run_of_connection_failures_counts_against_the_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    from deepseek_openai.batch import _health

    now = [100.0]
    monkeypatch.setattr(_health.time, "monotonic", lambda: now[0])
    health = _health.Health(grace=10.0, deadline=None)
    assert not health.unreachable()
    now[0] += 30  # a lone failure long after the first one (long generations, no answer meanwhile)
    assert not health.unreachable()
    for _ in range(3):
        now[0] += 4  # failures every 4 s, no answer in between: an outage
        stopped = health.unreachable()
    assert stopped
    health.answered()
    assert not health.unreachable()


def test_the_entry_points_take_typed_keywords_without_test_seams() -> None:
    sync, coro = inspect.signature(run_batch), inspect.signature(arun_batch)
    assert list(sync.parameters.values()) == list(coro.parameters.values())  # the twins take the same arguments
    kinds = {p.kind for name, p in sync.parameters.items() if name not in ("input_path", "output_path")}
    assert kinds == {inspect.Parameter.KEYWORD_ONLY}  # no **options: every keyword is named and typed
    assert not {"clock", "sleep", "seed"} & set(sync.parameters)
    assert {"model", "concurrency", "off_peak", "max_cost", "progress", "stop", "offline"} <= set(sync.parameters)
    with pytest.raises(TypeError, match="seed"):
        run_batch("in.jsonl", "out.jsonl", seed=7)  # type: ignore[call-arg]
