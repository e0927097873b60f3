"""Batch input files: checked in one streaming pass, then read back from the same descriptor, byte for byte.

Memory stays flat in the number of lines except for two 64-bit hashes a line (the ``custom_id`` and the line's
bytes), 16 bytes a line (~16 MB for 1,000,000 lines; measured in benchmarks/batch.py). Two different ids share a
hash with probability about n²/2^65 (3e-8 for a million lines); such a pair would be reported as a duplicate.

The lines sent are the lines checked: the file stays open between the check and the sending, only the bytes that
were checked are read again (lines appended meanwhile are not part of the job), and each line's hash must match
the one taken by the check (a line edited in place stops the run before it is sent).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .._errors import InvalidRequestError
from .._models import MODELS
from ._idset import HashSet

__all__ = [
    "BatchFileError",
    "BatchInput",
    "BatchInputError",
    "BatchRequest",
    "InputStats",
    "id_hash",
    "short",
]

URLS = ("/v1/chat/completions", "/chat/completions")
"""The endpoints a batch line may name (OpenAI's Batch input format; DeepSeek serves both, §1)."""

_SHOWN = 20  # problems listed in the error; the rest are counted
_LINES_SHOWN = 5  # line numbers listed for a problem shared by many lines (OpenAI model names)
_OPENAI_PREFIXES = ("gpt-", "o1", "o3", "o4", "chatgpt-", "text-", "davinci", "babbage", "ft:")
_SLOW = re.compile(rb"\\[uU][dD][89a-fA-F]|[0-9][eE][+]?[0-9]{3}")  # a surrogate escape, or a number that may overflow
_OPENAI = " is an OpenAI model name"
_FORMAT = "OpenAI Batch format: custom_id, method POST, url /v1/chat/completions, body"


class BatchInputError(InvalidRequestError):
    """A batch input file has bad lines; nothing was sent. ``problems`` lists ``(line number, what)``."""

    def __init__(self, message: str, *, fix: str, problems: list[tuple[int, str]], count: int) -> None:
        super().__init__(message, fix=fix)
        self.problems = problems
        self.count = count


class BatchFileError(InvalidRequestError):
    """A batch file cannot be used as given (missing, a directory, not this job's output...); nothing was sent.

    ``path`` is the file concerned. Files are refused before they are changed: a refused output is left as it was.
    """

    def __init__(self, message: str, *, fix: str, path: str | os.PathLike[str]) -> None:
        super().__init__(message, fix=fix)
        self.path = os.fspath(path)


def short(value: Any, limit: int = 60) -> str:
    """Return ``repr(value)``, cut to about ``limit`` characters (error texts never echo a whole long value)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…({len(text):,} characters)"


@dataclass(frozen=True)
class BatchRequest:
    """One line of the input: its number (from 1), its ``custom_id`` and the chat request body to send."""

    line: int
    custom_id: str
    body: dict[str, Any]
    size: int = 0
    """The line's length in bytes (an upper bound of the request's input tokens, for the budget)."""


@dataclass(frozen=True)
class InputStats:
    """What the check of an input file found: how many requests, and which models they name."""

    count: int
    models: frozenset[str]


def id_hash(custom_id: str) -> int:
    """Return the 64-bit hash a ``custom_id`` is remembered by (duplicates, answered ids)."""
    return int.from_bytes(hashlib.blake2b(custom_id.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


def _line_hash(raw: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "big")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number (DeepSeek cannot read it)")


def _parse(raw: bytes) -> Any:
    return json.loads(raw, parse_constant=_no_constant)


def _unsendable(custom_id: str, body: Any) -> str | None:
    # Only lines with a surrogate escape or a huge exponent get here: encode them as they will be sent.
    try:
        custom_id.encode("utf-8")
    except UnicodeEncodeError:
        return "custom_id has a lone surrogate (\\ud800-\\udfff): it cannot be written as UTF-8"
    try:
        json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except UnicodeEncodeError:
        return "body has a lone surrogate (\\ud800-\\udfff): it cannot be sent as UTF-8"
    except ValueError:
        return "body has a number too large for JSON (it reads as infinity)"
    return None


def _model_problem(model: Any, override: str | None) -> str | None:
    if override is not None:
        return None
    if not isinstance(model, str) or not model:
        return "body.model is missing (give every line a model, or pass model=)"
    if model in MODELS:
        return None
    if model.lower().startswith(_OPENAI_PREFIXES):
        return f"{short(model)}{_OPENAI}"
    return f"unknown model {short(model)}: use {' or '.join(n for n, i in MODELS.items() if i.status == 'current')}"


def _line_problem(raw: bytes, override: str | None) -> tuple[str | None, str | None, str | None]:
    """Return ``(custom_id, problem, model)`` for one raw line; ``problem`` is ``None`` for a good line."""
    try:
        item = _parse(raw)
    except ValueError as exc:
        return None, f"not JSON ({short(str(exc), 100)[1:-1]})", None
    if not isinstance(item, dict):
        return None, "not a JSON object", None
    custom_id = item.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        return None, "custom_id is missing or not a non-empty string", None
    if item.get("method") != "POST":
        return custom_id, f"method must be 'POST', got {short(item.get('method'))}", None
    if item.get("url") not in URLS:
        return custom_id, f"url must be {' or '.join(URLS)}, got {short(item.get('url'))}", None
    body = item.get("body")
    if not isinstance(body, dict):
        return custom_id, "body is missing or not an object", None
    if not isinstance(body.get("messages"), list) or not body["messages"]:
        return custom_id, "body.messages is missing or empty", None
    if body.get("stream") is True:
        return custom_id, "body.stream is true: a batch stores whole replies, remove stream", None
    if _SLOW.search(raw):
        problem = _unsendable(custom_id, body)
        if problem is not None:
            return None, problem, None
    named = override or body.get("model")
    return custom_id, _model_problem(body.get("model"), override), named if isinstance(named, str) else None


def _open_input(path: Path) -> IO[bytes]:
    try:
        f = path.open("rb")
    except FileNotFoundError:
        raise BatchFileError(
            f"the input file {path} does not exist.", fix="check the path of the input file (INPUT.jsonl).", path=path
        ) from None
    except IsADirectoryError:
        raise BatchFileError(
            f"the input {path} is a directory.", fix="name a JSONL file (one request a line) as the input.", path=path
        ) from None
    except PermissionError:
        raise BatchFileError(
            f"the input file {path} cannot be read (permission denied).", fix="check its permissions.", path=path
        ) from None
    mode = os.fstat(f.fileno()).st_mode
    if not stat.S_ISREG(mode):
        f.close()
        raise BatchFileError(
            f"the input {path} is not a regular file (a device, pipe or directory).",
            fix="write the requests to a file first and name that file (it is read twice: checked, then sent).",
            path=path,
        )
    return f


class BatchInput:
    """An input file, checked once and then read back from the same descriptor: the lines sent are those checked.

    Args:
        path: the JSONL file (``custom_id``, ``method``, ``url``, ``body`` on each line).
        model: the model that replaces every line's ``body.model`` (``--model``); ``None`` keeps them.

    Raises:
        BatchFileError: the file is missing, a directory or not a regular file.
    """

    def __init__(self, path: str | os.PathLike[str], *, model: str | None = None) -> None:
        self.path = Path(path)
        self.model = model
        self._file = _open_input(self.path)
        self.end = 0
        """Bytes checked: the job is the file up to here."""
        self.ids = HashSet()
        """Hashes of every ``custom_id`` (after :meth:`check`)."""
        self._digests = array("Q")
        self.stats = InputStats(0, frozenset())

    def close(self) -> None:
        """Close the file (idempotent)."""
        self._file.close()

    def _lines(self) -> Iterator[tuple[int, bytes]]:
        # Every line up to ``end`` (once checked), blank ones skipped; a line is cut where the check stopped.
        f, limit, offset = self._file, self.end, 0
        f.seek(0)
        for number, raw in enumerate(f, 1):
            if limit and offset + len(raw) > limit:
                raw = raw[: limit - offset]
            offset += len(raw)
            if raw.strip():
                yield number, raw
            if limit and offset >= limit:
                return

    def check(self) -> InputStats:
        """Check every line in one streaming pass; return how many requests and which models they name.

        Raises:
            BatchInputError: bad JSON, a missing field, a duplicate ``custom_id``, an unknown model, a value that
                cannot be sent (NaN, a lone surrogate), or no request at all; with line numbers. Nothing was sent.
            UnknownModelError: ``model`` is not a DeepSeek model id.
        """
        model = self.model
        if model is not None and model not in MODELS:
            from .._models import model_info

            model_info(model)  # raises UnknownModelError naming the known ids
        models: set[str] = {model} if model else set()
        problems: list[tuple[int, str]] = []
        openai = _OpenAINames()
        count = bad = size = 0
        for number, raw in self._lines():
            count += 1
            size += len(raw)
            custom_id, problem, named = _line_problem(raw, model)
            if problem is None:
                if named is not None and len(models) < 64:
                    models.add(named)
                self.ids.add(id_hash(custom_id))  # type: ignore[arg-type]  # a good line has an id
                self._digests.append(_line_hash(raw))
            elif problem.endswith(_OPENAI):
                openai.add(number, problem.removesuffix(_OPENAI))
            else:
                bad += 1
                if len(problems) < _SHOWN:
                    problems.append((number, problem))
        self._file.seek(0, os.SEEK_END)
        self.end = self._file.tell()
        bad += self._duplicates(self.ids.repeated(), problems)
        if problems or openai.count:
            raise _input_error(self.path, problems, bad, count, openai)
        if count == 0:
            raise BatchInputError(
                f"{self.path.name} has no requests ({size} bytes, no line with a request): nothing to send.",
                fix=f"put one request a line ({_FORMAT}).",
                problems=[],
                count=0,
            )
        self.ids.freeze()
        self.stats = InputStats(count, frozenset(models))
        return self.stats

    def _duplicates(self, repeated: set[int], problems: list[tuple[int, str]]) -> int:
        # A second pass over the checked bytes, only when some hash repeats: name each later occurrence.
        if not repeated:
            return 0
        first: set[int] = set()
        found = 0
        for number, raw in self._lines():
            custom_id = _line_problem(raw, None)[0]
            digest = id_hash(custom_id) if custom_id is not None else None
            if digest not in repeated:
                continue
            if digest in first:
                found += 1
                if len(problems) < _SHOWN:
                    problems.append((number, f"duplicate custom_id {short(custom_id)}"))
            else:
                first.add(digest)
        problems.sort()
        return found

    def requests(self, skip: HashSet | None = None) -> Iterator[BatchRequest]:
        """Yield the checked requests in order, without those whose id hash is in ``skip``.

        Raises:
            BatchInputError: a line differs from what was checked (the file was edited during the run).
        """
        index = 0
        model = self.model
        for number, raw in self._lines():
            if index >= len(self._digests) or _line_hash(raw) != self._digests[index]:
                if _line_problem(raw, model)[1] is not None:
                    continue  # a bad line the check refused cannot be here: the file was checked whole
                raise BatchInputError(
                    f"{self.path.name} changed during the run: line {number} is not the line that was checked.",
                    fix="do not edit the input while a batch runs; run the same command again to send the rest.",
                    problems=[(number, "changed since the check")],
                    count=1,
                )
            index += 1
            item = json.loads(raw)
            custom_id = item["custom_id"]
            if skip and id_hash(custom_id) in skip:
                continue
            body = item["body"] if model is None else {**item["body"], "model": model}
            yield BatchRequest(number, custom_id, body, len(raw))


@dataclass
class _OpenAINames:
    # Lines naming OpenAI models (a real OpenAI Batch file: often every line): counted, told once.
    count: int = 0
    lines: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    def add(self, number: int, name: str) -> None:
        self.count += 1
        if len(self.lines) < _LINES_SHOWN:
            self.lines.append(number)
        if name not in self.names and len(self.names) < 3:
            self.names.append(name)

    def describe(self) -> str:
        listed = ", ".join(map(str, self.lines))
        more = f" and {self.count - len(self.lines)} more" if self.count > len(self.lines) else ""
        which, verb = ("line", "names") if self.count == 1 else ("lines", "name")
        return f"{self.count} {which} {verb} OpenAI models ({', '.join(self.names)}): {which} {listed}{more}"


def _input_error(
    path: Path, problems: list[tuple[int, str]], bad: int, count: int, openai: _OpenAINames
) -> BatchInputError:
    parts = ([openai.describe()] if openai.count else []) + [f"line {n}: {p}" for n, p in problems]
    more = f" (and {bad - len(problems)} more)" if bad > len(problems) else ""
    fix = f"correct those lines ({_FORMAT})."
    if openai.count:
        then = f"; {fix}" if problems else " (or write a DeepSeek model in each line)."
        fix = "pass model='deepseek-flash' to replace the OpenAI model names" + then
        problems = sorted(problems + [(n, "an OpenAI model name") for n in openai.lines])
    total = bad + openai.count
    return BatchInputError(
        f"{path.name}: {total} bad line(s) of {count}, nothing was sent: {'; '.join(parts)}{more}.",
        fix=fix,
        problems=problems,
        count=total,
    )
