"""``chat`` (one streamed reply, or an interactive session) and ``fim`` (fill-in-the-middle on the beta base)."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any

from ._common import DIM, RESET, Context, UsageError, format_usage
from ._wording import cli_fix

if TYPE_CHECKING:
    import openai

__all__ = ["Printer", "run_chat", "run_fim"]

_PROMPT = "> "


class Printer:
    """Shows one streamed reply: reasoning dim (or on stderr when stdout is piped), the answer on stdout."""

    def __init__(self, ctx: Context, *, hide_reasoning: bool) -> None:
        self.ctx = ctx
        self.reasoning_parts: list[str] = []
        self.content_parts: list[str] = []
        tty = _isatty(ctx.stdout)
        self._reasoning_to: IO[str] | None = None if hide_reasoning else (ctx.stdout if tty else ctx.stderr)
        self._dim = self._reasoning_to is not None and ctx.colour(self._reasoning_to)
        # Without colour on the answer's own stream, labels keep reasoning and answer apart.
        self._labels = self._reasoning_to is ctx.stdout and not self._dim
        self._in_reasoning = False

    def reasoning(self, text: str) -> None:
        """Show a piece of reasoning as it arrives."""
        self.reasoning_parts.append(text)
        out = self._reasoning_to
        if out is None:
            return
        if not self._in_reasoning:
            self._in_reasoning = True
            if self._labels:
                out.write("[thinking]\n")
            if self._dim:
                out.write(DIM)
        out.write(text)
        out.flush()

    def _close_reasoning(self) -> None:
        out = self._reasoning_to
        if not self._in_reasoning or out is None:
            return
        self._in_reasoning = False
        if self._dim:
            out.write(RESET)
        out.write("\n\n" if out is self.ctx.stdout else "\n")
        if self._labels:
            out.write("[answer]\n")
        out.flush()

    def content(self, text: str) -> None:
        """Show a piece of the answer as it arrives."""
        self._close_reasoning()
        self.content_parts.append(text)
        self.ctx.stdout.write(text)
        self.ctx.stdout.flush()

    def end(self) -> None:
        """Close the reasoning style and end the answer's last line."""
        self._close_reasoning()
        if self.content_parts and not self.content_parts[-1].endswith("\n"):
            self.ctx.stdout.write("\n")
        self.ctx.stdout.flush()

    def partial_turn(self) -> dict[str, Any]:
        """Return the assistant turn made of what arrived, for the history after an interrupted reply."""
        turn: dict[str, Any] = {"role": "assistant", "content": "".join(self.content_parts)}
        if self.reasoning_parts:
            turn["reasoning_content"] = "".join(self.reasoning_parts)
        return turn


