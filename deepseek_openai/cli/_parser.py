"""The argparse tree: global options (accepted before or after the command), one sub-parser per command."""

from __future__ import annotations

import argparse

__all__ = ["EXIT_CODES", "build_parser"]

EXIT_CODES = """\
exit codes:
  0    success
  1    the request failed (API error such as 401 or 402, network error), or doctor/demo found a problem
  2    usage or configuration error: a bad option, no API key found, an invalid key or base URL
  130  interrupted with Ctrl-C (what arrived before is kept)
"""

_DESCRIPTION = """\
Try DeepSeek from the command line, through the official OpenAI SDK.

The key comes from --env-file, DEEPSEEK_API_KEY or a .env file (OPENAI_API_KEY is never used).
Without a key, `demo`, `serve`, `models`, `cost` and `doctor` still work; `--offline` runs any command
against the embedded offline double instead of DeepSeek.
"""

_MAIN_EXAMPLES = """\
examples:
  deepseek-openai demo                      # one step per DeepSeek guide (offline when no key is set)
  deepseek-openai chat "Why is the sky blue?"
  deepseek-openai --offline chat "hi"       # global options go before or after the command
  deepseek-openai cost --model deepseek-flash --hit 1000 --miss 200 --output 500
"""

_COMMANDS: dict[str, tuple[str, str, str]] = {
    # name: (summary, module, examples)
    "chat": (
        "stream a reply; reasoning shown apart from the answer; interactive without a prompt",
        "chat",
        """\
examples:
  deepseek-openai chat "Explain TCP slow start in two sentences"
  echo "Summarise: ..." | deepseek-openai chat --no-thinking > answer.txt
  deepseek-openai chat --json "List three primes as json: {\\"primes\\": [...]}"
  deepseek-openai chat                     # interactive session on a terminal; Ctrl-D ends it

Reasoning is dim on a terminal; when stdout is piped only the answer goes to stdout and the reasoning
goes to stderr. The usage line (tokens, cache hits, cost) always goes to stderr.
Ctrl-C stops the current reply and keeps what arrived.
""",
    ),
    "fim": (
        "fill-in-the-middle completion (beta base, non-thinking)",
        "chat",
        """\
examples:
  deepseek-openai fim "def fib(n):" --suffix "    return a"
""",
    ),
    "search": (
        "search the web with DeepSeek's Search tool ($0.75 per 1,000 successful calls)",
        "webtools",
        """\
examples:
  deepseek-openai search "deepseek api pricing" --count 5
  deepseek-openai search "site:api-docs.deepseek.com thinking mode" --content

Results go to stdout; the billed calls and their price go to stderr.
""",
    ),
    "fetch": (
        "fetch one web page as Markdown with DeepSeek's Fetch tool ($0.75 per 1,000 successful calls)",
        "webtools",
        """\
examples:
  deepseek-openai fetch https://api-docs.deepseek.com/ > page.md
""",
    ),
    "models": (
        "the model table (limits, features, prices) and what GET /models reports",
        "info",
        """\
examples:
  deepseek-openai models
  deepseek-openai models --currency CNY
""",
    ),
    "balance": (
        "the account balance",
        "info",
        """\
examples:
  deepseek-openai balance
""",
    ),
    "cost": (
        "price a call from its token counts (peak/off-peak aware)",
        "info",
        """\
examples:
  deepseek-openai cost --model deepseek-flash --hit 1000 --miss 200 --output 500
  deepseek-openai cost --model deepseek-v4-pro --miss 10000 --output 2000 --at 2026-11-24T02:30:00Z --currency CNY
""",
    ),
    "doctor": (
        "check the set-up: key source (redacted), base URL, ignored OPENAI_* variables, versions, a live call",
        "doctor",
        """\
examples:
  deepseek-openai doctor
  deepseek-openai doctor --offline         # the live check against the offline double

Exit code 0 when everything is fine, 1 when something needs attention (each problem is listed).
""",
    ),
    "serve": (
        "run the offline DeepSeek double in the foreground (prints base URL and key)",
        "doctor",
        """\
examples:
  deepseek-openai serve
  deepseek-openai serve --port 8000 --balance 0   # an empty account: chat answers 402

Options passed to the double: --port N, --api-key KEY, --balance AMOUNT, --currency USD|CNY, --keepalive N.

Point any client at it with DEEPSEEK_BASE_URL=<printed URL> DEEPSEEK_API_KEY=<printed key>. Ctrl-C stops it.
""",
    ),
    "demo": (
        "one short step per DeepSeek guide, against DeepSeek or (without a key) the offline double",
        "demo",
        """\
examples:
  deepseek-openai demo                     # offline banner when no key is found
  deepseek-openai demo --offline           # force the offline double even with a key

Exit code 0 only if every step worked.
""",
    ),
    "batch": (
        "send an OpenAI Batch JSONL file to DeepSeek: resumable, adaptive to 429s, off-peak and budget aware",
        "batch",
        """\
examples:
  deepseek-openai batch requests.jsonl -o results.jsonl
  deepseek-openai batch openai_batch.jsonl -o out.jsonl --model deepseek-flash   # replaces OpenAI model names
  deepseek-openai batch requests.jsonl -o results.jsonl --off-peak --max-cost 20

The whole input is checked first (nothing is sent if a line is bad). Output lines are appended as replies
arrive; running the same command again skips the custom_ids already in the output (an existing output that is
not this job's is refused, unchanged). 429s, 5xx and lost connections are retried; a 401 or 402 stops the run
and leaves the rest for a rerun. Ctrl-C stops admitting requests and waits for those in flight; twice: at once.
Exit code 1 when some requests failed (their error lines are in the output) or the run stopped early (budget,
deadline, key, balance, network); 130 after Ctrl-C; 2 for a bad input or output file.
""",
    ),
}


