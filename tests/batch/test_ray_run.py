"""The Ray entry points without Ray: their signatures (typed keywords, no test seams); tests/ray runs them on Ray."""

from __future__ import annotations

import inspect

from deepseek_openai import ray as on_ray
from deepseek_openai.batch import _ray_run


def test_run_and_start_take_the_same_typed_keywords_without_seams() -> None:
    run, start = inspect.signature(on_ray.run_batch), inspect.signature(on_ray.start_batch)
    assert list(run.parameters.values()) == list(start.parameters.values())
    kinds = {p.kind for name, p in start.parameters.items() if name != "dataset"}
    assert kinds == {inspect.Parameter.KEYWORD_ONLY}  # no **options: every keyword is named and typed
    assert not {"clock", "seed"} & set(start.parameters)
    assert {"concurrency", "skip", "max_cost", "off_peak", "workers", "ray_logs"} <= set(start.parameters)
    seams = inspect.signature(_ray_run._start_batch).parameters
    assert {"clock", "seed"} <= set(seams)  # tests reach them here


def test_the_public_module_is_the_wing_s_runner() -> None:
    assert on_ray.__all__ == ["RayBatch", "Secret", "run_batch", "start_batch"]
    assert on_ray.start_batch is _ray_run.start_batch and on_ray.RayBatch is _ray_run.RayBatch
