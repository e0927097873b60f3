"""The batch runner on Ray: ``run_batch(dataset, concurrency=...)`` returns a ``ray.data.Dataset`` of replies.

Needs the ``ray`` extra (from a checkout: ``pip install -e '.[ray]'``); the rest of the package never imports Ray.
DeepSeek's concurrency cap is per account (quick_start/rate_limit), so one job actor holds the adaptive limit for
the whole job and workers lease slots from it in blocks: the job never has more than ``concurrency`` requests in
flight, and actor round trips are per block, not per request. The actor lives as long as the returned dataset (or
the :class:`RayBatch` of :func:`start_batch`) and logs progress lines (INFO records of the ``deepseek_openai.ray``
logger), which Ray forwards to the driver.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, ParamSpec

from .._errors import InvalidRequestError, redact
from ._budget import CURRENCIES, price
from ._idset import HashSet
from ._input import id_hash
from ._limit import ceiling
from ._totals import BatchProgress, BatchSummary

if TYPE_CHECKING:
    import ray.data

__all__ = ["RayBatch", "Secret", "run_batch", "start_batch"]

NOT_SENT = "max_cost"
"""The ``error.code`` of a row not sent because of ``max_cost``; ``skip=`` does not skip such rows."""
UNSENT = frozenset({NOT_SENT, "auth", "balance", "forbidden", "endpoint", "unreachable", "interrupted"})
"""The ``error.code`` values of rows the job did not send (or gave up when it stopped); ``skip=`` sends them again."""


class Secret:
    """An API key on its way to Ray workers: its repr and str show only ``sk-…abcd``, so task and actor logs do not.

    Args:
        value: the key.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the key itself (only for building the client)."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({redact(self._value)})"

    __str__ = __repr__


class RayBatch:
    """A batch job on Ray: the lazy output ``dataset`` and the job actor behind it (progress, summary, close).

    The actor lives until :meth:`close` (or the end of a ``with`` block), or until this handle and the dataset are
    both garbage collected. Each consumption of ``dataset`` sends its rows again: write it out or ``materialize()``
    it once. The totals count every consumption.
    """

    def __init__(self, dataset: ray.data.Dataset, job: Any) -> None:
        self.dataset = dataset
        """Rows ``{"custom_id", "response", "error"}``; nothing is sent until it is consumed."""
        self._job = job

    def progress(self) -> BatchProgress:
        """Return the job's progress now (``total`` is 0 when the dataset could not be counted without running)."""
        return self._ask("progress")  # type: ignore[no-any-return]

    def summary(self) -> BatchSummary:
        """Return the totals: ok/failed, skipped, ``not_sent`` (``max_cost`` rows), 429s, tokens, cost per currency."""
        return self._ask("summary")  # type: ignore[no-any-return]

    def close(self) -> None:
        """End the job actor now (idempotent); the dataset cannot be consumed after this."""
        import ray

        if self._job is not None:
            ray.kill(self._job, no_restart=True)
            self._job = None

    def __enter__(self) -> RayBatch:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RayBatch({'closed' if self._job is None else 'open'})"

    def _ask(self, method: str) -> Any:
        import ray

        if self._job is None:
            raise InvalidRequestError("this RayBatch is closed.", fix="ask for progress() or summary() before close().")
        return ray.get(getattr(self._job, method).remote())


def _answered(row: dict[str, Any]) -> bool:
    # A row the previous run did not send (max_cost) is sent now; any other row is final, as in the CLI.
    error = row.get("error")
    if isinstance(error, str):
        error = json.loads(error)
    return not (isinstance(error, dict) and error.get("code") in UNSENT)


def _output_rows(skip: Any) -> Iterator[dict[str, Any]]:
    if isinstance(skip, (str, os.PathLike)):
        with open(skip, "rb") as f:
            for raw in f:
                try:
                    row = json.loads(raw)
                except ValueError:  # a blank line, or a torn last line of a killed run: that row was not answered
                    continue
                yield row
        return
    columns = [c for c in ("custom_id", "response", "error") if c in skip.schema().names]
    for batch in skip.select_columns(columns).iter_batches(batch_format="pandas", batch_size=4096):
        yield from batch.to_dict("records")


