"""Faults below DeepSeek's error replies: resets, hangs, bodies that are not JSON, cut bodies, and outage windows.

A scripted fault (:meth:`FaultScripts.add_fault`) is played in the same queue as scripted errors; an outage
(:meth:`FaultScripts.start_outage`) answers every request with one fault until it ends, like a proxy or load
balancer in front of the service failing for a while.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from ._api_error import ApiError, error_for_status
from ._script import Fault, Script, ScriptedError
from ._server import Handler
from ._wire import JSON_TYPE, dump

__all__ = ["FaultKind", "FaultScripts", "serve_fault"]

FaultKind = Literal["reset", "hang", "html", "not_json", "truncated"]
"""``reset``: the connection is closed before any answer; ``hang``: nothing is ever sent (until the client hangs
up or the double closes); ``html``: a proxy's HTML page with status 200 (or ``status``); ``not_json``: a 200
``application/json`` body cut in the middle of the JSON, with a matching ``Content-Length``; ``truncated``: a 200
whose ``Content-Length`` promises the whole body but the connection closes half way."""

_KINDS = frozenset(get_args(FaultKind))
_HTML = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>\n"
_BODY = dump({"id": "cut", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant"}}]})


def serve_fault(handler: Handler, fault: ApiError | Fault, wait: Callable[[float], bool]) -> None:
    """Answer one request with ``fault``; ``wait(seconds)`` pauses and returns ``False`` when the double closes."""
    if isinstance(fault, ApiError):
        return handler.send_all(fault.status, [JSON_TYPE, *fault.headers.items()], dump(fault.body()))
    if fault.kind == "reset":
        return handler.drop()
    if fault.kind == "hang":
        return handler.hold(wait)
    if fault.kind == "html":
        return handler.send_all(fault.status, [("Content-Type", "text/html")], _HTML)
    if fault.kind == "not_json":
        return handler.send_all(200, [JSON_TYPE], _BODY[: len(_BODY) // 2])
    handler.send_head(200, [JSON_TYPE, ("Content-Length", str(len(_BODY)))])  # truncated
    handler.write(_BODY[: len(_BODY) // 2])
    return handler.drop()


@dataclass
class _Outage:
    fault: ApiError | Fault
    until: float | None
    served: int = 0


@dataclass
class _OutageState:
    lock: threading.Lock = field(default_factory=threading.Lock)
    outage: _Outage | None = None


class FaultScripts:
    """The fault side of :class:`~deepseek_openai.testing.FakeDeepSeek`: scripted faults and outage windows."""

    _script: Script
    _outages: _OutageState

    def add_fault(self, kind: FaultKind, *, times: int = 1, status: int = 200) -> None:
        """Queue ``times`` faults for the next requests, in the same queue as :meth:`add_error` (after the key check).

        Args:
            kind: ``"reset"``, ``"hang"``, ``"html"``, ``"not_json"`` or ``"truncated"`` (see :data:`FaultKind`).
            times: how many requests in a row get it.
            status: the status of an ``"html"`` page (a proxy's 502 page, or a 200 one).

        Raises:
            ValueError: an unknown kind or a negative ``times``.
        """
        if kind not in _KINDS or times < 0:
            raise ValueError(f"kind must be one of {sorted(_KINDS)} and times >= 0, got {kind!r}, {times!r}")
        self._script.push([ScriptedError(Fault(kind, status))] * times)

    def start_outage(
        self,
        fault: int | FaultKind,
        *,
        seconds: float | None = None,
        headers: Mapping[str, str] | None = None,
        message: str | None = None,
    ) -> None:
        """Answer every request (before the key check) with one fault from now on, for ``seconds`` or until ended.

        Args:
            fault: an HTTP status (``503`` for an overloaded service, ``429`` for a storm of rate limits) or a
                fault kind (``"reset"`` for a service that cannot be reached, ``"hang"``...).
            seconds: how long it lasts; ``None``: until :meth:`end_outage`.
            headers: extra headers on an HTTP error answer, e.g. ``{"retry-after": "2"}``.
            message: ``error.message`` of an HTTP error answer (default: DeepSeek's text for the status).

        Raises:
            ValueError: a status outside 400-599 or an unknown kind.
        """
        if isinstance(fault, int):
            if not 400 <= fault <= 599:
                raise ValueError(f"an outage status must be 400-599, got {fault!r}")
            base = error_for_status(fault, message, None, None)
            made: ApiError | Fault = ApiError(base.status, base.message, base.type, base.code, dict(headers or {}))
        elif fault in _KINDS:
            made = Fault(fault)
        else:
            raise ValueError(f"fault must be an HTTP status or one of {sorted(_KINDS)}, got {fault!r}")
        until = None if seconds is None else time.monotonic() + seconds
        with self._outages.lock:
            self._outages.outage = _Outage(made, until)

    def end_outage(self) -> int:
        """End the outage now; return how many requests it answered."""
        with self._outages.lock:
            outage, self._outages.outage = self._outages.outage, None
        return 0 if outage is None else outage.served

    @property
    def in_outage(self) -> bool:
        """Whether an outage is answering requests now."""
        return self._outage_fault(count=False) is not None

    def _outage_fault(self, *, count: bool = True) -> ApiError | Fault | None:
        with self._outages.lock:
            outage = self._outages.outage
            if outage is None:
                return None
            if outage.until is not None and time.monotonic() >= outage.until:
                self._outages.outage = None
                return None
            outage.served += count
            return outage.fault
