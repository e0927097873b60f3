"""The Ray workers send through the batch runner's bytes-level HTTP path (issue 19 item 11), keeping its guarantees.

Run:  DEEPSEEK_OPENAI_RAY_TESTS=1 python -m pytest -q -p no:cacheprovider tests/ray
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

ray = pytest.importorskip("ray")

from deepseek_openai.ray import start_batch  # noqa: E402
from deepseek_openai.testing import FakeDeepSeek  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")


@pytest.fixture(scope="module")
def local_ray() -> Iterator[Any]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        yield ray
    finally:
        ray.shutdown()


def test_ray_workers_take_the_fast_path_and_send_only_the_deepseek_key(
    local_ray: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Set before the workers start, so their processes inherit it: none of it may reach DeepSeek.
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-should-never-leave")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-leak")
    monkeypatch.setenv("OPENAI_CUSTOM_HEADERS", "X-Leak: custom")
    with FakeDeepSeek() as ds:
        body = {"model": "deepseek-flash", "messages": [{"role": "user", "content": "q"}]}
        rows = [{"custom_id": f"r{i}", "body": json.dumps(body)} for i in range(8)]
        job = start_batch(ray.data.from_items(rows), concurrency=4, api_key=ds.api_key, base_url=ds.base_url)
        got = job.dataset.take_all()
        job.close()
        assert len(got) == 8 and all(json.loads(r["response"])["status_code"] == 200 for r in got)
        assert len(ds.requests) == 8
        for request in ds.requests:
            names = {n.lower() for n in request.headers}
            assert request.headers["authorization"] == f"Bearer {ds.api_key}"
            assert not names & {"openai-organization", "x-leak"}
            # The SDK path sends its x-stainless-* headers on every request; the bytes-level path sends none.
            assert not any(n.startswith("x-stainless") for n in names)