def _skipped(skip: Any, model: str | None, currency: str) -> tuple[HashSet | None, Decimal]:
    """Return the hashes of the ids to skip and what their replies cost (in ``currency``)."""
    if skip is None:
        return None, Decimal(0)
    done, prior = HashSet(), Decimal(0)
    if isinstance(skip, (str, os.PathLike)) or hasattr(skip, "iter_batches"):
        for row in _output_rows(skip):
            if not _answered(row):
                continue
            done.add(id_hash(str(row["custom_id"])))
            response = row.get("response")
            response = json.loads(response) if isinstance(response, str) else response
            if isinstance(response, dict) and response.get("status_code") == 200:
                prior += price(response.get("body") or {}, model or "").get(currency, Decimal(0))
    else:
        for custom_id in skip:
            done.add(id_hash(str(custom_id)))
    done.freeze()
    return done, prior


def _budget(max_cost: Decimal | float | str | None) -> Decimal | None:
    if max_cost is None:
        return None
    try:
        value = Decimal(str(max_cost))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value <= 0:
        raise InvalidRequestError(f"max_cost={max_cost!r} is not a positive amount.", fix="pass e.g. max_cost=5.")
    return value


def _count(dataset: Any) -> int:
    # The row count when Ray knows it without running anything (from_items, parquet metadata); else 0 (unknown).
    try:
        return int(dataset._meta_count() or 0)
    except Exception:  # noqa: BLE001 - a private Ray method: any failure only means "not known"
        return 0


