"""Batch jobs: an OpenAI Batch file sent to DeepSeek (which has no Batch API), locally or on Ray.

:func:`run_batch` / :func:`arun_batch` send a JSONL input file and append OpenAI Batch output lines as replies
arrive; ``deepseek_openai.ray`` runs the same job over a ``ray.data.Dataset``. The core package never imports this
wing: its names load from ``deepseek_openai`` on first use.
"""

from __future__ import annotations

from .. import _EXPORTS
from ._input import BatchFileError as BatchFileError
from ._input import BatchInputError as BatchInputError
from ._output import BatchLockedError as BatchLockedError
from ._run import arun_batch as arun_batch
from ._run import run_batch as run_batch
from ._totals import BatchProgress as BatchProgress
from ._totals import BatchSummary as BatchSummary

__all__ = list(_EXPORTS[".batch"])  # one list of the wing's public names: the package's lazy table
