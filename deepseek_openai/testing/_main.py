"""``serve()``: run a double in the foreground until Ctrl-C or SIGTERM (``python -m deepseek_openai.testing``)."""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from ._fake import DEFAULT_API_KEY, FakeDeepSeek

__all__ = ["serve"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m deepseek_openai.testing",
        description="Run an offline DeepSeek double on 127.0.0.1 until Ctrl-C or SIGTERM.",
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="the key to accept (default: a fixed sk-fake key)")
    parser.add_argument("--balance", default="100.00", help="account balance; 0 makes billed calls answer 402")
    parser.add_argument("--currency", default="USD", choices=["USD", "CNY"], help="balance currency")
    parser.add_argument("--keepalive", type=int, default=0, help="keep-alive lines/comments before every reply")
    return parser


def _announce(base_url: str, beta_base_url: str, api_key: str) -> str:
    # Plain "name: value" lines for programs, then export lines a user can paste into a POSIX shell.
    return (
        f"base_url: {base_url}\nbeta_base_url: {beta_base_url}\napi_key: {api_key}\n"
        f"export DEEPSEEK_BASE_URL={shlex.quote(base_url)}\nexport DEEPSEEK_API_KEY={shlex.quote(api_key)}\n"
    )


def serve(argv: Sequence[str] | None = None) -> int:
    """Run a :class:`FakeDeepSeek` in the foreground; the entry point of ``deepseek-openai serve``.

    Prints ``base_url: http://127.0.0.1:PORT``, ``beta_base_url: …`` and ``api_key: sk-…`` on lines of their own,
    then ``export DEEPSEEK_BASE_URL=…`` and ``export DEEPSEEK_API_KEY=…`` (shell-quoted, to paste into a shell so
    ``create_client()`` finds the double), flushes, then serves until interrupted (Ctrl-C, or SIGTERM when run on
    the main thread).

    Args:
        argv: command-line arguments without the program name (``--port``, ``--api-key``, ``--balance``,
            ``--currency``, ``--keepalive``); ``None`` reads ``sys.argv[1:]``.

    Returns:
        The exit status: ``0`` after a clean stop, ``1`` when the port cannot be bound.
    """
    args = _parser().parse_args(argv)
    stop = threading.Event()
    fake = FakeDeepSeek(
        api_key=args.api_key, balance=args.balance, currency=args.currency, keepalive=args.keepalive, port=args.port
    )
    try:
        fake.start()
    except OSError as exc:
        sys.stderr.write(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}\n")
        return 1
    previous = None
    if threading.current_thread() is threading.main_thread():

        def on_term(signum: int, frame: FrameType | None) -> None:
            stop.set()

        previous = signal.signal(signal.SIGTERM, on_term)
    try:
        # This is the CLI's output: the key printed is the double's own fake key, never a real one.
        sys.stdout.write(_announce(fake.base_url, fake.beta_base_url, fake.api_key))
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        fake.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0
