"""The Ray batch's leases without Ray: several workers' Leases call one Job directly, against the double.

The same code runs as a Ray actor and Ray Data workers in tests/ray (its own CI leg); here the logic is checked on
every leg: the job-wide cap, shrinking on 429, parked leases handed over, the budget, off-peak, the counts.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from deepseek_openai.batch._budget import worst_cost
from deepseek_openai.batch._ray_job import Answer, BatchJob, Report
from deepseek_openai.batch._ray_lease import Lease, Stopped
from deepseek_openai.batch._send import send_one
from deepseek_openai.testing import FakeDeepSeek


def make_job(ceiling: int, **options: Any) -> BatchJob:
    return BatchJob(ceiling, {"total": 0, "currency": "USD", "max_cost": None, "poll": 0.05, **options})


def leases(job: BatchJob, count: int, **options: Any) -> list[Lease]:
    calls: list[Report] = []

    async def call(report: Report) -> Answer:
        calls.append(report)
        return await job.sync(report)

    made = [Lease(call, f"w{i}", tick=0.01, **options) for i in range(count)]
    for lease in made:
        lease.calls = calls  # type: ignore[attr-defined]
    return made


async def send(
    ds: FakeDeepSeek, workers: list[Lease], rows: int, block: int, on_send: Callable[[], None] = lambda: None
) -> list[Any]:
    """Each lease sends its share of ``rows`` in blocks, as Sender does; return every row's result or error code."""
    client = ds.async_client(max_retries=0)

    async def one(lease: Lease, i: int) -> Any:
        body = {"model": "deepseek-flash", "messages": [{"role": "user", "content": f"q{i}"}], "max_tokens": 20}
        worst = worst_cost(body, len(json.dumps(body)), "USD")
        try:
            epoch = await lease.first(worst)
        except Stopped as stop:
            return str(stop)
        on_send()
        result = await send_one(
            client,
            body,
            lease,
            epoch,
            health=lease.health,
            max_attempts=8,
            retry_base=0.01,
            rng=random.Random(i),
            counters=lease.counters,
        )
        lease.finished(result, "deepseek-flash", "USD", worst)
        return result

    async def worker(lease: Lease, ids: list[int]) -> list[Any]:
        out: list[Any] = []
        for start in range(0, len(ids), block):
            out += await lease.run(asyncio.gather(*(one(lease, i) for i in ids[start : start + block])))
        return out

    async with client:
        parts = await asyncio.gather(*(worker(w, list(range(n, rows, len(workers)))) for n, w in enumerate(workers)))
    return [r for part in parts for r in part]


def test_several_workers_never_pass_the_job_wide_cap(ds: FakeDeepSeek) -> None:
    ds.latency = 0.01
    job = make_job(5)
    workers = leases(job, 3)
    results = asyncio.run(send(ds, workers, 90, block=12))
    assert [r[0] for r in results] == [200] * 90 and len(ds.requests) == 90
    assert ds.gate.peak <= 5 and job.peak <= 5 and ds.gate.peak >= 3
    assert len({c.worker for c in workers[0].calls}) == 3  # type: ignore[attr-defined]
    summary = job.summary()
    assert (summary.ok, summary.failed, summary.concurrency) == (90, 0, 5) and summary.usage.prompt_tokens > 0
    assert all(n == 0 for x, n in job.leased.items() if x not in job.parked) and job.parked == {"w0", "w1", "w2"}


def test_round_trips_are_per_block_not_per_request(ds: FakeDeepSeek) -> None:
    ds.latency = 0.01
    job = make_job(4)
    (lease,) = leases(job, 1)
    lease.tick = 60.0  # no tick in this test: only the calls a block needs
    results = asyncio.run(send(ds, [lease], 40, block=40))
    calls = lease.calls  # type: ignore[attr-defined]
    # The lease's 4 slots bound what is in flight; how many were reached at once depends on the machine's load.
    assert [r[0] for r in results] == [200] * 40 and 1 <= ds.gate.peak <= 4
    assert [(c.want, c.parked) for c in calls] == [(40, False), (0, True)]  # 4 slots, then the block's end
    assert calls[-1].tally.ok == 40 and calls[-1].successes == 40


