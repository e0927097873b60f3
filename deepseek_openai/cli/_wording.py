"""Library texts name Python (``**thinking(False)``, ``api_key=``); on the command line they name flags and variables.

Every path where a library text reaches CLI output passes here: our own errors' message and fix, and explained API
errors' fix (``describe_error``, used by every command, ``doctor``, ``demo`` and the interactive session), warnings
(the ``Fix:`` part), and the finish-reason note of ``chat``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["NO_KEY_YET", "cli_fix", "cli_message", "cli_warning"]

NO_KEY_YET = (
    "No key yet? Add --offline to run this command against the built-in offline double, or run "
    "`deepseek-openai serve` and export the DEEPSEEK_BASE_URL and DEEPSEEK_API_KEY it prints."
)
"""What the CLI says instead of the library's "No key yet?" sentence (which points Python tests at FakeDeepSeek)."""

_Q = "[\"']"
# Where the key and base URL come from, and the library calls fixes name. Specific phrases go before general ones.
_SETUP = (
    (r"no api_key argument, ", ""),
    (r"pass api_key=\.\.\., export", "export"),
    (r"or pass api_key=\.\.\. or export", "or export"),
    (r"(put DEEPSEEK_API_KEY=sk-\.\.\. in a \.env file);", r"\1 (or in the file --env-file names);"),
    (r"No key yet\? .*", NO_KEY_YET),
    (r"\(or api_key=\)", "(in the environment, a .env file or the file --env-file names)"),
    (r"the base_url argument", "--base-url"),
    (rf"\benv_file=({_Q}.*?{_Q})", r"--env-file \1"),
    (
        r"pass the path of an existing \.env file, None to search from the working directory, or False\.",
        "give --env-file the path of an existing file, or leave --env-file out to search for .env from the working "
        "directory up.",
    ),
    (r"\(or \S+ / beta=True for beta features\)", "(commands that need the beta base, such as fim, add /beta)"),
    (
        r"check the base URL: (\S+) \(or create_client\(beta=True\) for /beta features\)",
        r"check --base-url / DEEPSEEK_BASE_URL: \1 (commands that need /beta add it themselves)",
    ),
    (r"create the client with create_client\(beta=True\) \(base URL (\S+)\)", r"use the beta base URL \1"),
    (r"create_client\(beta=True\)", "the beta base URL (fim adds /beta to --base-url itself)"),
    (r"\(DEEPSEEK_BASE_URL, default", "(--base-url or DEEPSEEK_BASE_URL, default"),
    (r"get_balance\(client\) shows", "`deepseek-openai balance` shows"),
    (r"\(model_info\(model\)\.max_output_tokens\)", "(`deepseek-openai models` lists each model's max out)"),
    (r"raise timeout= \(([^)]*)\) or use stream=True", r"retry (\1; chat streams its reply)"),
    (r"^count must be", "--count must be"),
    (r"\bpass count from", "pass --count from"),
    (r"image_part\(path_or_bytes\) makes a data: URL", "--image PATH sends a local file"),
    (r"\boutput_path=", "-o"),
    (r"\bmax_cost=", "--max-cost"),
    (r"\bpass model=(?![\"'])", "pass --model"),
    (
        r"the text that arrived is on \.partial; send the request again, or continue \.partial\.content with "
        r"complete_prefix\(\) on a beta client\.",
        "the text that arrived is shown above; run the command again.",
    ),
)
# Request options. Order matters: the specific thinking(...) forms go before the bare keyword names they contain.
_OPTIONS = (
    (r"\*{0,2}thinking\((?:False|enabled=False)\)", "--no-thinking"),
    (rf"extra_body=\{{{_Q}thinking{_Q}: \{{{_Q}type{_Q}: {_Q}disabled{_Q}\}}\}}", "--no-thinking"),
    (rf"\*{{0,2}}thinking\((?:True, )?effort={_Q}(\w+){_Q}\)", r"--effort \1"),
    (r"\*{0,2}thinking\((?:True, )?effort=(?:\.\.\.)?\)", "--effort LEVEL"),
    (r"\*{0,2}thinking\(\)", "thinking on (the default; drop --no-thinking)"),
    (rf"\bmodel={_Q}([\w.-]+){_Q}", r"--model \1"),
    (rf"response_format=\{{{_Q}type{_Q}: {_Q}json_object{_Q}\}}", "--json"),
    (r"(?<![-\w\"])max_tokens=(\d+)", r"--max-tokens \1"),
    (r"(?<![-\w\"])max_tokens\b", "--max-tokens"),
    (r"(?<![-\w])(?:reasoning_)?effort(?:=| (?='))", "--effort "),
    (r"(?<![-\w'\"])temperature\b", "--temperature"),
)
_OFF = '"thinking": {"type": "disabled"}'
_EXTRA_OFF = rf"extra_body=\{{{_Q}thinking{_Q}: \{{{_Q}type{_Q}: {_Q}disabled{_Q}\}}\}}"


