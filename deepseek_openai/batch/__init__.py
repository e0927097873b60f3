"""Batch jobs: an OpenAI Batch file sent to DeepSeek (which has no Batch API), locally or on Ray.

:func:`run_batch` / :func:`arun_batch` send a JSONL input file and append OpenAI Batch output lines as replies
arrive; ``deepseek_openai.ray`` runs the same job over a ``ray.data.Dataset``. The core package never imports this
wing: its names load from ``deepseek_openai`` on first use.
"""

from __future__ import annotations

from ._input import BatchFileError, BatchInputError
from ._output import BatchLockedError
from ._run import arun_batch, run_batch
from ._totals import BatchProgress, BatchSummary

__all__ = [
    "BatchFileError",
    "BatchInputError",
    "BatchLockedError",
    "BatchProgress",
    "BatchSummary",
    "arun_batch",
    "run_batch",
]
