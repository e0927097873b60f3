"""The batch runner on Ray: ``run_batch(dataset, concurrency=...)`` returns a ``ray.data.Dataset`` of replies.

Needs the ``ray`` extra (``pip install 'deepseek-openai[ray]'``); the rest of the package never imports Ray.
DeepSeek's concurrency cap is per account (quick_start/rate_limit), so every worker takes its slots from ONE
named actor that holds the adaptive limit: the whole job never has more than ``concurrency`` requests in flight.
"""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from typing import TYPE_CHECKING, Any

from ._batch import AdaptiveLimit, ceiling
from ._batch_send import Counters, send_one
from ._errors import InvalidRequestError, redact

if TYPE_CHECKING:
    import ray.data

__all__ = ["Secret", "run_batch"]

_LIMITERS: dict[str, Any] = {}


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


class _SharedLimit:
    """The Ray actor body: one :class:`AdaptiveLimit` for the whole job (async actor, one event loop)."""

    def __init__(self, ceiling: int) -> None:
        self.limit = AdaptiveLimit(ceiling, ceiling)
        self.peak = 0

    async def acquire(self) -> int:
        epoch = await self.limit.acquire()
        self.peak = max(self.peak, self.limit.in_flight)
        return epoch

    async def release(self) -> None:
        self.limit.release()

    async def on_success(self) -> None:
        self.limit.on_success()

    async def on_rate_limit(self, epoch: int, message: str = "") -> None:
        self.limit.on_rate_limit(epoch, message)

    async def stats(self) -> dict[str, float]:
        return {"peak": self.peak, "limit": self.limit.limit, "ceiling": self.limit.ceiling}


