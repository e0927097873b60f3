"""``doctor`` (is the set-up right?) and ``serve`` (the offline double in the foreground)."""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

from ._common import Context
from ._wording import cli_warning

__all__ = ["compare_models", "installed_versions", "run_doctor", "run_serve"]

_PACKAGES = ("openai", "httpx", "httpx2", "pydantic", "python-dotenv")


def installed_versions() -> dict[str, str]:
    """Return the installed versions of the packages that matter (read from metadata; nothing is imported)."""
    from importlib import metadata

    found = {}
    for name in _PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def compare_models(listed: list[str]) -> list[str]:
    """Return one line per difference between ``GET /models`` ids and the package's table of current models.

    Args:
        listed: the ids DeepSeek (or the double) lists.

    Returns:
        An empty list when both name the same current models.
    """
    from deepseek_openai import MODELS, current_models

    problems = [f"DeepSeek lists {name!r}, which our model table lacks" for name in listed if name not in MODELS]
    problems += [
        f"our model table has {name!r} as current, which DeepSeek does not list"
        for name in current_models()
        if name not in listed
    ]
    problems += [
        f"DeepSeek lists {name!r}, which our model table marks as {MODELS[name].status}"
        for name in listed
        if name in MODELS and MODELS[name].status == "retired"
    ]
    return problems


def _problem(exc: BaseException) -> str:
    from . import describe_error

    message, fix = describe_error(exc)
    return f"{message} Fix: {fix}" if fix else message


def _settings(ctx: Context, problems: list[str]) -> Any:
    from deepseek_openai import DeepSeekError, MissingAPIKeyError, redact, resolve_settings

    from . import describe_error

    if ctx.offline:
        fake = ctx.start_fake()
        ctx.out(f"key:       {redact(fake.api_key)}  (from the offline double)")
        ctx.out(f"base URL:  {fake.base_url}  (offline double)")
        return True
    try:
        settings = resolve_settings(None, ctx.args.base_url, env_file=ctx.args.env_file)
    except DeepSeekError as exc:
        found = "none found" if isinstance(exc, MissingAPIKeyError) else describe_error(exc)[0]
        ctx.out(f"key:       {found}")
        problems.append(_problem(exc))
        if isinstance(exc, MissingAPIKeyError):
            _base_url_alone(ctx, problems)
        return None
    source = {"environment": "the DEEPSEEK_API_KEY environment variable", "argument": "the command line"}.get(
        settings.key_source, settings.key_source
    )
    ctx.out(f"key:       {redact(settings.api_key)}  (from {source})")
    ctx.out(f"base URL:  {settings.base_url}  ({_url_source(settings.base_url_source)})")
    return settings


def _url_source(source: str) -> str:
    return "--base-url" if source == "argument" else source


def _base_url_alone(ctx: Context, problems: list[str]) -> None:
    from deepseek_openai import DeepSeekError, resolve_settings

    try:  # a stand-in key: the base URL is resolved the same way with or without one
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a .env line it skipped is already named by the missing-key problem
            where = resolve_settings("sk-stand-in", ctx.args.base_url, env_file=ctx.args.env_file)
    except DeepSeekError as exc:
        problems.append(_problem(exc))
    else:
        ctx.out(f"base URL:  {where.base_url}  ({_url_source(where.base_url_source)})")


def _live(ctx: Context, problems: list[str]) -> None:
    from deepseek_openai import get_balance

    from . import describe_error

    try:
        client = ctx.client()
        balance = get_balance(client)
        amounts = ", ".join(f"{b.total} {b.currency}" for b in balance.balances) or "no amounts"
        state = "available" if balance.is_available else "NOT available"
        ctx.out(f"balance:   {amounts} ({state})")
        if not balance.is_available:
            problems.append("the balance cannot pay for requests. Fix: top up at https://platform.deepseek.com/top_up")
        listed = [m.id for m in client.models.list()]
    except Exception as exc:  # noqa: BLE001 - doctor reports every failure as a finding instead of stopping
        ctx.out(f"live:      failed: {describe_error(exc)[0]}")
        problems.append(_problem(exc))
        return
    diffs = compare_models(listed)
    verdict = "matches our model table" if not diffs else f"{len(diffs)} difference(s) from our model table"
    ctx.out(f"/models:   {', '.join(listed) or '(none)'}  ({verdict})")
    problems.extend(diffs)


def run_doctor(ctx: Context) -> int:
    """Report key source (redacted), base URL, ignored ``OPENAI_*`` variables, versions and a live check.

    Returns 0 when nothing is wrong, 1 otherwise (every problem is listed with its fix).
    """
    from deepseek_openai import __version__

    problems: list[str] = []
    versions = installed_versions()
    py = ".".join(map(str, sys.version_info[:3]))
    ctx.out(f"deepseek-openai {__version__} on Python {py}")
    ctx.out("packages:  " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    if "httpx" not in versions and "httpx2" not in versions:
        problems.append("neither httpx nor httpx2 is installed. Fix: pip install --force-reinstall openai")
    ignored = sorted(name for name in os.environ if name.startswith("OPENAI_"))
    if ignored:
        ctx.out(f"ignored:   {', '.join(ignored)} (set, but never sent to DeepSeek)")
    else:
        ctx.out("ignored:   no OPENAI_* variables set")
    with warnings.catch_warnings(record=True) as caught:
        # A warning about the set-up (e.g. a .env line python-dotenv skipped) is a finding like any other.
        warnings.simplefilter("always")
        settings = _settings(ctx, problems)
        if settings is not None:
            _live(ctx, problems)
        else:
            ctx.out("live:      skipped (no usable key)")
    for text in dict.fromkeys(cli_warning(str(w.message)) for w in caught):
        problems.append(text)
    if not problems:
        ctx.out("result:    everything looks right")
        return 0
    ctx.out(f"result:    {len(problems)} problem(s)")
    for problem in problems:
        ctx.out(f"  - {problem}")
    return 1


def run_serve(ctx: Context) -> int:
    """Run the offline double in the foreground until Ctrl-C; extra arguments go to the double's own parser."""
    from deepseek_openai.testing import serve

    extra = [a for a in ctx.args.extra if a != "--"]
    return serve(extra)
