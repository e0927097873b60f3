"""Where the key and base URL come from: argument > environment > ``.env`` > default. Reads, never writes."""

from __future__ import annotations

import functools
import io
import os
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG
from typing import Union
from urllib.parse import urlsplit

from ._errors import KEYS_PAGE, InvalidRequestError, MissingAPIKeyError
from ._warnings import user_stacklevel

__all__ = [
    "BETA_BASE_URL",
    "DEFAULT_BASE_URL",
    "EnvFile",
    "Settings",
    "beta_url",
    "default_base_url",
    "default_key",
    "resolve_settings",
]

DEFAULT_BASE_URL = "https://api.deepseek.com"
"""DeepSeek's OpenAI-format base URL."""
BETA_BASE_URL = "https://api.deepseek.com/beta"
"""DeepSeek's beta base URL: chat prefix completion, FIM completion and strict tools live here."""

KEY_VAR = "DEEPSEEK_API_KEY"
STORE_VAR = "DEEPSEEK_REASONING_STORE"  # the durable reasoning store, when reasoning_store= is not given
NO_KEY_YET = (
    "No key yet? `deepseek-openai serve` runs an offline DeepSeek double and prints the DEEPSEEK_BASE_URL and "
    "DEEPSEEK_API_KEY to export; in tests, use deepseek_openai.testing.FakeDeepSeek."
)
BASE_VARS = ("DEEPSEEK_BASE_URL", "DEEPSEEK_API_BASE")  # the second is the name langchain and litellm use

EnvFile = Union[str, "os.PathLike[str]", bool, None]
"""``None``: search for ``.env`` from the working directory up; a path: that file; ``False``: no ``.env``."""


@dataclass(frozen=True)
class Settings:
    """The resolved connection settings; the key is kept out of ``repr``."""

    api_key: str = field(repr=False)
    base_url: str
    key_source: str
    """Where the key came from: ``"argument"``, ``"environment"`` or the ``.env`` path."""
    base_url_source: str
    """Where the base URL came from: ``"argument"``, the variable name, the ``.env`` path or ``"default"``."""


def _dotenv_disabled() -> bool:
    # python-dotenv's own switch; honoured the same way its loader honours it.
    return os.environ.get("PYTHON_DOTENV_DISABLED", "").casefold() in {"1", "true", "t", "yes", "y"}


def _any_dotenv_above_cwd() -> bool:
    # The same walk find_dotenv(usecwd=True) makes (working directory up to the root), without importing dotenv.
    here = Path.cwd()
    return any((folder / ".env").is_file() for folder in (here, *here.parents))


def _read_dotenv(env_file: EnvFile) -> tuple[Mapping[str, str | None], str, tuple[int, ...]]:
    """Return the ``.env`` values, its path and the lines python-dotenv could not read as ``NAME=value``."""
    if env_file is False or _dotenv_disabled():
        return {}, "", ()
    if (env_file is None or env_file is True) and not _any_dotenv_above_cwd():
        return {}, "", ()  # the common case (no .env anywhere up): python-dotenv is not even imported
    from dotenv import find_dotenv  # imported on use: keeps `import deepseek_openai` cheap

    if env_file is None or env_file is True:
        # usecwd: a bare find_dotenv() searches from the caller's source folder, not the working directory.
        path = find_dotenv(usecwd=True)
        if not path:
            return {}, "", ()
    else:
        path = os.fspath(env_file)
        if not Path(path).is_file():
            raise InvalidRequestError(
                f"env_file={path!r} does not exist.",
                fix="pass the path of an existing .env file, None to search from the working directory, or False.",
            )
    values, bad = _parse_dotenv(Path(path).read_text(encoding="utf-8"))  # dotenv_values' own default encoding
    return values, path, bad


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


def _parse_dotenv(text: str) -> tuple[Mapping[str, str | None], tuple[int, ...]]:
    # python-dotenv skips a statement it cannot parse and only logs "could not parse statement starting at line
    # N" (shown on stderr by logging's last-resort handler). Its parser says which statements those are, so they
    # are reported here (by line, never by content: the line may hold the key) and left out of what dotenv_values
    # reads, which then logs nothing. A name with no "=" that is not a variable name ("DEEPSEEK_API_KEY:sk-...")
    # parses as a name without a value; it is as unusable, and as silent.
    from dotenv import dotenv_values
    from dotenv.parser import parse_stream

    kept: list[str] = []
    bad: list[int] = []
    for binding in parse_stream(io.StringIO(text)):
        statement = binding.original.string
        if binding.error or (binding.key is not None and binding.value is None and not _NAME.fullmatch(binding.key)):
            # The statement's text starts with the blank lines before it; count them to name its own line.
            blank = statement[: len(statement) - len(statement.lstrip())]
            bad.append(binding.original.line + blank.count("\n"))
        else:
            kept.append(statement)
    return dotenv_values(stream=io.StringIO("".join(kept))), tuple(bad)


