"""A Ray Data worker of a batch: it sends blocks of rows on its own event loop under one :class:`Lease`."""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
import uuid
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any, TypeVar

from ._budget import worst_cost
from ._health import Health
from ._http import fast_sender
from ._input import id_hash
from ._ray_job import Answer, Report
from ._ray_lease import Lease, Stopped
from ._send import Result, batch_http_client, send_one

__all__ = ["Sender"]

T = TypeVar("T")
_POOL = 256  # connections a worker keeps open between requests (never more than it had in flight)


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
    body = json.loads(raw) if isinstance(raw, (str, bytes)) else _plain(dict(raw))
    if not isinstance(body, dict):
        raise TypeError(f"body is a JSON {type(body).__name__}, not an object")
    return body


class Sender:
    """A Ray Data worker: sends blocks of rows on its own event loop (a thread) under one :class:`Lease`."""

    def __init__(
        self, job: Any, secret: Any, base_url: str | None, skip: Callable[[], Any] | None, options: dict[str, Any]
    ) -> None:
        from .._client import create_async_client

        self.o = options
        self.skip = None if skip is None else skip()
        self.rng = random.Random(options.get("seed"))
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="deepseek-openai-batch", daemon=True).start()

        async def call(report: Report) -> Answer:
            answer: Answer = await job.sync.remote(report)
            return answer

        async def make() -> tuple[Lease, Any]:
            timing = {} if options["timeout"] is None else {"timeout": options["timeout"]}
            http = batch_http_client()
            key = secret.reveal()
            client = create_async_client(
                key, base_url=base_url, max_retries=0, env_file=False, http_client=http, **timing
            )
            sender = fast_sender(client, _POOL)  # bytes-level path; None: the SDK's (a proxy is set, ...)
            budget = options["max_cost"] is not None
            ends = options.get("deadline_wall")
            deadline = None if ends is None else time.monotonic() + (ends - time.time())
            health = Health(grace=options.get("grace", 300.0), deadline=deadline)
            lease = Lease(
                call,
                uuid.uuid4().hex,
                budget=budget,
                off_peak=options["off_peak"],
                clock=options["clock"],
                health=health,
            )
            return lease, client if sender is None else sender

        self.lease, self.client = self._run(make())

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        return self._run(self._block(list(batch["custom_id"]), list(batch["body"])))

    async def _block(self, ids: list[Any], bodies: list[Any]) -> dict[str, list[Any]]:
        rows = [(str(i), b) for i, b in zip(ids, bodies, strict=True)]
        if self.skip is not None:
            rows = [(i, b) for i, b in rows if id_hash(i) not in self.skip]
            self.lease.count("skipped", len(ids) - len(rows))
        results = await self.lease.run(asyncio.gather(*(self._safe(b) for _, b in rows)))
        out: dict[str, list[Any]] = {"custom_id": [], "response": [], "error": []}
        for (custom_id, _), (status, request_id, body, error) in zip(rows, results, strict=True):
            response = None if status is None else {"status_code": status, "request_id": request_id or "", "body": body}
            out["custom_id"].append(custom_id)
            out["response"].append(None if response is None else _dumps(response))
            out["error"].append(None if error is None else _dumps(error))
        return out

    async def _safe(self, raw: Any) -> Result:
        # One row never fails the block (and so the dataset): anything unexpected becomes that row's error.
        try:
            return await self._one(raw)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a row's failure is its error row, never the job's end
            error = {"code": "row_failed", "message": f"{type(exc).__name__}: {str(exc)[:500]}"}
            self.lease.pending.tally.add(None, None, error, "", self.o["currency"])
            return None, None, None, error

    async def _one(self, raw: Any) -> Result:
        o, lease = self.o, self.lease
        try:
            body = _body(raw)
        except (ValueError, TypeError) as exc:
            error = {"code": "invalid_row", "message": f"body: {str(exc)[:500]}"}
            lease.pending.tally.add(None, None, error, "", o["currency"])  # a failure, never sent
            return None, None, None, error
        if o["model"] is not None:
            body["model"] = o["model"]
        worst = Decimal(0)
        if lease.budget:
            try:
                text = raw if isinstance(raw, (str, bytes)) else json.dumps(body, ensure_ascii=False)
                size = len(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
                worst = worst_cost(body, size, o["currency"])
            except (KeyError, ValueError) as exc:  # an unknown model: it cannot be priced, so it is not sent
                error = {"code": "invalid_row", "message": f"body: {str(exc)[:500]}"}
                lease.pending.tally.add(None, None, error, "", o["currency"])
                return None, None, None, error
        try:
            epoch = await lease.first(worst)
        except Stopped as stop:
            lease.count("not_sent")
            return None, None, None, self._not_sent(str(stop))
        result: Result | None = None
        try:
            result = await send_one(
                self.client,
                body,
                lease,
                epoch,
                health=lease.health,
                max_attempts=o["max_attempts"],
                retry_base=o["retry_base"],
                rng=self.rng,
                counters=lease.counters,
            )
        finally:
            lease.finished(result, str(body.get("model", "")), o["currency"], worst)
        if result is None:  # the job stopped before this row had an answer: a rerun sends it
            lease.count("not_sent")
            return None, None, None, self._not_sent(lease.stopped or lease.health.stopped or "interrupted")
        return result

    def _not_sent(self, code: str) -> dict[str, Any]:
        if code == "max_cost":
            return {"code": "max_cost", "message": self.o["budget_message"]}
        health = self.lease.health
        reason = health.reason if health.stopped == code else ""
        return {"code": code, "message": f"not sent: {reason or 'the job stopped'}; run again with skip= this output"}


def _dumps(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate in a reply: escaped, so Arrow can store the row as UTF-8
        return json.dumps(value)
    return text