def _isatty(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _model_and_thinking(ctx: Context) -> tuple[str, bool]:
    """Return the model id to send and whether to think: a retired name means its mode unless a flag says."""
    from deepseek_openai import MODELS

    args = ctx.args
    if args.no_thinking and args.effort:
        raise UsageError("--no-thinking and --effort contradict each other: drop one of them.")
    enabled = not args.no_thinking
    info = MODELS.get(args.model)
    if info is None or info.legacy_thinking is None:
        return args.model, enabled
    # Retired names are refused by DeepSeek (news/v4-flash): send the model serving them, in the legacy name's
    # thinking mode unless --no-thinking or --effort chose one. The CLI does it itself so that the flags win.
    if not args.no_thinking and args.effort is None:
        enabled = info.legacy_thinking
    flags = f"--model {info.served_by}" + ("" if enabled else " --no-thinking")
    flags += f" --effort {args.effort}" if args.effort else ""
    ctx.err(
        f"warning: model {args.model!r} was retired by DeepSeek on 2026-07-24; sent as {info.served_by!r} with "
        f"thinking {'on' if enabled else 'off'}. To silence this, use {flags}."
    )
    return info.served_by, enabled


def _create_kwargs(ctx: Context, enabled: bool) -> dict[str, Any]:
    from deepseek_openai import thinking

    args = ctx.args
    kwargs: dict[str, Any] = dict(thinking(enabled, effort=args.effort))
    if args.json:
        kwargs["response_format"] = {"type": "json_object"}
    if args.temperature is not None:
        kwargs["temperature"] = args.temperature
    if args.max_tokens is not None:
        kwargs["max_tokens"] = args.max_tokens
    return kwargs


def _request(ctx: Context) -> dict[str, Any]:
    """Return the request keywords every round of a run shares (model, thinking, options), checked first."""
    model, enabled = _model_and_thinking(ctx)
    return {"model": model, **_create_kwargs(ctx, enabled)}


def _first_messages(ctx: Context, prompt: str | None) -> list[dict[str, Any]]:
    args = ctx.args
    messages: list[dict[str, Any]] = []
    if args.system:
        messages.append({"role": "system", "content": args.system})
    if args.json and "json" not in f"{args.system or ''} {prompt or ''}".lower():
        # JSON mode needs the word "json" in the prompt, or DeepSeek may return only whitespace (guides/json_mode).
        messages.append({"role": "system", "content": "Reply with a JSON object."})
    return messages


def _turn(
    ctx: Context, client: openai.OpenAI, messages: list[dict[str, Any]], request: dict[str, Any]
) -> tuple[dict[str, Any] | None, bool]:
    """Stream one reply; return its assistant turn (``None`` if nothing arrived) and whether Ctrl-C cut it short."""
    from deepseek_openai import StreamInterruptedError, assistant_turn, collect_stream, usage_of

    args = ctx.args
    printer = Printer(ctx, hide_reasoning=args.hide_reasoning)
    try:
        # Plain dicts, so reasoning_content travels back with each assistant turn.
        kwargs: dict[str, Any] = {"messages": messages, **request}
        stream = client.chat.completions.create(stream=True, stream_options={"include_usage": True}, **kwargs)
        result = collect_stream(stream, on_reasoning=printer.reasoning, on_content=printer.content)
    except KeyboardInterrupt:
        printer.end()
        if not printer.content_parts and not printer.reasoning_parts:
            ctx.err("interrupted before the reply started")
            return None, True
        ctx.err(f"interrupted: kept the {len(''.join(printer.content_parts))} characters that arrived")
        return printer.partial_turn(), True
    except StreamInterruptedError:
        printer.end()
        raise
    printer.end()
    ctx.err(format_usage(usage_of(result) if result.usage is not None else None, request["model"]))
    if result.finish_note:
        ctx.err(f"note: {cli_fix(result.finish_note)}")
    return dict(assistant_turn(result)), False


def _user_content(ctx: Context, prompt: str) -> str | list[dict[str, Any]]:
    """Return the prompt, or with --image a list of image parts (checked before sending) and the text part."""
    images = getattr(ctx.args, "image", None)
    if not images:
        return prompt
    from deepseek_openai import MODELS, image_part

    info = MODELS.get(ctx.args.model)
    if info is not None and not info.vision:
        # Images go to deepseek-flash only; deepseek-v4-pro answers 400 (guides/vision).
        raise UsageError(f"--image: {ctx.args.model} reads text only: use --model deepseek-flash.")

    return [*(image_part(path) for path in images), {"type": "text", "text": prompt}]


def run_chat(ctx: Context) -> int:
    """Stream one reply to PROMPT (or stdin); with neither on a terminal, run an interactive session."""
    prompt: str | None = ctx.args.prompt
    if prompt is None:
        if _isatty(ctx.stdin):
            return _interactive(ctx)
        prompt = ctx.stdin.read()
        if not prompt.strip():
            raise UsageError("no prompt: pass PROMPT as an argument or pipe it on stdin.")
    request = _request(ctx)
    client = ctx.client()
    messages = [*_first_messages(ctx, prompt), {"role": "user", "content": _user_content(ctx, prompt)}]
    _, interrupted = _turn(ctx, client, messages, request)
    return 130 if interrupted else 0


def _interactive(ctx: Context) -> int:
    """Run a multi-round session (history and reasoning kept) until Ctrl-D; Ctrl-C stops only the reply."""
    from . import describe_error

    request = _request(ctx)
    client = ctx.client()
    mode = "off" if request["extra_body"]["thinking"]["type"] == "disabled" else "on"
    ctx.err(f"chat with {request['model']} (thinking {mode}). Ctrl-D ends the session, Ctrl-C stops a reply.")
    history: list[dict[str, Any]] = []
    first = True
    while True:
        ctx.out(_PROMPT, end="")
        try:
            line = ctx.stdin.readline()
        except KeyboardInterrupt:
            ctx.out()
            continue
        if not line:
            ctx.out()
            return 0
        text = line.rstrip("\n")
        if not text.strip():
            continue
        content: str | list[dict[str, Any]] = text
        if first:
            history.extend(_first_messages(ctx, text))
            content = _user_content(ctx, text)  # --image goes with the first prompt only
            first = False
        history.append({"role": "user", "content": content})
        try:
            turn, _ = _turn(ctx, client, history, request)
        except Exception as exc:  # noqa: BLE001 - a failed round is reported; the session goes on
            turn = None
            message, fix = describe_error(exc)
            ctx.err(f"error: {message}" + (f"\nfix: {fix}" if fix else ""))
        if turn is None:
            history.pop()  # a round without an answer leaves no trace in the history
        else:
            history.append(turn)


def run_fim(ctx: Context) -> int:
    """Print the text DeepSeek writes between PROMPT and --suffix (FIM completion on the beta base)."""
    from deepseek_openai import fim

    args = ctx.args
    text = fim(ctx.client(beta=True), args.prompt, args.suffix, model=args.model, max_tokens=args.max_tokens)
    ctx.out(text, end="" if text.endswith("\n") else "\n")
    return 0