def test_a_balance_429_shrinks_the_limit_for_every_worker(ds: FakeDeepSeek) -> None:
    ds.latency = 0.02
    ds.gate.set_limit(2, by_balance=True)
    job = make_job(8)
    results = asyncio.run(send(ds, leases(job, 2), 40, block=10))
    assert [r[0] for r in results] == [200] * 40
    assert ds.gate.refused > 0 and job.limit.ceiling == 2 and job.limit.allowed <= 2
    assert job.summary().rate_limited == ds.gate.refused and job.summary().retries >= ds.gate.refused


def test_a_parked_lease_goes_to_the_worker_that_needs_it() -> None:
    job = make_job(4)

    async def main() -> tuple[Answer, Answer, Answer, Answer]:
        first = await job.sync(Report("a", want=4))
        await job.sync(Report("a", held=4, parked=True))  # a's block ended: it keeps the lease, sends nothing
        second = await job.sync(Report("b", want=3))
        still = await job.sync(Report("a", held=4, parked=True))  # a does not know yet: the actor's count wins
        back = await job.sync(Report("a", held=4, want=4))  # a's next block: it learns what is left
        return first, second, still, back

    first, second, still, back = asyncio.run(main())
    assert first.grant == 4 and second.grant == 3 and still.held == 1
    assert back.held == 1 and back.grant == 0 and job.leased == {"a": 1, "b": 3}


def test_a_parked_worker_sends_nothing_until_the_actor_answers() -> None:
    job = make_job(4, poll=0.5)

    async def main() -> int:
        (a,) = leases(job, 1)
        await a.run(asyncio.gather(*(a.acquire() for _ in range(4))))  # a holds 4 slots, in use
        for _ in range(4):
            a.release()
        await a.flush()  # parked, holding 4
        taken = await job.sync(Report("b", want=4))  # b gets a's parked lease
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(a.run(a.first()), 0.2)  # nothing left for a while b holds all 4
        return taken.grant

    assert asyncio.run(main()) == 4 and job.leased["b"] == 4 and job.leased["w0"] == 0


def test_slots_above_the_share_go_back_to_the_actor_not_to_local_waiters() -> None:
    job = make_job(4, poll=0.5)

    async def main() -> tuple[Answer, bool]:
        (a,) = leases(job, 1)

        async def work() -> tuple[Answer, bool]:
            for _ in range(4):
                await a.acquire()
            other = asyncio.ensure_future(job.sync(Report("b", want=2)))  # b waits for slots
            local = asyncio.ensure_future(a.acquire())  # and so does a fifth request of a
            await asyncio.sleep(0.05)  # a's ticks tell it its share: 2
            a.release()
            a.release()
            answer = await other
            served = local.done()
            local.cancel()
            return answer, served

        return await a.run(work())

    answer, served = asyncio.run(main())
    assert answer.grant == 2 and not served


def test_a_lease_above_the_share_is_given_back_when_another_worker_waits() -> None:
    job = make_job(4)

    async def main() -> tuple[Answer, Answer, Answer]:
        await job.sync(Report("a", want=10))
        waiting = await job.sync(Report("b", want=10))  # nothing free: waits `poll`, then answers empty
        told = await job.sync(Report("a", held=4, in_flight=4))
        freed = await job.sync(Report("a", held=2, in_flight=2))
        return waiting, told, freed

    waiting, told, freed = asyncio.run(main())
    assert waiting.grant == 0 and told.share == 2 and freed.share == 2
    assert sum(job.leased.values()) <= 4


BODY = {"model": "deepseek-flash", "messages": [{"role": "user", "content": "q10"}], "max_tokens": 20}


def test_max_cost_stops_first_attempts_before_the_budget_is_passed(ds: FakeDeepSeek) -> None:
    budget = worst_cost(BODY, len(json.dumps(BODY)), "USD") * Decimal("4.5")  # four requests' worst case
    job = make_job(4, max_cost=budget)
    results = asyncio.run(send(ds, leases(job, 2, budget=True), 30, block=6))
    summary = job.summary()
    assert summary.stopped == "max_cost" and summary.cost["USD"] <= budget and "max_cost" in summary.reason
    sent = [r for r in results if isinstance(r, tuple)]
    assert len(sent) >= 4 and results.count("max_cost") == 30 - len(sent) and len(ds.requests) == len(sent)