def _line_numbers(lines: tuple[int, ...]) -> str:
    numbers = [str(n) for n in lines]
    if len(numbers) == 1:
        return f"line {numbers[0]}"
    return f"lines {', '.join(numbers[:-1])} and {numbers[-1]}"


def _them(lines: tuple[int, ...]) -> str:
    return "that line" if len(lines) == 1 else "those lines"


def _unparsed(path: str, lines: tuple[int, ...]) -> str:
    hint = "(a quote left open, or no = sign?)"
    return f"python-dotenv could not read {_line_numbers(lines)} of {path} as NAME=value {hint}"


def _check_key(key: str, source: str) -> str:
    if not key.strip():
        raise MissingAPIKeyError(
            f"The DeepSeek API key from {source} is empty.",
            fix=f"set a real key; create one at {KEYS_PAGE}.",
        )
    if key != key.strip() or any(c.isspace() or not c.isprintable() or ord(c) > 127 for c in key):
        raise InvalidRequestError(
            f"The DeepSeek API key from {source} contains spaces, line breaks or non-ASCII characters.",
            fix="copy the key again without surrounding whitespace or quotes.",
        )
    return key


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value or None  # an empty variable counts as unset


def _is_http_url(url: str) -> bool:
    # "http://" or "https://:443" would fail only at the first request, far from the typo.
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in url)


_EXPECTED: Mapping[str, tuple[tuple[type, ...], str]] = {
    "api_key": ((str, type(None)), "a string (your sk-... key)"),
    "base_url": ((str, type(None)), f"a string such as {DEFAULT_BASE_URL} (str(url) for a URL object)"),
    "env_file": ((str, os.PathLike, bool, type(None)), "a path, None or False"),
    "beta": ((bool,), "True or False"),
}


def _check_types(**given: object) -> None:
    # Wrong types would surface as AttributeError/TypeError deep inside; only the type is named, never the value.
    for name, value in given.items():
        types, want = _EXPECTED[name]
        if not isinstance(value, types):
            raise InvalidRequestError(
                f"{name} must be {want}, not {type(value).__name__}.", fix=f"pass {name} as {want}."
            )


def beta_url(base_url: str) -> str:
    """Return the beta base for a base URL (``…/beta``); a trailing ``/v1`` (DeepSeek's alias of ``/``) is dropped."""
    base = base_url.rstrip("/")
    if base.endswith("/beta"):
        return base
    if base.endswith("/v1"):
        base = base[: -len("/v1")]
    return f"{base}/beta"


