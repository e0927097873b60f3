"""The ``deepseek-openai`` command line: ``main(argv) -> exit code``.

Each command lives in its own module and imports what it needs when it runs, so ``--help`` stays fast and
``import deepseek_openai`` never imports this package.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from typing import IO, Any

from ._common import Context, UsageError
from ._parser import build_parser
from ._wording import cli_fix, cli_message, cli_warning

__all__ = ["main"]


def _versions() -> str:
    from importlib import metadata

    from deepseek_openai import __version__

    try:
        sdk = metadata.version("openai")
    except metadata.PackageNotFoundError:  # pragma: no cover - openai is a dependency
        sdk = "not installed"
    py = ".".join(map(str, sys.version_info[:3]))
    return f"deepseek-openai {__version__} (openai {sdk}, Python {py})"


def describe_error(exc: BaseException, *, batch: bool = False) -> tuple[str, str]:
    """Return ``(what went wrong, how to fix it)`` for an error, without any part of the key beyond ``…abcd``.

    Both name the CLI's flags and variables where the library's texts name Python (``--no-thinking``, not
    ``**thinking(False)``; ``--base-url``, not ``base_url=``): every command's error goes through here.

    Args:
        exc: our own error, an SDK error, or anything else.
        batch: word it for the ``batch`` command (fixes name what to write in the input lines' bodies).

    Returns:
        A one-line message and a one-line fix (the fix may be empty).
    """
    import openai

    from deepseek_openai import DeepSeekError

    if isinstance(exc, DeepSeekError):
        return cli_message(exc.message, batch=batch), cli_fix(exc.fix, batch=batch)
    if isinstance(exc, UsageError):
        message, _, fix = str(exc).partition(": ")
        return message, fix
    if isinstance(exc, openai.OpenAIError):
        try:
            from deepseek_openai import explain
        except ImportError:  # pragma: no cover - explain() lands with the errors helpers
            return _first_line(str(exc)), ""
        message, fix = _split_explained(exc, explain(exc))
        return message, cli_fix(fix, batch=batch)
    if isinstance(exc, OSError):
        return f"{type(exc).__name__}: {exc}", ""
    return f"{type(exc).__name__}: {_first_line(str(exc))}", "run again with --debug to see the traceback."


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "(no message)"


def _split_explained(exc: BaseException, text: str) -> tuple[str, str]:
    # explain() gives the cause and the fix; keep the cause to one line and lead the fix with "fix:".
    head, sep, fix = text.partition("Fix:")
    if not sep:
        head, sep, fix = text.partition("\n")
    status = getattr(exc, "status_code", None)
    head = _first_line(head) if head.strip() else _first_line(str(exc))
    if status is not None and str(status) not in head:
        head = f"{head} (HTTP {status})"
    return head, " ".join(fix.split())


def _exit_code(exc: BaseException) -> int:
    from deepseek_openai import InvalidRequestError, MissingAPIKeyError

    return 2 if isinstance(exc, (MissingAPIKeyError, InvalidRequestError, UsageError)) else 1


def _show_warning(stderr: IO[str], batch: bool) -> Any:
    def show(message: Warning | str, category: type[Warning], *_: Any, **__: Any) -> None:
        stderr.write(f"warning: {cli_warning(str(message), batch=batch)}\n")
        stderr.flush()

    return show


def main(argv: list[str] | None = None) -> int:
    """Run ``deepseek-openai`` with ``argv`` (default ``sys.argv[1:]``) and return the exit code.

    Args:
        argv: the arguments after the program name.

    Returns:
        0 on success, 1 when a request failed or a check found a problem, 2 for a usage or configuration error
        (including a missing API key), 130 after Ctrl-C.
    """
    parser = build_parser()
    args, extra = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    if args.version:
        print(_versions())
        return 0
    if args.command is None:
        parser.print_help()
        return 2
    if extra and args.command != "serve":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    stdout, stderr = sys.stdout, sys.stderr
    ctx: Context | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = _show_warning(stderr, args.command == "batch")
            ctx = Context(args, sys.stdin, stdout, stderr)
            module = importlib.import_module(f"{__name__}.{args.module}")
            code: int = getattr(module, f"run_{args.command}")(ctx)
            return code
    except KeyboardInterrupt:
        stderr.write("\ninterrupted\n")
        return 130
    except Exception as exc:  # noqa: BLE001 - every error becomes one line and its fix; --debug shows the rest
        if args.debug:
            import traceback

            traceback.print_exc(file=stderr)
        message, fix = describe_error(exc, batch=args.command == "batch")
        stderr.write(f"error: {message}\n")
        if fix:
            stderr.write(f"fix: {fix}\n")
        return _exit_code(exc)
    finally:
        if ctx is not None:
            ctx.close()