def _global_options(defaults: bool) -> argparse.ArgumentParser:
    # SUPPRESS on the sub-parser copy: a value given before the command is not reset by the sub-parser.
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("global options (before or after the command)")

    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    group.add_argument("--offline", action="store_true", default=default(False), help="use the embedded offline double")
    group.add_argument("--base-url", metavar="URL", default=default(None), help="DeepSeek base URL")
    group.add_argument(
        "--env-file", metavar="PATH", default=default(None), help="read DEEPSEEK_API_KEY from this .env file"
    )
    group.add_argument("--debug", action="store_true", default=default(False), help="show tracebacks on errors")
    group.add_argument("--version", action="store_true", default=default(False), help="print versions and exit")
    return parent


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def _add_chat(p: argparse.ArgumentParser) -> None:
    p.add_argument("prompt", nargs="?", metavar="PROMPT", help="the prompt; read from stdin when omitted")
    p.add_argument("--model", default="deepseek-flash", help="model id (default: %(default)s)")
    p.add_argument("--no-thinking", action="store_true", help="turn thinking mode off")
    p.add_argument("--effort", choices=("low", "high", "max"), help="reasoning effort (thinking mode)")
    p.add_argument("--system", metavar="TEXT", help="a system message")
    p.add_argument("--json", action="store_true", help="JSON output mode (response_format json_object)")
    p.add_argument("--temperature", type=float, help="sampling temperature (no effect while thinking)")
    p.add_argument("--max-tokens", type=int, metavar="N", help="limit on output tokens")
    p.add_argument("--hide-reasoning", action="store_true", help="do not show the reasoning")
    p.add_argument(
        "--image",
        action="append",
        metavar="PATH",
        help="an image (file, https:// or data: URL) to send with the prompt; repeatable; deepseek-flash only",
    )


def _add_fim(p: argparse.ArgumentParser) -> None:
    p.add_argument("prompt", metavar="PROMPT", help="the text before the gap")
    p.add_argument("--suffix", metavar="S", help="the text after the gap")
    p.add_argument("--model", default="deepseek-flash", help="model id (default: %(default)s)")
    p.add_argument("--max-tokens", type=int, metavar="N", help="limit on output tokens (at most 4096)")


