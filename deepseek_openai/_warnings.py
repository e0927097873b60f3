"""The package's warning categories, and ``warn_once``: shown under Python's default filters, from any caller.

Python's default filters hide ``DeprecationWarning`` unless the warning is attributed to ``__main__``; a request
made from framework code (langchain, instructor, ...) is attributed to the framework's frame, so a
``DeprecationWarning`` would never be seen. ``FutureWarning`` and ``UserWarning`` are shown by default wherever
they come from, once per calling line. Python's warning machinery alone decides what is shown: the filters
(``-W``, ``PYTHONWARNINGS``, ``warnings.filterwarnings``) and the per-module registry that ``catch_warnings``
resets, so ``pytest.warns`` catches a warning every time and ``simplefilter("error")`` raises every time.
"""

from __future__ import annotations

import sys
import warnings

__all__ = ["CompatWarning", "LegacyModelWarning", "user_stacklevel", "warn_once"]

_INTERNAL = frozenset({"deepseek_openai", "openai", "httpx", "httpx2", "httpcore", "httpcore2", "anyio", "asyncio"})


class CompatWarning(UserWarning):
    """The request hook changed an OpenAI-style request so DeepSeek accepts it, or saw a setting with no effect."""


class LegacyModelWarning(FutureWarning):
    """A retired model id (``deepseek-chat`` / ``deepseek-reasoner``) was sent as ``deepseek-flash``.

    A ``FutureWarning`` (Python's category for deprecations aimed at end users), so it is shown by default even
    when the request comes from a framework's code rather than from ``__main__``.
    """


def user_stacklevel() -> int:
    """Return the ``stacklevel`` that attributes a warning to the first frame outside the SDK stack.

    The SDK stack is this package, ``openai``, ``httpx``/``httpcore`` (and their 2.x names), ``anyio`` and
    ``asyncio``, so a warning raised inside the request hook names the user's (or the framework's) line, as does
    one raised by a helper the user called. Call it in the function that calls ``warnings.warn``:
    ``warnings.warn(message, category, stacklevel=user_stacklevel())``.
    """
    level, frame = 1, sys._getframe(1)  # level 1 is the frame that calls warnings.warn
    while frame.f_back is not None and frame.f_globals.get("__name__", "").partition(".")[0] in _INTERNAL:
        frame, level = frame.f_back, level + 1
    return level


def warn_once(message: str, category: type[Warning]) -> None:
    """Warn, attributed to the first calling line outside the SDK stack; Python's filters decide what is shown.

    Under the default action that is once per message per calling line (the caller module's
    ``__warningregistry__``); ``"always"`` shows every one, ``"error"`` raises every time, ``"ignore"`` none.
    """
    warnings.warn(message, category, stacklevel=user_stacklevel())
