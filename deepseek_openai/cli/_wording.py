"""Library fixes name Python (``**thinking(False)``, ``max_tokens``); on the command line they name the flags.

Every path where a library text reaches CLI output passes here: error fixes (``describe_error``, used by every
command and the interactive session), warnings (the ``Fix:`` part), and the finish-reason note of ``chat``.
"""

from __future__ import annotations

import re

__all__ = ["cli_fix", "cli_warning"]

_Q = "[\"']"
# Order matters: the specific thinking(...) forms go before the bare keyword names they contain.
_FLAGS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), flag)
    for pattern, flag in (
        (r"\*{0,2}thinking\((?:False|enabled=False)\)", "--no-thinking"),
        (rf"extra_body=\{{{_Q}thinking{_Q}: \{{{_Q}type{_Q}: {_Q}disabled{_Q}\}}\}}", "--no-thinking"),
        (rf"\*{{0,2}}thinking\((?:True, )?effort={_Q}(\w+){_Q}\)", r"--effort \1"),
        (r"\*{0,2}thinking\((?:True, )?effort=(?:\.\.\.)?\)", "--effort LEVEL"),
        (r"\*{0,2}thinking\(\)", "thinking on (the default; drop --no-thinking)"),
        (rf"\bmodel={_Q}([\w.-]+){_Q}", r"--model \1"),
        (rf"response_format=\{{{_Q}type{_Q}: {_Q}json_object{_Q}\}}", "--json"),
        (r"(?<![-\w])max_tokens\b", "--max-tokens"),
        (r"(?<![-\w])(?:reasoning_)?effort(?:=| (?='))", "--effort "),
        (r"(?<![-\w'])temperature\b", "--temperature"),
    )
)


def cli_fix(text: str) -> str:
    """Return a library fix worded for the command line: Python keywords and calls become the CLI's flags.

    Args:
        text: a ``fix`` from one of our errors, ``explain()``'s fix, or a finish-reason note.

    Returns:
        The same advice naming ``--no-thinking``, ``--effort``, ``--model``, ``--max-tokens``, ``--json`` and
        ``--temperature`` where the library named their Python counterparts.
    """
    for pattern, flag in _FLAGS:
        text = pattern.sub(flag, text)
    return text


def cli_warning(text: str) -> str:
    """Return a library warning with its ``Fix:`` / ``To silence this`` part worded for the command line.

    The alternatives only Python code can apply (``warnings.filterwarnings(...)``, ``compat=False``), which the
    library's warnings give after ``"; or "``, are left out.
    """
    for marker in ("Fix: ", "To silence this: ", "To silence this, "):
        head, sep, tail = text.partition(marker)
        if sep:
            kept = [part for part in tail.split("; or ") if "filterwarnings(" not in part and "compat=" not in part]
            fix = "; or ".join(kept)
            return head + sep + cli_fix(fix if fix.endswith(".") else f"{fix}.")
    return text
