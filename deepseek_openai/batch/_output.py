"""The batch output file: ours or refused, one run at a time, whole lines only.

Before a run touches an existing output it reads it whole: every line must be a batch output object of this job
(its ``custom_id`` in the input). Anything else is refused, unchanged. A torn last line of our own output (a run
killed in the middle of a write) is the one thing cut. One run per output: an exclusive ``flock`` on a sidecar
``<output>.lock`` that holds the runner's PID and is removed when the run ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import stat
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

from ._idset import HashSet
from ._input import BatchFileError, id_hash, short

__all__ = ["BatchLockedError", "OutputFile", "OutputLock", "check_output_path", "output_line"]

_KEYS = frozenset({"id", "custom_id", "response", "error"})
_OURS = b'{"id":"batch_req_'  # how every line we write starts (json.dumps with compact separators)
OFFLINE_PREFIX = "batch_req_offline_"
"""The ``id`` prefix of a line answered by the offline double (``--offline``), never by DeepSeek."""
_NOT_OURS_FIX = "choose a new output file with output_path= (or delete this one if it is an output you do not need)"


def output_line(
    custom_id: str, status: int | None, request_id: str | None, body: Any, error: Any, *, offline: bool = False
) -> dict[str, Any]:
    """Return one line of OpenAI's Batch output format: ``id``, ``custom_id``, ``response``, ``error``.

    A line answered by the offline double has an ``id`` starting with :data:`OFFLINE_PREFIX` (never resumed online).
    """
    response = None if status is None else {"status_code": status, "request_id": request_id or "", "body": body}
    prefix = OFFLINE_PREFIX if offline else "batch_req_"
    return {"id": f"{prefix}{uuid.uuid4().hex}", "custom_id": custom_id, "response": response, "error": error}


class BatchLockedError(BatchFileError):
    """Another run is writing the same output now; ``pid`` is its process id (``None`` when it could not be read)."""

    def __init__(self, message: str, *, fix: str, path: str | os.PathLike[str], pid: int | None) -> None:
        super().__init__(message, fix=fix, path=path)
        self.pid = pid


def check_output_path(output: Path, source: Path) -> None:
    """Refuse an output that cannot be ours, before anything is read or written.

    That is a directory, a device or pipe, the input itself (or a link to it), or a file in a missing folder.

    Raises:
        BatchFileError: naming the file and the fix.
    """
    folder = output.parent
    if not folder.is_dir():
        raise BatchFileError(
            f"the output folder {folder} does not exist.",
            fix=f"create it first (mkdir -p {folder}) or choose another output path.",
            path=output,
        )
    try:
        info = output.stat()
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        raise BatchFileError(
            f"the output {output} is a directory.",
            fix=f"name a file for the output, e.g. {output / 'results.jsonl'}.",
            path=output,
        )
    if not stat.S_ISREG(info.st_mode):
        raise BatchFileError(
            f"the output {output} is not a regular file (a device, pipe or socket): a batch output must be a file "
            "it can read back to resume.",
            fix="name a regular file for the output (e.g. results.jsonl) and read it when the run ends.",
            path=output,
        )
    with contextlib.suppress(OSError):
        if os.path.samefile(output, source):
            raise BatchFileError(
                f"the output {output} is the input {source}: writing there would destroy the requests.",
                fix="choose another output file with output_path=.",
                path=output,
            )


class OutputLock:
    """An exclusive lock on ``<output>.lock`` (``flock``), holding this process's PID; the file goes at release.

    Where ``fcntl`` does not exist (Windows) no lock is taken.
    """

    def __init__(self, output: Path) -> None:
        self.path = output.with_name(output.name + ".lock")
        self.output = output
        self._fd = -1

    async def acquire(self, *, wait: bool, poll: float = 0.05) -> None:
        """Take the lock; with ``wait``, poll until the other run ends.

        Raises:
            BatchLockedError: another run holds it and ``wait`` is false.
        """
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory lock
            return
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pid = _read_pid(fd)
                os.close(fd)
                if not wait:
                    raise self._locked(pid) from None
                await asyncio.sleep(poll)
                continue
            # The holder before us may have removed the file after we opened it: lock the file at the path.
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            self._fd = fd
            return

    def _locked(self, pid: int | None) -> BatchLockedError:
        who = f"PID {pid}" if pid is not None else "another process"
        return BatchLockedError(
            f"another batch run ({who}) is writing {self.output} now; two runs on one output would send every "
            "request twice.",
            fix=f"wait for it to finish, or run again with --wait (wait=True) to start when it ends; if no such run "
            f"exists, delete {self.path}.",
            path=self.output,
            pid=pid,
        )

    def release(self) -> None:
        """Remove the lock file and release the lock (idempotent)."""
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            os.close(self._fd)
            self._fd = -1


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode().strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None


class OutputFile:
    """The output file, opened for appending: one ``os.write`` per whole line, so a kill leaves whole lines only.

    :meth:`load` reads what earlier runs wrote and refuses a file that is not this job's output; only then is a
    torn last line cut and the file opened for writing (created ``0600``: replies are user data).

    Args:
        path: the output file.
        input_ids: hashes of the input's ``custom_id`` values (every line of ours names one of them).
        input_name: the input file's name, for messages.
    """

    def __init__(self, path: str | os.PathLike[str], input_ids: HashSet, input_name: str) -> None:
        self.path = Path(path)
        self.input_ids = input_ids
        self.input_name = input_name
        self.truncated = 0
        """Bytes of a torn last line removed on loading (0 when the file ended cleanly)."""
        self.answered = HashSet()
        """Hashes of the ``custom_id`` of every line already in the file."""
        self.done = 0
        """Distinct ``custom_id`` values already answered."""
        self.offline = 0
        """Lines answered by the offline double."""
        self.online = 0
        """Lines answered by a service other than the offline double."""
        self._fd = -1

    def load(self, priced: Callable[[dict[str, Any]], Decimal]) -> Decimal:
        """Read and check the existing file, cut a torn last line, open it for appending; return the prior cost.

        Args:
            priced: the cost of one earlier line (0 for an error line).

        Raises:
            BatchFileError: a line is not batch output of this job; the file is left unchanged.
        """
        keep, prior = 0, Decimal(0)
        if self.path.exists():
            keep, prior = self._scan(priced)
        size = self.path.stat().st_size if self.path.exists() else 0
        if keep < size:
            with self.path.open("rb+") as f:
                f.truncate(keep)
            self.truncated = size - keep
        self.answered.freeze()
        self.done = self.answered.unique()
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        return prior

    def _scan(self, priced: Callable[[dict[str, Any]], Decimal]) -> tuple[int, Decimal]:
        # Returns the bytes to keep (all but a torn last line of ours) and what the kept lines cost.
        offset, prior = 0, Decimal(0)
        with self.path.open("rb") as f:
            for number, raw in enumerate(f, 1):
                if not raw.endswith(b"\n"):
                    if raw.startswith(_OURS):
                        return offset, prior  # a torn last line of ours: cut it
                    self._refuse(number, "it is not a batch output line and the file does not end with a newline")
                offset += len(raw)
                if not raw.strip():
                    continue
                item = self._item(number, raw)
                self.answered.add(id_hash(item["custom_id"]))
                if str(item["id"]).startswith(OFFLINE_PREFIX):
                    self.offline += 1
                else:
                    self.online += 1
                prior += priced(item)
        return offset, prior

    def _item(self, number: int, raw: bytes) -> dict[str, Any]:
        try:
            item = json.loads(raw)
        except ValueError:
            self._refuse(number, "it is not JSON")
        if not isinstance(item, dict) or not set(item) <= _KEYS or not {"id", "custom_id"} <= set(item):
            self._refuse(number, "it is not a batch output object (id, custom_id, response, error)")
        custom_id = item["custom_id"]
        if not isinstance(custom_id, str) or id_hash(custom_id) not in self.input_ids:
            self._refuse(number, f"its custom_id {short(custom_id)} is not in {self.input_name}")
        return item

    def _refuse(self, number: int, why: str) -> NoReturn:
        raise BatchFileError(
            f"the output {self.path} is not an output of this batch (line {number}: {why}); it was left unchanged.",
            fix=_NOT_OURS_FIX + ".",
            path=self.path,
        )

    def lines(self) -> Iterator[dict[str, Any]]:
        """Yield every line in the file (parsed); for tests and tools."""
        with self.path.open("rb") as f:
            for raw in f:
                if raw.strip():
                    yield json.loads(raw)

    def append(self, item: dict[str, Any]) -> None:
        """Write one output line in a single ``write`` call (``O_APPEND``; no user-space buffer to flush)."""
        try:
            data = (json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        except UnicodeEncodeError:  # a reply with a lone surrogate escape: keep it escaped, the line stays UTF-8
            data = (json.dumps(item, separators=(",", ":")) + "\n").encode("ascii")
        written = os.write(self._fd, data)
        while written < len(data):  # a short write (disk full, signal) continues the same line
            written += os.write(self._fd, data[written:])

    def close(self) -> None:
        """Close the file (idempotent)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