class _LimitProxy:
    """The :class:`~deepseek_openai._batch_send.Limit` protocol over the shared actor (waits only to acquire)."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor

    async def acquire(self) -> int:
        epoch: int = await self.actor.acquire.remote()
        return epoch

    def release(self) -> None:
        self.actor.release.remote()

    def on_success(self) -> None:
        self.actor.on_success.remote()

    def on_rate_limit(self, epoch: int, message: str = "") -> None:
        self.actor.on_rate_limit.remote(epoch, message)


def _plain(value: Any) -> Any:
    # Ray Data hands nested values back as numpy arrays/scalars, and Arrow adds None for keys other rows had.
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _body(raw: Any) -> dict[str, Any]:
    # A JSON string is sent as written; a dict is turned back into plain JSON values first.
    if isinstance(raw, (str, bytes)):
        parsed: dict[str, Any] = json.loads(raw)
        return parsed
    plain: dict[str, Any] = _plain(dict(raw))
    return plain


class _Sender:
    """A Ray Data worker: sends a block of rows through the shared limit, on its own event loop and client."""

    def __init__(self, secret: Secret, base_url: str | None, limiter: str, options: dict[str, Any]) -> None:
        import ray

        from ._client import create_async_client

        self.loop = asyncio.new_event_loop()
        self.limit = _LimitProxy(ray.get_actor(limiter))
        self.options = options
        self.rng = random.Random(options.get("seed"))

        async def make() -> Any:
            timing = {} if options["timeout"] is None else {"timeout": options["timeout"]}
            return create_async_client(secret.reveal(), base_url=base_url, max_retries=0, env_file=False, **timing)

        self.client = self.loop.run_until_complete(make())

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        return self.loop.run_until_complete(self._send_all(list(batch["custom_id"]), list(batch["body"])))

    async def _send_all(self, ids: list[Any], bodies: list[Any]) -> dict[str, list[Any]]:
        counters = Counters()
        model = self.options.get("model")

        async def one(raw: Any) -> tuple[Any, ...]:
            body = _body(raw)
            if model is not None:
                body["model"] = model
            return await send_one(
                self.client,
                body,
                self.limit,
                None,
                max_attempts=self.options["max_attempts"],
                retry_base=self.options["retry_base"],
                rng=self.rng,
                counters=counters,
            )

        results = await asyncio.gather(*(one(b) for b in bodies))
        out: dict[str, list[Any]] = {"custom_id": [], "response": [], "error": []}
        for custom_id, (status, request_id, body, error) in zip(ids, results, strict=True):
            response = None if status is None else {"status_code": status, "request_id": request_id or "", "body": body}
            out["custom_id"].append(str(custom_id))
            out["response"].append(None if response is None else json.dumps(response, ensure_ascii=False))
            out["error"].append(None if error is None else json.dumps(error, ensure_ascii=False))
        return out


def run_batch(
    dataset: ray.data.Dataset,
    *,
    concurrency: int,
    api_key: str | None = None,
    base_url: str | None = None,
    model: str | None = None,
    workers: int = 2,
    rows_per_call: int = 64,
    timeout: float | None = None,
    max_attempts: int = 8,
    retry_base: float = 0.5,
    seed: int | None = None,
) -> ray.data.Dataset:
    """Send every row of a Ray dataset as a chat request, with ONE concurrency limit across all workers.

    Same semantics as :func:`deepseek_openai.run_batch`: adaptive limit (halved on 429, capped by the model's
    account cap), retries with jittered back-off, a row that keeps failing gets an ``error``. The key is resolved
    here (argument, ``DEEPSEEK_API_KEY`` or ``.env``) and reaches workers wrapped in :class:`Secret`.

    Args:
        dataset: rows ``{"custom_id": str, "body": dict or JSON string}`` (a JSON string is sent byte for byte;
            a dict that went through Arrow loses ``None``-valued keys, which Arrow adds for missing fields).
        concurrency: most requests in flight for the whole job; never above the model's cap.
        api_key: the DeepSeek key; ``None`` uses the usual lookup on the driver.
        base_url: the base URL; ``None`` uses the usual lookup on the driver.
        model: replaces every body's model (for OpenAI model names).
        workers: Ray Data actors sending requests.
        rows_per_call: rows each worker call sends at once (they still wait for the shared limit).
        timeout: seconds per request (default: the client's, read 1800 s, connect 10 s).
        max_attempts: tries per request on 429, 5xx, timeouts and connection errors.
        retry_base: first back-off pause in seconds.
        seed: seeds the back-off jitter.

    Returns:
        A lazy ``ray.data.Dataset`` of ``{"custom_id", "response", "error"}``; ``response`` is OpenAI's Batch
        ``{"status_code", "request_id", "body"}`` as a JSON string (``None`` without a reply), ``error`` a JSON
        string ``{"code", "message"}`` or ``None``.

    Raises:
        InvalidRequestError: ``concurrency`` below 1.
        MissingAPIKeyError: no key found.
        UnknownModelError: ``model`` is not a DeepSeek model id.
    """
    import ray

    from ._settings import resolve_settings

    if concurrency < 1:
        raise InvalidRequestError(f"concurrency={concurrency!r} is below 1.", fix="pass concurrency=1 or more.")
    settings = resolve_settings(api_key, base_url=base_url)
    top = ceiling(frozenset({model}) if model else frozenset(), concurrency)
    name = f"deepseek-openai-limit-{uuid.uuid4().hex[:12]}"
    actor_class: Any = ray.remote(_SharedLimit)
    # Named, so each worker finds it; kept alive by the driver's handle until the process ends.
    _LIMITERS[name] = actor_class.options(name=name, max_concurrency=10_000).remote(top)
    options = {
        "model": model,
        "timeout": timeout,
        "max_attempts": max_attempts,
        "retry_base": retry_base,
        "seed": seed,
    }
    result: ray.data.Dataset = dataset.map_batches(
        _Sender,
        fn_constructor_kwargs={
            "secret": Secret(settings.api_key),
            "base_url": settings.base_url,
            "limiter": name,
            "options": options,
        },
        batch_size=rows_per_call,
        batch_format="numpy",
        concurrency=workers,
    )
    return result
