"""deepseek_openai.ray on a local Ray instance against the double. Its own CI leg (.ci/run): needs the ray extra.

Run:  DEEPSEEK_OPENAI_RAY_TESTS=1 python -m pytest -q -p no:cacheprovider tests/ray
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ray = pytest.importorskip("ray")

from deepseek_openai.ray import Secret, run_batch  # noqa: E402
from deepseek_openai.testing import FakeDeepSeek  # noqa: E402

# Ray's own deprecation notices (ray.data.context, ...) are not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")


@pytest.fixture(scope="module")
def local_ray() -> Iterator[Any]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        yield ray
    finally:
        ray.shutdown()


def rows(count: int, as_json: bool = True) -> list[dict[str, Any]]:
    made = []
    for i in range(count):
        body = {"model": "deepseek-flash", "messages": [{"role": "user", "content": f"q{i}"}]}
        made.append({"custom_id": f"r{i}", "body": json.dumps(body) if as_json else body})
    return made


def test_one_limit_across_all_workers(local_ray: Any) -> None:
    with FakeDeepSeek() as ds:
        ds.latency = 0.05
        data = local_ray.data.from_items(rows(40))
        out = run_batch(data, concurrency=3, api_key=ds.api_key, base_url=ds.base_url, workers=2, rows_per_call=8)
        got = out.take_all()
        assert sorted(r["custom_id"] for r in got) == sorted(f"r{i}" for i in range(40))
        replies = [json.loads(r["response"]) for r in got]
        assert {r["status_code"] for r in replies} == {200} and all(r["error"] is None for r in got)
        by_id = {r["custom_id"]: json.loads(r["response"])["body"] for r in got}
        assert by_id["r7"]["choices"][0]["message"]["content"] == "Echo: q7"
        assert len(ds.requests) == 40 and 1 <= ds.gate.peak <= 3  # the double saw at most 3 at once, job-wide


def test_429s_from_a_balance_cap_are_retried(local_ray: Any) -> None:
    with FakeDeepSeek() as ds:
        ds.latency = 0.05
        ds.gate.set_limit(2, by_balance=True)
        data = local_ray.data.from_items(rows(24, as_json=False))
        got = run_batch(
            data, concurrency=8, api_key=ds.api_key, base_url=ds.base_url, workers=2, retry_base=0.01
        ).take_all()
        assert len(got) == 24 and all(json.loads(r["response"])["status_code"] == 200 for r in got)
        assert ds.gate.refused > 0 and ds.gate.peak <= 2


def test_the_key_stays_out_of_reprs_and_ray_logs(local_ray: Any) -> None:
    key = "sk-ray-secret-0123456789abcdef"
    assert key not in repr(Secret(key)) and repr(Secret(key)).endswith("cdef)")
    with FakeDeepSeek(api_key=key) as ds:
        data = local_ray.data.from_items(rows(4))
        got = run_batch(data, concurrency=2, api_key=key, base_url=ds.base_url).take_all()
        assert len(got) == 4
    from ray._private import worker

    logs = Path(worker._global_node.get_session_dir_path()) / "logs"
    leaked = [p.name for p in logs.rglob("*") if p.is_file() and key.encode() in p.read_bytes()]
    assert not leaked, leaked
