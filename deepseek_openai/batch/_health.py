"""The batch job's view of the service: successes, a run of connection failures, a pause, the deadline, a stop."""

from __future__ import annotations

import asyncio
import contextlib
import time

__all__ = ["Health"]


class Health:
    """The job's view of the service, shared by every request.

    It keeps the successes, a run of connection failures, a pause asked for by ``Retry-After``, the deadline, and
    a stop (the first account-wide failure wins).

    Args:
        grace: seconds of connection failures with no answer at all before the job stops (``unreachable``).
        deadline: ``time.monotonic()`` value after which no attempt starts (``None``: none).
    """

    def __init__(self, *, grace: float, deadline: float | None) -> None:
        self.grace = grace
        self.deadline = deadline
        self.successes = 0
        self.failing_since: float | None = None
        self.last_failure = 0.0
        self.paused_until = 0.0
        self.stopped: str | None = None
        self.reason = ""
        self.fix = ""
        self._halt = asyncio.Event()

    def success(self) -> None:
        """Count a reply."""
        self.successes += 1
        self.failing_since = None

    def answered(self) -> None:
        """Note an HTTP answer (any status): the service is reachable."""
        self.failing_since = None

    def unreachable(self) -> bool:
        """Count a connection failure; return whether connection failures have lasted longer than ``grace``.

        A run of failures has no answer in between and no gap longer than ``grace`` (long generations may keep
        every request silent for minutes: two lone timeouts far apart are not an outage).
        """
        now = time.monotonic()
        if self.failing_since is None or now - self.last_failure > self.grace:
            self.failing_since = now
        self.last_failure = now
        return now - self.failing_since > self.grace

    def pause(self, seconds: float) -> None:
        """Send nothing (first attempts and retries) for ``seconds`` (a ``Retry-After``)."""
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)

    def stop(self, code: str, reason: str, fix: str) -> None:
        """Stop the job: nothing more is sent, requests waiting to retry give up without a line."""
        if self.stopped is None:
            self.stopped, self.reason, self.fix = code, reason, fix
        self._halt.set()

    async def halted(self) -> None:
        """Return once the job is stopped."""
        await self._halt.wait()

    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return self.deadline is not None and time.monotonic() >= self.deadline

    async def sleep(self, seconds: float) -> None:
        """Sleep up to ``seconds``, ending early on a stop or at the deadline."""
        if self.deadline is not None:
            seconds = min(seconds, self.deadline - time.monotonic())
        if seconds > 0 and not self._halt.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._halt.wait(), seconds)

    async def ready(self) -> None:
        """Wait out a ``Retry-After`` pause (ending early on a stop or at the deadline)."""
        while (left := self.paused_until - time.monotonic()) > 0 and not self._halt.is_set() and not self.expired():
            await self.sleep(left)
