"""The batch runner on Ray: ``run_batch(dataset, concurrency=...)`` returns a ``ray.data.Dataset`` of replies.

Needs the ``ray`` extra (from a checkout: ``pip install -e '.[ray]'``); the rest of the package never imports Ray.
The runner lives in the batch wing (``deepseek_openai.batch._ray_run``); this module is its public name.
"""

from __future__ import annotations

from .batch._ray_run import RayBatch, Secret, run_batch, start_batch

__all__ = ["RayBatch", "Secret", "run_batch", "start_batch"]