def _add_search(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", metavar="QUERY", help='1-128 characters; site:, -site:, "...", lang:, after:, before:')
    p.add_argument("--count", type=int, default=10, metavar="N", help="results, 1-50 (default: %(default)s)")
    p.add_argument("--content", action="store_true", help="also print each page's text")


def _add_fetch(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", metavar="URL", help="an http(s) URL of at most 8192 characters")


def _add_models(p: argparse.ArgumentParser) -> None:
    p.add_argument("--currency", choices=("USD", "CNY"), type=str.upper, default="USD", help="price list")


def _add_cost(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, help="model id, e.g. deepseek-flash")
    p.add_argument("--hit", type=int, default=0, metavar="N", help="input tokens served from the cache")
    p.add_argument("--miss", type=int, default=0, metavar="N", help="input tokens not in the cache")
    p.add_argument("--output", type=int, default=0, metavar="N", help="output tokens, reasoning included")
    p.add_argument(
        "--at",
        metavar="TIME",
        help="when the call ran: ISO 8601, e.g. 2026-11-24T02:30:00Z (default: now; naive = UTC)",
    )
    p.add_argument("--currency", choices=("USD", "CNY"), type=str.upper, default="USD", help="price list")


def _add_batch(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", metavar="INPUT.jsonl", help="OpenAI Batch input: custom_id, method, url, body per line")
    p.add_argument("-o", "--output", required=True, metavar="OUTPUT.jsonl", help="output, appended (resumable)")
    p.add_argument("--concurrency", type=int, metavar="N", help="most requests in flight (default: the model's cap)")
    p.add_argument("--off-peak", action="store_true", help="send only at off-peak (half) prices; wait otherwise")
    p.add_argument("--max-cost", metavar="AMOUNT", help="stop before the job's cost would pass this amount")
    p.add_argument("--model", help="replace every line's model (required for OpenAI model names)")
    p.add_argument("--currency", choices=("USD", "CNY"), type=str.upper, default="USD", help="your account's prices")
    p.add_argument("--progress-every", type=float, default=5.0, metavar="S", help="seconds between progress lines")
    p.add_argument("--timeout", type=float, metavar="S", help="seconds per request before it is retried (default 1800)")
    p.add_argument(
        "--deadline", type=float, metavar="S", help="seconds for the whole run (then failing requests get an error)"
    )
    p.add_argument(
        "--grace", type=float, default=300.0, metavar="S", help="seconds of connection failures before the run stops"
    )
    p.add_argument("--wait", action="store_true", help="if another run writes the same output, wait for it to end")


def _add_nothing(p: argparse.ArgumentParser) -> None:
    return None


_ADDERS = {
    "chat": _add_chat,
    "fim": _add_fim,
    "search": _add_search,
    "fetch": _add_fetch,
    "models": _add_models,
    "balance": _add_nothing,
    "cost": _add_cost,
    "doctor": _add_nothing,
    "serve": _add_nothing,
    "demo": _add_nothing,
    "batch": _add_batch,
}


def build_parser() -> argparse.ArgumentParser:
    """Return the ``deepseek-openai`` parser; each sub-command sets ``command`` and ``module``."""
    parser = argparse.ArgumentParser(
        prog="deepseek-openai",
        description=_DESCRIPTION,
        epilog=_MAIN_EXAMPLES + "\n" + EXIT_CODES,
        formatter_class=_formatter,
        parents=[_global_options(defaults=True)],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    shared = _global_options(defaults=False)
    for name, (summary, module, examples) in _COMMANDS.items():
        p = sub.add_parser(
            name,
            help=summary,
            description=summary[0].upper() + summary[1:] + ".",
            epilog=examples + "\n" + EXIT_CODES,
            formatter_class=_formatter,
            parents=[shared],
        )
        _ADDERS[name](p)
        p.set_defaults(module=module)
    return parser