def test_reservations_hold_while_requests_wait_to_retry(ds: FakeDeepSeek) -> None:
    for _ in range(40):
        ds.add_error(500)
        ds.add_reply("ok", usage={"completion_tokens": 20})
    worst = worst_cost(BODY, len(json.dumps(BODY)), "USD")
    job = make_job(8, max_cost=worst * 6)
    results = asyncio.run(send(ds, leases(job, 2, budget=True), 30, block=10))
    assert job.summary().cost["USD"] <= worst * 6 and results.count("max_cost") > 0


def test_a_402_on_one_worker_stops_every_worker(ds: FakeDeepSeek) -> None:
    ds.latency = 0.01
    ds.balance = "0"
    job = make_job(4)
    results = asyncio.run(send(ds, leases(job, 2), 40, block=10))
    summary = job.summary()
    assert summary.stopped == "balance" and "402" in summary.reason and "top up" in summary.fix
    assert results.count("balance") + results.count(None) == 40 and len(ds.requests) <= 8


def test_off_peak_holds_first_attempts_until_the_window(ds: FakeDeepSeek, caplog: pytest.LogCaptureFixture) -> None:
    # Monday 2026-12-07 09:59:30 UTC is peak (06:00-10:00 UTC); the clock runs 60x: the window opens in ~0.5 s.
    start, t0 = datetime(2026, 12, 7, 9, 59, 30, tzinfo=timezone.utc), time.monotonic()
    window = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
    sent_at: list[datetime] = []

    def clock() -> datetime:
        return start + timedelta(seconds=(time.monotonic() - t0) * 60)

    job = make_job(4)
    workers = leases(job, 2, off_peak=True, clock=clock)
    results = asyncio.run(send(ds, workers, 6, block=3, on_send=lambda: sent_at.append(clock())))
    assert [r[0] for r in results] == [200] * 6 and len(sent_at) == 6 and min(sent_at) >= window
    assert not job.paused  # every worker reported the end of the pause
    logged = [r.getMessage() for r in caplog.records if r.name == "deepseek_openai.ray"]
    assert any("paused until 2026-12-07 10:00 UTC (next off-peak window)" in line for line in logged), logged


def test_progress_never_passes_the_input_when_ray_sends_a_block_twice() -> None:
    from deepseek_openai.batch._totals import Tally

    job = make_job(4, total=5)
    tally = Tally()
    for _ in range(7):  # a killed worker's block, run again by Ray on another worker
        tally.add(200, {}, None, "deepseek-flash", "USD")

    async def main() -> None:
        await job.sync(Report("a", tally=tally))

    asyncio.run(main())
    assert job.progress().done == 5 and job.progress().total == 5 and job.summary().total == 5


def test_the_job_logs_progress_and_the_summary_as_info_records(caplog: pytest.LogCaptureFixture) -> None:
    from deepseek_openai.batch._totals import Tally

    job = make_job(4, total=2)
    tally = Tally()
    for _ in range(2):
        tally.add(200, {}, None, "deepseek-flash", "USD")
    asyncio.run(job.sync(Report("a", tally=tally)))
    records = [r for r in caplog.records if r.name == "deepseek_openai.ray"]
    assert {r.levelno for r in records} == {logging.INFO}
    lines = [r.getMessage() for r in records]
    assert lines[0].startswith("2/2 done, 0 failed") and lines[1].startswith("batch: 2 ok, 0 failed"), lines


ACTOR_SCRIPT = """
import logging, sys
from deepseek_openai.batch._ray_job import ActorJob
if sys.argv[1] == "configured":
    logging.basicConfig(level=logging.WARNING)
job = ActorJob(4, {"total": 3, "currency": "USD"})
job._log(job.progress(), summary=True)
"""


@pytest.mark.slow  # fresh interpreters: the slow leg (pytest -m slow)
def test_the_actor_sends_its_lines_to_stderr_unless_logging_is_set_up() -> None:
    # A Ray worker process has no logging set up: the actor's lines go to its stderr, which Ray forwards.
    def run(mode: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", ACTOR_SCRIPT, mode], capture_output=True, text=True, check=True)

    bare = run("bare")
    assert bare.stdout == "" and bare.stderr.startswith("deepseek_openai.ray: 0/3 done, 0 failed"), bare.stderr
    assert "deepseek_openai.ray: batch: 0 ok, 0 failed" in bare.stderr
    configured = run("configured")  # the process's own logging decides: INFO is below its WARNING level
    assert configured.stdout == configured.stderr == ""
