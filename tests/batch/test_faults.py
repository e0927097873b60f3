"""The batch runner under faults and hostile files (issue 19): never loses, duplicates or overspends.

Every test runs against FakeDeepSeek with its scripted faults and outage windows (testing/_faults.py); pauses are
injected (retry_base, grace, deadline) so nothing sleeps for long.
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from deepseek_openai import (
    BatchFileError,
    BatchInputError,
    BatchLockedError,
    BatchProgress,
    arun_batch,
    run_batch,
)
from deepseek_openai.testing import FakeDeepSeek

from ._helpers import options


def line(custom_id: str, text: str = "hi", **body: Any) -> dict[str, Any]:
    payload = {"model": "deepseek-flash", "messages": [{"role": "user", "content": text}], **body}
    return {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": payload}


def write_input(path: Path, items: list[Any]) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in items))
    return path


def lines(count: int, prefix: str = "r") -> list[dict[str, Any]]:
    return [line(f"{prefix}{i}", text=f"q{i}") for i in range(count)]


def read_output(path: Path) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in path.read_text().splitlines()]


def chats(ds: FakeDeepSeek) -> list[Any]:
    return [r for r in ds.requests if r.path.endswith("/chat/completions")]


# -- 1. the output file is ours or refused ---------------------------------------------------------------------


def test_an_output_that_is_not_batch_output_is_refused_byte_for_byte_unchanged(
    ds: FakeDeepSeek, tmp_path: Path
) -> None:
    src = write_input(tmp_path / "in.jsonl", lines(3))
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"shopping list\nmilk\neggs")  # no trailing newline: today its last line was cut
    with pytest.raises(BatchFileError) as caught:
        run_batch(src, notes, **options(ds))
    assert notes.read_bytes() == b"shopping list\nmilk\neggs"
    assert "notes.txt" in str(caught.value) and "line 1" in str(caught.value) and caught.value.fix
    assert chats(ds) == []


def test_another_jobs_output_is_refused(ds: FakeDeepSeek, tmp_path: Path) -> None:
    other = tmp_path / "other.out"
    run_batch(write_input(tmp_path / "other.jsonl", lines(7, prefix="x")), other, **options(ds))
    before = other.read_bytes()
    ds.reset()
    src = write_input(tmp_path / "in.jsonl", lines(5))
    with pytest.raises(BatchFileError, match=r"custom_id 'x\d'.*not in in\.jsonl"):  # replies land in any order
        run_batch(src, other, **options(ds))
    assert other.read_bytes() == before and chats(ds) == []


@pytest.mark.parametrize("how", ["same", "symlink"])
def test_an_output_that_is_the_input_is_refused(ds: FakeDeepSeek, tmp_path: Path, how: str) -> None:
    src = write_input(tmp_path / "in.jsonl", lines(3))
    target = src
    if how == "symlink":
        target = tmp_path / "link.jsonl"
        target.symlink_to(src)
    before = src.read_bytes()
    with pytest.raises(BatchFileError, match="is the input"):
        run_batch(src, target, **options(ds))
    assert src.read_bytes() == before and chats(ds) == []


def test_a_torn_last_line_of_our_own_output_is_still_cut(ds: FakeDeepSeek, tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.jsonl", lines(4))
    out = tmp_path / "out.jsonl"
    run_batch(write_input(tmp_path / "two.jsonl", lines(2)), out, **options(ds))
    with out.open("a") as f:
        f.write('{"id":"batch_req_1","custom_id":"r2","respo')
    summary = run_batch(src, out, **options(ds))
    assert summary.skipped == 2 and summary.ok == 2
    assert sorted(o["custom_id"] for o in read_output(out)) == ["r0", "r1", "r2", "r3"]


def test_the_output_is_created_readable_by_its_owner_only(ds: FakeDeepSeek, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    run_batch(write_input(tmp_path / "in.jsonl", lines(1)), out, **options(ds))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


# -- 2. one run per output -------------------------------------------------------------------------------------


def test_a_second_run_on_the_same_output_is_refused_naming_the_first(ds: FakeDeepSeek, tmp_path: Path) -> None:
    ds.latency = 0.05
    src = write_input(tmp_path / "in.jsonl", lines(20))
    out = tmp_path / "out.jsonl"

    async def main() -> tuple[Any, BaseException | None]:
        first = asyncio.ensure_future(arun_batch(src, out, concurrency=2, **options(ds)))
        while not out.exists() or not out.read_bytes():
            await asyncio.sleep(0.01)
        second: BaseException | None = None
        try:
            await arun_batch(src, out, **options(ds))
        except BatchLockedError as exc:
            second = exc
        return await first, second

    summary, second = asyncio.run(main())
    assert isinstance(second, BatchLockedError) and second.pid == os.getpid()
    assert f"PID {os.getpid()}" in str(second) and "--wait" in (second.fix or "")
    ids = [o["custom_id"] for o in read_output(out)]
    assert summary.ok == 20 and len(ids) == len(set(ids)) == 20 and len(chats(ds)) == 20
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".lock")] == []  # nothing left behind


def test_with_wait_the_second_run_waits_and_sends_nothing_twice(ds: FakeDeepSeek, tmp_path: Path) -> None:
    ds.latency = 0.02
    src = write_input(tmp_path / "in.jsonl", lines(10))
    out = tmp_path / "out.jsonl"

    async def main() -> Any:
        first = asyncio.ensure_future(arun_batch(src, out, concurrency=2, **options(ds)))
        while not out.exists():
            await asyncio.sleep(0.01)
        return await asyncio.gather(first, arun_batch(src, out, wait=True, **options(ds)))

    one, two = asyncio.run(main())
    assert one.ok == 10 and (two.ok, two.skipped) == (0, 10) and len(chats(ds)) == 10


# -- 3. every line checked once, before anything is sent -------------------------------------------------------


def test_lines_that_cannot_be_sent_or_written_are_refused_up_front(ds: FakeDeepSeek, tmp_path: Path) -> None:
    good = json.dumps(line("ok"))
    items = [
        good,
        good.replace('"ok"', '"nan"').replace('"hi"}]', '"hi"}], "temperature": NaN'),
        good.replace('"ok"', '"inf"').replace('"hi"}]', '"hi"}], "top_p": -Infinity'),
        good.replace('"ok"', '"big"').replace('"hi"}]', '"hi"}], "top_p": 1e999'),
        good.replace('"ok"', '"lone"').replace('"hi"', '"a \\ud800 b"'),
        good.replace('"ok"', '"\\udfff-id"'),
        good.replace('"ok"', '"pair"').replace('"hi"', '"\\ud83d\\ude00"'),  # a proper pair is fine
    ]
    src = write_input(tmp_path / "in.jsonl", items)
    with pytest.raises(BatchInputError) as caught:
        run_batch(src, tmp_path / "out.jsonl", **options(ds))
    assert [n for n, _ in caught.value.problems] == [2, 3, 4, 5, 6]
    assert chats(ds) == [] and not (tmp_path / "out.jsonl").exists()


def test_lines_appended_during_a_run_are_not_sent(ds: FakeDeepSeek, tmp_path: Path) -> None:
    ds.latency = 0.02
    src = write_input(tmp_path / "in.jsonl", lines(6))
    appended: list[bool] = []

    def grow(p: BatchProgress) -> None:
        if not appended:
            appended.append(True)
            with src.open("a") as f:
                f.write('{"custom_id": "late", "oops": NaN}\n' + json.dumps(line("late2")) + "\n")

    summary = run_batch(
        src, tmp_path / "out.jsonl", concurrency=1, progress=grow, progress_interval=0.01, **options(ds)
    )
    assert appended and summary.total == 6 and summary.ok == 6 and len(chats(ds)) == 6


def test_an_empty_input_is_an_error(ds: FakeDeepSeek, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("\n\n")
    with pytest.raises(BatchInputError, match="no requests"):
        run_batch(src, tmp_path / "out.jsonl", **options(ds))


def test_long_values_are_cut_in_error_texts(ds: FakeDeepSeek, tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.jsonl", [{**line("a"), "url": "/v1/" + "x" * 1_000_000}])
    with pytest.raises(BatchInputError) as caught:
        run_batch(src, tmp_path / "out.jsonl", **options(ds))
    assert len(str(caught.value)) < 1000


# -- 4. a bad reply is an error row or a retry, never the end of the job --------------------------------------


@pytest.mark.parametrize("kind", ["not_json", "html", "truncated", "reset"])
def test_bad_replies_are_retried_and_the_job_finishes(ds: FakeDeepSeek, tmp_path: Path, kind: str) -> None:
    ds.add_fault(kind, times=3)  # type: ignore[arg-type]
    src = write_input(tmp_path / "in.jsonl", lines(20))
    summary = run_batch(src, tmp_path / "out.jsonl", concurrency=4, **options(ds))
    out = read_output(tmp_path / "out.jsonl")
    assert summary.ok == 20 and summary.retries >= 3
    assert sorted(o["custom_id"] for o in out) == sorted(f"r{i}" for i in range(20))
    assert all(o["response"]["status_code"] == 200 and o["error"] is None for o in out)


def test_a_bad_reply_that_never_heals_becomes_one_error_row(ds: FakeDeepSeek, tmp_path: Path) -> None:
    ds.start_outage("not_json")
    src = write_input(tmp_path / "in.jsonl", lines(3))
    summary = run_batch(src, tmp_path / "out.jsonl", deadline=0.3, concurrency=1, **options(ds))
    out = read_output(tmp_path / "out.jsonl")
    assert summary.stopped == "deadline" and summary.failed >= 1
    assert all(o["error"]["code"] == "deadline_exceeded" and "not JSON" in o["error"]["message"] for o in out)


# -- 5. account-wide failures stop the job; transient ones are retried -----------------------------------------


@pytest.mark.slow  # a batch run of 200 lines: the slow leg (pytest -m slow)
def test_402_stops_the_job_and_a_rerun_after_the_top_up_sends_everything(ds: FakeDeepSeek, tmp_path: Path) -> None:
    ds.balance = "0"
    src = write_input(tmp_path / "in.jsonl", lines(200))
    out = tmp_path / "out.jsonl"
    summary = run_batch(src, out, concurrency=8, **options(ds))
    assert summary.stopped == "balance" and "402" in summary.reason and "top up" in summary.fix
    assert len(chats(ds)) <= 8 and summary.not_sent == 200 and summary.failed == 0
    assert not out.exists() or out.read_text() == ""
    ds.balance = "10"
    ds.reset()
    again = run_batch(src, out, concurrency=8, **options(ds))
    assert again.ok == 200 and again.stopped is None and len(read_output(out)) == 200


def test_401_stops_the_job_with_the_fix(ds: FakeDeepSeek, tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.jsonl", lines(50))
    summary = run_batch(src, tmp_path / "out.jsonl", concurrency=4, **{**options(ds), "api_key": "sk-wrong-000000000"})
    assert summary.stopped == "auth" and "DEEPSEEK_API_KEY" in summary.fix
    assert len(chats(ds)) <= 4 and summary.not_sent == 50


def test_an_outage_of_503s_is_waited_out_without_error_rows(ds: FakeDeepSeek, tmp_path: Path) -> None:
    ds.start_outage(503, seconds=0.3)
    src = write_input(tmp_path / "in.jsonl", lines(30))
    summary = run_batch(src, tmp_path / "out.jsonl", concurrency=4, max_attempts=None, **options(ds))
    assert summary.ok == 30 and summary.failed == 0 and summary.retries > 0


def test_a_run_of_connection_failures_past_the_grace_stops_the_job(ds: FakeDeepSeek, tmp_path: Path) -> None:
    ds.start_outage("reset")
    src = write_input(tmp_path / "in.jsonl", lines(40))
    out = tmp_path / "out.jsonl"
    summary = run_batch(src, out, concurrency=4, grace=0.2, **options(ds))
    assert summary.stopped == "unreachable" and summary.not_sent == 40 and summary.failed == 0
    assert not out.exists() or out.read_text() == ""
    ds.end_outage()
    assert run_batch(src, out, concurrency=4, grace=0.2, **options(ds)).ok == 40


# -- 6. throttling is admission control ------------------------------------------------------------------------


@pytest.mark.slow  # a batch run of 200 lines: the slow leg (pytest -m slow)
def test_a_429_storm_admits_no_new_line_beyond_the_limit(ds: FakeDeepSeek, tmp_path: Path) -> None:
    ds.latency = 0.01
    src = write_input(tmp_path / "in.jsonl", lines(200))
    began = time.time()
    ds.start_outage(429, seconds=0.4)
    summary = run_batch(src, tmp_path / "out.jsonl", concurrency=8, **options(ds))
    during = {r.json["messages"][0]["content"] for r in chats(ds) if r.received < began + 0.35}
    assert summary.ok == 200 and summary.rate_limited > 8
    assert len(during) <= 8  # the lines admitted when the storm began, retried; no new ones


def test_retry_after_is_honoured_by_the_whole_job(ds: FakeDeepSeek, tmp_path: Path) -> None:
    ds.add_error(429, headers={"retry-after-ms": "300"})
    src = write_input(tmp_path / "in.jsonl", lines(6))
    summary = run_batch(src, tmp_path / "out.jsonl", concurrency=1, **options(ds))
    times = [r.received for r in chats(ds)]
    assert summary.ok == 6 and len(times) == 7
    assert all(t - times[0] >= 0.3 for t in times[1:])  # the pause asked for, at least


# -- 7. the budget is never exceeded ---------------------------------------------------------------------------


def expensive(ds: FakeDeepSeek, count: int, tokens: int = 2000) -> None:
    for _ in range(count):
        ds.add_reply("ok", usage={"completion_tokens": tokens})


def probe_cost(ds: FakeDeepSeek, tmp_path: Path) -> Decimal:
    expensive(ds, 1)
    src = write_input(tmp_path / "probe.jsonl", [line("p", max_tokens=2000)])
    return run_batch(src, tmp_path / "probe.out", **options(ds)).cost["USD"]


def test_the_budget_holds_with_500s_and_retries(ds: FakeDeepSeek, tmp_path: Path) -> None:
    budget = probe_cost(ds, tmp_path) * 10
    src = write_input(tmp_path / "in.jsonl", [line(f"r{i}", max_tokens=2000) for i in range(40)])
    expensive(ds, 1)
    ds.add_error(500, times=12)  # requests waiting to retry must still count against the budget
    expensive(ds, 60)
    opts = {**options(ds), "retry_base": 0.05}
    summary = run_batch(src, tmp_path / "out.jsonl", max_cost=budget, concurrency=4, **opts)
    assert summary.stopped == "max_cost" and summary.not_sent > 0
    assert summary.cost["USD"] <= budget


def test_the_budget_holds_through_a_429_storm(ds: FakeDeepSeek, tmp_path: Path) -> None:
    budget = probe_cost(ds, tmp_path) * 8
    ds.latency = 0.02  # requests still in flight when the first reply's progress tick starts the storm
    src = write_input(tmp_path / "in.jsonl", [line(f"r{i}", max_tokens=2000) for i in range(60)])
    expensive(ds, 100)
    stormed: list[bool] = []

    def storm(p: BatchProgress) -> None:
        if p.ok and not stormed:
            stormed.append(True)
            ds.start_outage(429, seconds=0.2)

    opts = {**options(ds), "retry_base": 0.05, "progress": storm, "progress_interval": 0.005}
    summary = run_batch(src, tmp_path / "out.jsonl", max_cost=budget, concurrency=4, **opts)
    assert stormed and summary.rate_limited > 0
    assert summary.stopped == "max_cost" and summary.cost["USD"] <= budget


def test_a_rerun_with_the_budget_spent_sends_nothing_and_says_so(ds: FakeDeepSeek, tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.jsonl", [line(f"r{i}", max_tokens=2000) for i in range(30)])
    expensive(ds, 1)
    one = run_batch(write_input(tmp_path / "p.jsonl", [line("p", max_tokens=2000)]), tmp_path / "p.out", **options(ds))
    budget = one.cost["USD"] * Decimal("3.5")
    expensive(ds, 30)
    out = tmp_path / "out.jsonl"
    first = run_batch(src, out, max_cost=budget, **options(ds))
    assert first.stopped == "max_cost" and first.ok >= 1
    ds.reset()
    again = run_batch(src, out, max_cost=budget, **options(ds))
    assert again.stopped == "max_cost" and chats(ds) == [] and again.ok == 0
    assert "budget" in again.reason and again.not_sent == 30 - first.ok


# -- 9/10. progress stays within the input; a stop drains what is in flight ------------------------------------


def test_a_stop_waits_for_the_requests_in_flight_and_writes_them(ds: FakeDeepSeek, tmp_path: Path) -> None:
    ds.latency = 0.1
    src = write_input(tmp_path / "in.jsonl", lines(40))
    out = tmp_path / "out.jsonl"

    async def main() -> Any:
        stop = asyncio.Event()

        def watch(p: BatchProgress) -> None:
            assert p.done <= p.total
            if p.in_flight >= 4:
                stop.set()

        return await arun_batch(
            src, out, concurrency=4, stop=stop, progress=watch, progress_interval=0.01, **options(ds)
        )

    summary = asyncio.run(main())
    assert summary.stopped == "interrupted"
    assert len(read_output(out)) == len(chats(ds)) == summary.ok  # every request sent was answered and written
    assert summary.ok + summary.not_sent == 40


# -- isolation: lines are separate conversations -----------------------------------------------------------------


def test_one_lines_reasoning_is_never_filled_into_another_lines_request(ds: FakeDeepSeek, tmp_path: Path) -> None:
    ds.add_reply("Paris.", reasoning="secret reasoning of line a")
    weather = {"type": "function", "function": {"name": "w", "parameters": {"type": "object", "properties": {}}}}
    history = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "Paris."},  # line a's reply, as another user's history
        {"role": "user", "content": "and the weather?"},
    ]
    second = {**line("b"), "body": {"model": "deepseek-flash", "messages": history, "tools": [weather]}}
    src = write_input(tmp_path / "in.jsonl", [line("a"), second])
    summary = run_batch(src, tmp_path / "out.jsonl", concurrency=1, **options(ds))
    assert all(b"secret reasoning" not in r.body for r in chats(ds)[1:])
    rows = {o["custom_id"]: o for o in read_output(tmp_path / "out.jsonl")}
    assert summary.ok == 1 and rows["b"]["error"]["code"] == "invalid_request" and len(chats(ds)) == 1