def _fields(names: str) -> str:  # "temperature and top_p" -> '"temperature" and "top_p"' (JSON names)
    return " and ".join(f'"{name}"' for name in names.split(" and "))


# `batch` sends the lines of a file: there a fix names what to write in their bodies (it has no --no-thinking,
# --temperature or --max-tokens). Applied before the wording above, which then finds nothing of these left.
_BATCH_ONLY: tuple[tuple[str, str | Callable[[re.Match[str]], str]], ...] = (
    (rf"write model={_Q}([\w.-]+){_Q} with {_EXTRA_OFF}", f'write "model": "\\1" and {_OFF} in those lines\' bodies'),
    (rf"write model={_Q}([\w.-]+){_Q}", 'write "model": "\\1" in those lines\' bodies'),
    (
        rf"drop (\w+(?: and \w+)*), or turn thinking off \({_EXTRA_OFF}\)",
        lambda m: f"drop {_fields(m[1])} from those lines' bodies, or add {_OFF} to them",
    ),
    (
        rf"send thinking off yourself with a forced tool_choice \({_EXTRA_OFF}\)",
        f"add {_OFF} to the bodies of the lines that force a tool_choice",
    ),
    (
        r"where you make the call, use json_completion\(client, messages, schema=Model\), which asks for "
        r"json_object itself, validates and retries",
        'ask for "response_format": {"type": "json_object"} in those lines\' bodies, with your schema in a '
        "message, and validate each reply against it",
    ),
    (rf"(?:\*\*thinking\(False\)|{_EXTRA_OFF})", f"{_OFF} in the line's body"),
    (r"a smaller max_tokens\b", 'a smaller "max_tokens" in their bodies'),
)
_Rule = tuple[re.Pattern[str], "str | Callable[[re.Match[str]], str]"]
_WORDING: tuple[_Rule, ...] = tuple((re.compile(pattern), replacement) for pattern, replacement in (*_SETUP, *_OPTIONS))
_BATCH_WORDING: tuple[_Rule, ...] = (
    *((re.compile(pattern), replacement) for pattern, replacement in _BATCH_ONLY),
    *_WORDING,
)
_PYTHON_ONLY = re.compile(r"; or,? ")  # where a warning's Python-only alternatives begin


def cli_fix(text: str, *, batch: bool = False) -> str:
    """Return a library fix worded for the command line: Python keywords and calls become flags and variables.

    Args:
        text: a ``fix`` from one of our errors, ``explain()``'s fix, or a finish-reason note.
        batch: word it for ``batch``, whose requests are the lines of a file: fixes about a request name what to
            write in the lines' bodies, since ``batch`` has no per-request flags.

    Returns:
        The same advice naming ``DEEPSEEK_API_KEY``, ``.env`` and ``--env-file`` for the key, ``--base-url``,
        ``--offline``, ``--no-thinking``, ``--effort``, ``--model``, ``--max-tokens``, ``--json``, ``--temperature``,
        ``--count``, ``-o`` and ``--max-cost`` where the library named Python arguments and calls.
    """
    for pattern, replacement in _BATCH_WORDING if batch else _WORDING:
        text = pattern.sub(replacement, text)
    return text


def cli_message(text: str, *, batch: bool = False) -> str:
    """Return the message of one of our errors worded for the command line (``--base-url``, ``--env-file``, ...).

    The same translation as :func:`cli_fix`; kept apart so each call site says which part it words.
    """
    return cli_fix(text, batch=batch)


def cli_warning(text: str, *, batch: bool = False) -> str:
    """Return a library warning with its ``Fix:`` / ``To silence this`` part worded for the command line.

    The alternatives only Python code can apply (``warnings.filterwarnings(...)``, ``compat=False``), which the
    library's warnings give after ``"; or "``, are left out; when nothing else is left, so is the fix's label.
    """
    for marker in ("Fix: ", "To silence this: ", "To silence this, "):
        head, sep, tail = text.partition(marker)
        if sep:
            parts = _PYTHON_ONLY.split(tail)
            fix = "; or ".join(p for p in parts if "filterwarnings(" not in p and "compat=" not in p)
            if not fix:
                return head.rstrip()
            return head + sep + cli_fix(fix if fix.endswith(".") else f"{fix}.", batch=batch)
    return text
