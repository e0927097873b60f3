"""Batch files: check an OpenAI Batch input file in one streaming pass, read its requests, append output lines.

Memory stays flat in the number of lines except for the 64-bit hashes of the custom_ids, 8 bytes a line (~8 MB
for 1,000,000 lines; measured in benchmarks/batch.py). Two different ids share a hash with probability about
n²/2^65 (3e-8 for a million lines); such a pair would be reported as a duplicate.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._errors import InvalidRequestError
from ._idset import HashSet
from ._models import MODELS

__all__ = ["BatchInputError", "BatchRequest", "InputStats", "OutputFile", "check_input", "id_hash", "read_requests"]

URLS = ("/v1/chat/completions", "/chat/completions")
"""The endpoints a batch line may name (OpenAI's Batch input format; DeepSeek serves both, §1)."""

_SHOWN = 20  # problems listed in the error; the rest are counted
_OPENAI_PREFIXES = ("gpt-", "o1", "o3", "o4", "chatgpt-", "text-", "davinci", "babbage", "ft:")


class BatchInputError(InvalidRequestError):
    """A batch input file has bad lines; nothing was sent. ``problems`` lists ``(line number, what)``."""

    def __init__(self, message: str, *, fix: str, problems: list[tuple[int, str]], count: int) -> None:
        super().__init__(message, fix=fix)
        self.problems = problems
        self.count = count


@dataclass(frozen=True)
class BatchRequest:
    """One line of the input: its number (from 1), its ``custom_id`` and the chat request body to send."""

    line: int
    custom_id: str
    body: dict[str, Any]


@dataclass(frozen=True)
class InputStats:
    """What the check of an input file found: how many requests, and which models they name."""

    count: int
    models: frozenset[str]


def id_hash(custom_id: str) -> int:
    """Return the 64-bit hash a ``custom_id`` is remembered by (duplicates, answered ids)."""
    return int.from_bytes(hashlib.blake2b(custom_id.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


def _model_problem(model: Any, override: str | None) -> str | None:
    if override is not None:
        return None
    if not isinstance(model, str) or not model:
        return "body.model is missing (give every line a model, or pass --model / model=)"
    if model in MODELS:
        return None
    if model.lower().startswith(_OPENAI_PREFIXES):
        return f"{model!r} is an OpenAI model name: pass --model deepseek-flash (or model=) to replace it"
    return f"unknown model {model!r}: use {' or '.join(n for n, i in MODELS.items() if i.status == 'current')}"


def _line_problem(raw: bytes, override: str | None) -> tuple[str | None, str | None, str | None]:
    """Return ``(custom_id, problem, model)`` for one raw line; ``problem`` is ``None`` for a good line."""
    try:
        item = json.loads(raw)
    except ValueError as exc:
        return None, f"not JSON ({exc})", None
    if not isinstance(item, dict):
        return None, "not a JSON object", None
    custom_id = item.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        return None, "custom_id is missing or not a non-empty string", None
    if item.get("method") != "POST":
        return custom_id, f"method must be 'POST', got {item.get('method')!r}", None
    if item.get("url") not in URLS:
        return custom_id, f"url must be {' or '.join(URLS)}, got {item.get('url')!r}", None
    body = item.get("body")
    if not isinstance(body, dict):
        return custom_id, "body is missing or not an object", None
    if not isinstance(body.get("messages"), list) or not body["messages"]:
        return custom_id, "body.messages is missing or empty", None
    if body.get("stream") is True:
        return custom_id, "body.stream is true: a batch stores whole replies, remove stream", None
    named = override or body.get("model")
    return custom_id, _model_problem(body.get("model"), override), named if isinstance(named, str) else None


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as f:
        for number, raw in enumerate(f, 1):
            if raw.strip():
                yield number, raw


def check_input(path: str | os.PathLike[str], *, model: str | None = None) -> InputStats:
    """Check every line of an OpenAI Batch input file, streaming; return how many requests and which models.

    Args:
        path: the JSONL file (``custom_id``, ``method``, ``url``, ``body`` on each line).
        model: the model that replaces every line's ``body.model`` (``--model``); ``None`` keeps them.

    Returns:
        The number of requests (blank lines are skipped) and the set of models they name after ``model``.

    Raises:
        BatchInputError: bad JSON, a missing field, a duplicate ``custom_id`` or an unknown model, with line numbers.
        FileNotFoundError: no such file.
    """
    if model is not None and model not in MODELS:
        _model_error(model)
    seen = HashSet()
    openai_names = False
    models: set[str] = {model} if model else set()
    problems: list[tuple[int, str]] = []
    count = bad = 0
    for number, raw in _lines(Path(path)):
        count += 1
        custom_id, problem, named = _line_problem(raw, model)
        if named is not None and problem is None and len(models) < 64:
            models.add(named)
        if custom_id is not None and problem is None:
            seen.add(id_hash(custom_id))
        if problem is not None:
            bad += 1
            openai_names = openai_names or "OpenAI model name" in problem
            if len(problems) < _SHOWN:
                problems.append((number, problem))
    bad += _duplicates(Path(path), seen.repeated(), problems)
    if problems:
        listed = "; ".join(f"line {n}: {p}" for n, p in problems)
        more = f" (and {bad - len(problems)} more)" if bad > len(problems) else ""
        fix = "correct those lines (OpenAI Batch format: custom_id, method POST, url /v1/chat/completions, body)."
        if openai_names:
            fix = (
                "pass --model deepseek-flash (CLI) or model='deepseek-flash' (Python) to replace OpenAI model names; "
                + fix
            )
        raise BatchInputError(
            f"{Path(path).name}: {bad} bad line(s) of {count}, nothing was sent: {listed}{more}.",
            fix=fix,
            problems=problems,
            count=bad,
        )
    return InputStats(count, frozenset(models))


def _duplicates(path: Path, repeated: set[int], problems: list[tuple[int, str]]) -> int:
    # A second pass, only when some hash repeats: name each later occurrence with its line number.
    if not repeated:
        return 0
    first: set[int] = set()
    found = 0
    for number, raw in _lines(path):
        custom_id = _line_problem(raw, None)[0]
        digest = id_hash(custom_id) if custom_id is not None else None
        if digest not in repeated:
            continue
        if digest in first:
            found += 1
            if len(problems) < _SHOWN:
                problems.append((number, f"duplicate custom_id {custom_id!r}"))
        else:
            first.add(digest)
    problems.sort()
    return found


def _model_error(model: str) -> None:
    from ._models import model_info

    model_info(model)  # raises UnknownModelError naming the known ids


def read_requests(
    path: str | os.PathLike[str], *, model: str | None = None, skip: HashSet | None = None
) -> Iterator[BatchRequest]:
    """Yield the requests of a checked input file, one at a time, without those whose id hash is in ``skip``.

    Args:
        path: the input file (run :func:`check_input` on it first).
        model: replaces ``body.model`` on every line when given.
        skip: hashes (:func:`id_hash`) of the ids already answered.
    """
    for number, raw in _lines(Path(path)):
        item = json.loads(raw)
        custom_id = item["custom_id"]
        if skip and id_hash(custom_id) in skip:
            continue
        body = item["body"] if model is None else {**item["body"], "model": model}
        yield BatchRequest(number, custom_id, body)


@dataclass
class _Scan:
    done: set[int]
    cost: dict[str, Decimal]


class OutputFile:
    """The output file, opened for appending: one ``os.write`` per whole line, so a kill leaves whole lines only.

    Opening it reads what a previous run wrote: the ids answered (to skip them) and, when a run was killed in the
    middle of a write, a trailing partial line, which is cut off.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.truncated = _cut_partial_line(self.path)
        """Bytes of a partial last line removed on opening (0 when the file ended cleanly)."""
        self.answered = HashSet()
        """Hashes of the ``custom_id`` of every line already in the file."""
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def scan(self) -> Iterator[dict[str, Any]]:
        """Yield every line already in the file (parsed), remembering its ``custom_id`` as answered."""
        with self.path.open("rb") as f:
            for raw in f:
                if not raw.strip():
                    continue
                item = json.loads(raw)
                self.answered.add(id_hash(str(item.get("custom_id"))))
                yield item

    def append(self, item: dict[str, Any]) -> None:
        """Write one output line in a single ``write`` call (``O_APPEND``; no user-space buffer to flush)."""
        data = (json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        written = os.write(self._fd, data)
        while written < len(data):  # a short write (disk full, signal) continues the same line
            written += os.write(self._fd, data[written:])

    def close(self) -> None:
        """Close the file (idempotent)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _cut_partial_line(path: Path) -> int:
    if not path.exists():
        return 0
    size = path.stat().st_size
    if size == 0:
        return 0
    with path.open("rb+") as f:
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return 0
        keep, block = 0, 65536
        end = size
        while end > 0:
            start = max(0, end - block)
            f.seek(start)
            chunk = f.read(end - start)
            index = chunk.rfind(b"\n")
            if index >= 0:
                keep = start + index + 1
                break
            end = start
        f.truncate(keep)
        return size - keep