def resolve_settings(
    api_key: str | None = None,
    base_url: str | None = None,
    *,
    env_file: EnvFile = None,
    beta: bool = False,
) -> Settings:
    """Resolve key and base URL: argument > ``DEEPSEEK_*`` environment > ``.env`` > default.

    ``.env`` is read only when something is still missing, with ``dotenv_values`` (never into ``os.environ``).

    Raises:
        MissingAPIKeyError: no key anywhere, or an empty one given; a ``.env`` line python-dotenv could not read is
            named by path and line number.
        InvalidRequestError: a malformed key or base URL, or a missing ``env_file``.

    Warns:
        UserWarning: the ``.env`` that was read has lines python-dotenv could not read, and the key was found anyway.
    """
    dotenv: Mapping[str, str | None] | None = None
    dotenv_path = ""
    unparsed: tuple[int, ...] = ()

    def from_dotenv(name: str) -> str | None:
        nonlocal dotenv, dotenv_path, unparsed
        if dotenv is None:
            dotenv, dotenv_path, unparsed = _read_dotenv(env_file)
        return dotenv.get(name) or None

    _check_types(api_key=api_key, base_url=base_url, env_file=env_file, beta=beta)
    if api_key is not None:
        key, key_source = _check_key(api_key, "the api_key argument"), "argument"
    elif (env_key := _env(KEY_VAR)) is not None:
        key, key_source = _check_key(env_key, f"the {KEY_VAR} environment variable"), "environment"
    elif (file_key := from_dotenv(KEY_VAR)) is not None:
        key, key_source = _check_key(file_key, dotenv_path), dotenv_path
    elif unparsed:
        raise MissingAPIKeyError(
            f"No DeepSeek API key found: no api_key argument, no {KEY_VAR} environment variable, and "
            f"{_unparsed(dotenv_path, unparsed)}, so it skipped {_them(unparsed)}.",
            fix=f"write the key in {dotenv_path} as one line {KEY_VAR}=sk-... (NAME=value, quotes closed), or pass "
            f"api_key=... or export {KEY_VAR}=sk-...; OPENAI_API_KEY is never used for DeepSeek. {NO_KEY_YET}",
        )
    else:
        where = "the .env search is off" if env_file is False or _dotenv_disabled() else "no .env file had it"
        raise MissingAPIKeyError(
            f"No DeepSeek API key found: no api_key argument, no {KEY_VAR} environment variable, and {where}.",
            fix=f"pass api_key=..., export {KEY_VAR}=sk-..., or put {KEY_VAR}=sk-... in a .env file; "
            f"create a key at {KEYS_PAGE}. OPENAI_API_KEY is never used for DeepSeek. {NO_KEY_YET}",
        )

    if base_url is not None:
        url, url_source = base_url, "argument"
    else:
        url, url_source = DEFAULT_BASE_URL, "default"
        found = next(((n, v) for n in BASE_VARS if (v := _env(n)) is not None), None)
        if found is None:
            found = next(((dotenv_path, v) for n in BASE_VARS if (v := from_dotenv(n)) is not None), None)
        if found is not None:
            url_source, url = found
    if not _is_http_url(url):
        raise InvalidRequestError(
            f"The DeepSeek base URL from {'the base_url argument' if url_source == 'argument' else url_source} is "
            f"{url!r}, which is not an http(s) URL with a host.",
            fix=f"use {DEFAULT_BASE_URL} (or {BETA_BASE_URL} / beta=True for beta features).",
        )
    if unparsed:  # the values needed were found, but a line python-dotenv skipped may have meant something else
        warnings.warn(
            f"{_unparsed(dotenv_path, unparsed)} and skipped {_them(unparsed)}. Fix: write each setting as "
            "NAME=value with any quote closed, and remove what is not a setting.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    url = beta_url(url) if beta else url.rstrip("/")
    return Settings(api_key=key, base_url=url, key_source=key_source, base_url_source=url_source)


@functools.lru_cache(maxsize=8)
def _parsed_dotenv(path: str, mtime_ns: int, size: int) -> Mapping[str, str | None]:
    # Keyed by the file's identity as well as its path: an edited .env is read again, an unchanged one is not.
    from dotenv import dotenv_values

    return dotenv_values(path)


def _current_dotenv() -> Mapping[str, str | None]:
    # The file resolve_settings(env_file=None) reads: the first .env from the working directory up.
    if _dotenv_disabled():
        return {}
    try:
        folder = os.getcwd()
    except OSError:  # the working directory was deleted
        return {}
    while True:
        candidate = os.path.join(folder, ".env")
        try:
            stat = os.stat(candidate)
        except OSError:
            stat = None
        if stat is not None and S_ISREG(stat.st_mode):
            return _parsed_dotenv(candidate, stat.st_mtime_ns, stat.st_size)
        parent = os.path.dirname(folder)
        if parent == folder:
            return {}
        folder = parent


def default_key() -> str | None:
    """Return the key ``create_client()`` would resolve now with no arguments, or ``None``; never raises.

    What the request hook compares a foreign client's ``Authorization`` with (a framework's ``openai.OpenAI`` on
    :func:`create_http_client`): ``DEEPSEEK_API_KEY`` from the environment, else from the ``.env`` found from the
    working directory up, as :func:`resolve_settings` reads them. The environment is read on every call; a ``.env``
    is parsed again only when its path, size or modification time changed (python-dotenv is imported only then).
    """
    key = _env(KEY_VAR)
    return key if key is not None else _current_dotenv().get(KEY_VAR) or None


def default_base_url() -> str:
    """Return the base URL ``create_client()`` would resolve now with no arguments (no trailing ``/``).

    ``DEEPSEEK_BASE_URL`` / ``DEEPSEEK_API_BASE`` from the environment, else from the ``.env`` (read as in
    :func:`default_key`), else :data:`DEFAULT_BASE_URL`. Not checked: the hook only compares hosts with it.
    """
    url = next((v for n in BASE_VARS if (v := _env(n)) is not None), None)
    if url is None:
        dotenv = _current_dotenv()
        url = next((v for n in BASE_VARS if (v := dotenv.get(n))), None)
    return (url or DEFAULT_BASE_URL).rstrip("/")