def _start(o: dict[str, Any]) -> RayBatch:
    from .._models import model_info
    from .._settings import resolve_settings

    for name in ("concurrency", "workers"):
        if o[name] < 1:
            raise InvalidRequestError(f"{name}={o[name]!r} is below 1.", fix=f"pass {name}=1 or more.")
    currency, budget, model = str(o["currency"]).upper(), _budget(o["max_cost"]), o["model"]
    if currency not in CURRENCIES:
        raise InvalidRequestError(f"currency={o['currency']!r} is not known.", fix="pass currency='USD' or 'CNY'.")
    if model is not None:
        model_info(model)
    settings = resolve_settings(o["api_key"], base_url=o["base_url"])
    import ray  # only now: bad arguments are refused even where the ray extra is missing

    from ._ray_job import ActorJob
    from ._ray_worker import Sender

    top = ceiling(frozenset({model}) if model else frozenset(), o["concurrency"])
    done, prior = _skipped(o["skip"], model, currency)
    job_options = {"total": _count(o["dataset"]), "currency": currency, "max_cost": budget, "prior": prior}
    job_options["progress_interval"] = o["progress_interval"]
    job = ray.remote(ActorJob).options(num_cpus=0).remote(top, job_options)  # no CPU: it only counts
    message = (
        f"not sent: the job's cost so far could pass max_cost={budget} {currency}; to send it, run again with "
        "skip= this output and a higher max_cost"
    )
    options = {
        "model": model,
        "timeout": o["timeout"],
        "max_attempts": None if o["max_attempts"] is None else max(1, o["max_attempts"]),
        "grace": o["grace"],
        "deadline_wall": None if o["deadline"] is None else time.time() + o["deadline"],
        "retry_base": o["retry_base"],
        "seed": o["seed"],
        "currency": currency,
        "max_cost": budget,
        "budget_message": message,
        "off_peak": o["off_peak"],
        "clock": o["clock"],
    }
    result: ray.data.Dataset = o["dataset"].map_batches(
        Sender,
        fn_constructor_kwargs={
            "job": job,  # the dataset holds the actor: it lives as long as the dataset (or the RayBatch)
            "secret": Secret(settings.api_key),
            "base_url": settings.base_url,
            "skip": None if done is None else functools.partial(_fetch, ray.put(done)),
            "options": options,
        },
        batch_size=o["rows_per_call"] or max(128, -(-4 * top // o["workers"])),
        batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=o["workers"]),
        num_cpus=o["num_cpus"],
    )
    return RayBatch(result if o["ray_logs"] else _quiet(result), job)


def _quiet(dataset: Any) -> Any:
    """Return ``dataset`` with Ray Data's progress bars and start-of-execution lines off, for this job only."""
    import ray.data
    from ray.util.debug import log_once

    try:  # a deep copy gets its own DataContext: a map_batches output shares the input's, which stays as it was
        quiet = ray.data.Dataset.copy(dataset, _deep_copy=True)
        context = quiet.context
    except (AttributeError, TypeError):  # a Ray without these: its own lines stay on
        return dataset
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    log_once("ray_data_progress_manager_disabled")  # Ray Data's notice that bars are off: ray_logs=True turns them on
    return quiet


def _fetch(ref: Any) -> Any:
    # Workers read the skip set through here: only this module imports ray.
    import ray

    return ray.get(ref)


def start_batch(
    dataset: ray.data.Dataset,
    *,
    concurrency: int,
    api_key: str | None = None,
    base_url: str | None = None,
    model: str | None = None,
    skip: str | os.PathLike[str] | ray.data.Dataset | Iterable[str] | None = None,
    off_peak: bool = False,
    max_cost: Decimal | float | str | None = None,
    currency: str = "USD",
    workers: int = 2,
    num_cpus: float = 0.5,
    rows_per_call: int | None = None,
    timeout: float | None = None,
    deadline: float | None = None,
    grace: float = 300.0,
    max_attempts: int | None = None,
    retry_base: float = 0.5,
    progress_interval: float | None = 5.0,
    ray_logs: bool = False,
) -> RayBatch:
    """Start a batch job on Ray: every row of a dataset sent as a chat request, ONE concurrency limit for all workers.

    Same semantics as :func:`deepseek_openai.run_batch`: adaptive limit (halved on 429, capped by the model's
    account cap), retries with jittered back-off, a row that keeps failing gets an ``error``; resume, off-peak,
    budget. The key is resolved here (argument, ``DEEPSEEK_API_KEY`` or ``.env``) and reaches workers wrapped in
    :class:`Secret`. The job actor logs a progress line every ``progress_interval`` seconds while rows finish (Ray
    forwards it to the driver) and the summary once every row is out; the returned handle asks for them.

    Args:
        dataset: rows ``{"custom_id": str, "body": dict or JSON string}`` (a JSON string is sent byte for byte;
            a dict that went through Arrow loses ``None``-valued keys, which Arrow adds for missing fields).
        concurrency: most requests in flight for the whole job; never above the model's cap.
        api_key: the DeepSeek key; ``None`` uses the usual lookup on the driver.
        base_url: the base URL; ``None`` uses the usual lookup on the driver.
        model: replaces every body's model (for OpenAI model names).
        skip: ``custom_id`` values not to send again (resume): a previous output (a dataset of this function's
            rows read back from storage or materialized, since a lazy output would run again; or an OpenAI Batch
            output JSONL path such as the CLI writes) or an iterable of ids. Rows of a previous output with error
            code ``max_cost`` were not sent, so they are sent now; the replies' cost counts toward ``max_cost``.
            Skipped rows are left out of the output.
        off_peak: send first attempts only while :func:`~deepseek_openai.is_peak` is false (holidays included);
            at a peak boundary the workers wait and the actor logs when the next off-peak window opens.
        max_cost: never let the job's cost (replies in ``skip`` included) pass this, in ``currency``: each
            request's worst case (its ``max_tokens``, or the model's default output, at peak price) is reserved
            with the job actor before it is sent. Rows not sent get ``error`` ``{"code": "max_cost", ...}``.
        currency: ``"USD"`` or ``"CNY"``: the price list for ``max_cost`` and progress.
        workers: Ray Data actors sending requests.
        num_cpus: CPUs Ray reserves per worker (they mostly wait on the network).
        rows_per_call: rows per block a worker sends at once (default: four times its share of ``concurrency``,
            at least 128).
        timeout: seconds per request (default: the client's, read 1800 s, connect 10 s).
        deadline: seconds for the whole job from now: no attempt starts after it; rows still failing then get an
            error (``deadline_exceeded``).
        grace: seconds of connection failures with no answer before the job stops (``unreachable``).
        max_attempts: tries per request before an error row (``retries_exhausted``); ``None``: retry transient
            failures (429, 5xx, timeouts, connection errors, bodies that are not JSON) until the deadline.
        retry_base: first back-off pause in seconds.
        progress_interval: seconds between the actor's progress lines; ``None`` for none.
        ray_logs: also show Ray Data's own output for this job (its progress bars, or progress log lines when
            stdout is not a terminal, and the start-of-execution lines); off by default, which leaves the actor's
            progress lines as the job's output.

    Returns:
        A :class:`RayBatch`: its ``dataset`` (the rows :func:`run_batch` returns), the job's progress and summary.

    Raises:
        InvalidRequestError: ``concurrency`` or ``workers`` below 1, a bad ``max_cost`` or ``currency``.
        MissingAPIKeyError: no key found.
        UnknownModelError: ``model`` is not a DeepSeek model id.
    """
    return _start({**locals(), "clock": None, "seed": None})


_P = ParamSpec("_P")


def _dataset_of(start: Callable[_P, RayBatch]) -> Callable[_P, ray.data.Dataset]:
    # run_batch is start_batch's dataset: the same typed parameters, one definition.
    @functools.wraps(start)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> ray.data.Dataset:
        return start(*args, **kwargs).dataset

    return run


run_batch = _dataset_of(start_batch)
run_batch.__doc__ = """Send every row of a Ray dataset as a chat request, with ONE concurrency limit across all workers.

    ``start_batch(...).dataset``: the same arguments (see :func:`start_batch`), the same semantics as
    :func:`deepseek_openai.run_batch` (adaptive limit, retries, resume, off-peak, budget).

    Returns:
        A lazy ``ray.data.Dataset`` of ``{"custom_id", "response", "error"}``; ``response`` is OpenAI's Batch
        ``{"status_code", "request_id", "body"}`` as a JSON string (``None`` without a reply), ``error`` a JSON
        string ``{"code", "message"}`` or ``None`` (``invalid_row`` for a body that is not a JSON object: never
        sent; ``bad_reply``, ``row_failed``, ``deadline_exceeded``, ``retries_exhausted``; and the codes of rows
        not sent, which ``skip=`` sends again: ``max_cost``, ``auth`` (401), ``balance`` (402), ``forbidden``,
        ``endpoint``, ``unreachable``). An account-wide failure (401, 402, ...) stops the whole job. It holds
        the job actor, which ends when the dataset is garbage collected; each consumption sends the rows again
        (write it out or ``materialize()`` it once).

    Raises:
        InvalidRequestError: ``concurrency`` or ``workers`` below 1, a bad ``max_cost`` or ``currency``.
        MissingAPIKeyError: no key found.
        UnknownModelError: ``model`` is not a DeepSeek model id.
    """


def _start_batch(
    dataset: ray.data.Dataset, *, clock: Callable[[], datetime] | None = None, seed: int | None = None, **options: Any
) -> RayBatch:
    """:func:`start_batch` with the seams tests replace: ``clock`` and ``seed``.

    ``clock`` returns the current UTC time for ``off_peak`` (it must pickle: the workers call it), ``seed`` seeds
    the back-off jitter; every other argument is :func:`start_batch`'s (an unknown one is a ``TypeError``).
    """
    bound = inspect.signature(start_batch).bind(dataset, **options)
    bound.apply_defaults()
    return _start({**bound.arguments, "clock": clock, "seed": seed})
