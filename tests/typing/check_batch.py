"""Type-checked (mypy --strict), not run: the batch entry points take typed keywords and no test seams."""

from __future__ import annotations

from typing_extensions import assert_type

from deepseek_openai import BatchSummary, arun_batch, run_batch


def typed_keywords() -> None:
    assert_type(run_batch("in.jsonl", "out.jsonl", model="deepseek-flash", max_cost=5), BatchSummary)
    run_batch("in.jsonl", "out.jsonl", concurrency="8")  # type: ignore[arg-type]
    run_batch("in.jsonl", "out.jsonl", seed=7)  # type: ignore[call-arg]


async def typed_keywords_async() -> None:
    assert_type(await arun_batch("in.jsonl", "out.jsonl", off_peak=True), BatchSummary)
    await arun_batch("in.jsonl", "out.jsonl", clock=None)  # type: ignore[call-arg]


def the_wing_exports_the_same_names() -> None:
    from deepseek_openai.batch import BatchSummary as WingSummary
    from deepseek_openai.batch import run_batch as wing_run_batch

    assert_type(wing_run_batch("in.jsonl", "out.jsonl", concurrency=4), WingSummary)
