"""``demo``: one short step per DeepSeek guide, against DeepSeek or, without a key, the embedded offline double.

The steps run the same code either way; offline, each step first queues the replies the double should give,
so the printed answers read like the real ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._common import Context

if TYPE_CHECKING:
    import openai

    from deepseek_openai.testing import FakeDeepSeek

__all__ = ["STEPS", "Step", "run_demo"]

_MODEL = "deepseek-flash"


class Demo:
    """The clients a demo run shares (made on first use) and the offline double, if any."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._client: openai.OpenAI | None = None
        self._beta: openai.OpenAI | None = None

    @property
    def client(self) -> openai.OpenAI:
        """The main-base client."""
        if self._client is None:
            self._client = self.ctx.client()
        return self._client

    @property
    def beta(self) -> openai.OpenAI:
        """The beta-base client (prefix completion, FIM)."""
        if self._beta is None:
            self._beta = self.ctx.client(beta=True)
        return self._beta

    def chat(self, messages: list[dict[str, Any]], **kwargs: Any) -> Any:
        """One non-streaming chat completion with the demo model."""
        return self.client.chat.completions.create(model=_MODEL, messages=messages, **kwargs)  # type: ignore[arg-type]


def _short(text: str | None, limit: int = 90) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _first_call(d: Demo) -> list[str]:
    from deepseek_openai import thinking

    reply = d.chat([{"role": "user", "content": "Say hello in five words."}], **thinking(False), max_tokens=50)
    return [f"reply: {_short(reply.choices[0].message.content)}", f"model: {reply.model}"]


def _thinking(d: Demo) -> list[str]:
    from deepseek_openai import reasoning_of, thinking

    reply = d.chat([{"role": "user", "content": "What is 17 * 23? Answer with the number."}], **thinking(effort="low"))
    return [f"reasoning: {_short(reasoning_of(reply))}", f"answer: {_short(reply.choices[0].message.content)}"]


def _multi_round(d: Demo) -> list[str]:
    from deepseek_openai import assistant_turn, thinking

    history: list[dict[str, Any]] = [{"role": "user", "content": "Name one prime number between 10 and 20."}]
    first = d.chat(history, **thinking(False), max_tokens=30)
    history += [assistant_turn(first), {"role": "user", "content": "Double it. Answer with the number."}]
    second = d.chat(history, **thinking(False), max_tokens=30)
    return [
        f"round 1: {_short(first.choices[0].message.content)}",
        f"round 2: {_short(second.choices[0].message.content)} (sent {len(history)} messages: history kept)",
    ]


def _streaming(d: Demo) -> list[str]:
    from deepseek_openai import collect_stream, thinking

    pieces: list[str] = []
    stream = d.client.chat.completions.create(
        model=_MODEL,
        messages=[{"role": "user", "content": "In one sentence: why stream replies?"}],
        stream=True,
        stream_options={"include_usage": True},
        **thinking(effort="low"),
    )
    result = collect_stream(stream, on_content=pieces.append)
    return [
        f"{result.chunks} chunks: {len(result.reasoning)} characters of reasoning, then {len(pieces)} answer pieces",
        f"answer: {_short(result.content)}",
    ]


_WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def _tool_call(d: Demo) -> list[str]:
    from deepseek_openai import run_tools, thinking

    calls: list[str] = []

    def get_weather(city: str) -> dict[str, Any]:
        calls.append(f"get_weather({city!r})")
        return {"city": city, "temperature_c": 18, "sky": "sunny"}

    messages = [{"role": "user", "content": "What's the weather in Paris right now?"}]
    result = run_tools(
        d.client, messages, [_WEATHER_TOOL], {"get_weather": get_weather}, model=_MODEL, **thinking(effort="low")
    )
    return [
        f"the model called: {', '.join(calls) or '(nothing)'}; {result.rounds} model calls in all",
        f"answer: {_short(result.content)}",
    ]


def _json(d: Demo) -> list[str]:
    from deepseek_openai import json_completion, thinking

    messages = [
        {"role": "system", "content": 'Reply in json, e.g. {"city": "...", "country": "..."}.'},
        {"role": "user", "content": "Where is the Eiffel Tower?"},
    ]
    data = json_completion(d.client, messages, model=_MODEL, max_tokens=100, **thinking(False))
    return [f"parsed: {json.dumps(data, ensure_ascii=False)}"]


def _prefix(d: Demo) -> list[str]:
    from deepseek_openai import complete_prefix, thinking

    messages = [{"role": "user", "content": "Write Python that prints hello. Code only."}]
    code = complete_prefix(
        d.beta, messages, "```python\n", model=_MODEL, stop=["```"], max_tokens=60, **thinking(False)
    )
    return [f"answer started with ```python and went on: {_short(code.removeprefix('```python'))}"]


def _fim(d: Demo) -> list[str]:
    from deepseek_openai import fim

    middle = fim(d.beta, "def fib(n):\n", "\n    return fib(n - 1) + fib(n - 2)\n", model=_MODEL, max_tokens=40)
    return [f"filled in: {_short(middle)}"]


def _cache(d: Demo) -> list[str]:
    from deepseek_openai import assistant_turn, cost, is_peak, model_info, thinking, usage_of

    # The second request repeats the first one whole and adds to it: DeepSeek serves that prefix from its cache.
    rules = "You are a terse assistant. " + " ".join(f"Rule {i}: answer in at most ten words." for i in range(60))
    history: list[dict[str, Any]] = [{"role": "system", "content": rules}, {"role": "user", "content": "What is DNS?"}]
    lines, total = [], None
    for n in (1, 2):
        reply = d.chat(history, **thinking(False), max_tokens=30)
        usage = usage_of(reply)
        total = usage if total is None else total + usage
        lines.append(
            f"call {n}: {usage.prompt_tokens} prompt tokens, {usage.cache_hit_tokens} from the cache, "
            f"{usage.completion_tokens} out"
        )
        history += [assistant_turn(reply), {"role": "user", "content": "And TCP?"}]
    if total is not None:
        rates = model_info(_MODEL).prices.usd.off_peak
        band = "peak" if is_peak() else "off-peak"
        lines.append(
            f"cost of both: ${cost(total, _MODEL):f} at the {band} list price "
            f"(a cache hit costs 1/{rates.cache_miss / rates.cache_hit:.0f} of a miss)"
        )
    return lines


def _balance(d: Demo) -> list[str]:
    from deepseek_openai import get_balance

    balance = get_balance(d.client)
    amounts = ", ".join(f"{b.total} {b.currency}" for b in balance.balances) or "none listed"
    return [f"available: {'yes' if balance.is_available else 'no'}; balance: {amounts}"]


@dataclass(frozen=True)
class Step:
    """One demo step: what it shows, the guide it follows, the code, and the double's replies offline."""

    title: str
    guide: str
    run: Callable[[Demo], list[str]]
    offline: Callable[[FakeDeepSeek], None] | None = None


def _script(*replies: dict[str, Any]) -> Callable[[FakeDeepSeek], None]:
    def queue(fake: FakeDeepSeek) -> None:
        for reply in replies:
            fake.add_reply(**reply)

    return queue


STEPS: tuple[Step, ...] = (
    Step(
        "First call", "quick_start/your_first_api_call", _first_call, _script({"content": "Hello there, nice to meet!"})
    ),
    Step(
        "Thinking mode",
        "guides/thinking_mode",
        _thinking,
        _script({"content": "391", "reasoning": "17 * 23 = 17 * 20 + 17 * 3 = 340 + 51 = 391."}),
    ),
    Step("Multi-round chat", "guides/multi_round_chat", _multi_round, _script({"content": "13"}, {"content": "26"})),
    Step(
        "Streaming",
        "api/create-chat-completion",
        _streaming,
        _script(
            {
                "content": "Streaming shows the answer as it is written, so nobody stares at a blank screen.",
                "reasoning": "The user wants one sentence on why streaming helps.",
            }
        ),
    ),
    Step(
        "Tool call",
        "guides/tool_calls",
        _tool_call,
        _script(
            {
                "tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}],
                "reasoning": "I need the weather.",
            },
            {"content": "It is 18 °C and sunny in Paris.", "reasoning": "The tool says 18 °C, sunny."},
        ),
    ),
    Step("JSON output", "guides/json_mode", _json, _script({"content": '{"city": "Paris", "country": "France"}'})),
    Step(
        "Chat prefix completion (beta)",
        "guides/chat_prefix_completion",
        _prefix,
        _script({"content": 'print("hello")\n'}),
    ),
    Step(
        "FIM completion (beta)",
        "guides/fim_completion",
        _fim,
        _script({"content": "    if n < 2:\n        return n"}),
    ),
    Step(
        "Context caching and cost",
        "guides/kv_cache",
        _cache,
        _script({"content": "Names to addresses."}, {"content": "Reliable byte streams."}),
    ),
    Step("Balance", "api/get-user-balance", _balance),
)
"""The demo's steps, in the order of DeepSeek's guides."""


def run_demo(ctx: Context) -> int:
    """Run every step, print what each shows; exit 0 only when all worked."""
    from . import describe_error

    if not ctx.offline and not ctx.has_key():
        ctx.offline = True
        why = "no DeepSeek API key was found"
    else:
        why = "--offline was given"
    if ctx.offline:
        fake = ctx.start_fake()
        ctx.out("=" * 78)
        ctx.out(f"OFFLINE DEMO: {why}, so this runs against the embedded offline double")
        ctx.out(f"(deepseek_openai.testing.FakeDeepSeek at {fake.base_url}). Replies are canned, costs are")
        ctx.out("computed from the double's token counts. Set DEEPSEEK_API_KEY to run it against DeepSeek.")
        ctx.out("=" * 78)
    from deepseek_openai._rules import DOCS

    demo = Demo(ctx)
    if not ctx.offline:
        from deepseek_openai import redact

        client = demo.client
        ctx.out(
            f"Running against {client.base_url} (key {redact(client.api_key)}); each step costs a fraction of a cent."
        )
    failed = 0
    for number, step in enumerate(STEPS, 1):
        ctx.out(f"\n[{number}/{len(STEPS)}] {step.title}  ({DOCS}/{step.guide})")
        if ctx.fake is not None and step.offline is not None:
            ctx.fake.reset()
            step.offline(ctx.fake)
        try:
            lines = step.run(demo)
        except Exception as exc:  # noqa: BLE001 - a demo reports each failing step and goes on to the next
            failed += 1
            message, fix = describe_error(exc)
            ctx.out(f"    FAILED: {message}")
            if fix:
                ctx.out(f"    fix: {fix}")
            continue
        for line in lines:
            ctx.out(f"    {line}")
    worked = len(STEPS) - failed
    ctx.out(f"\n{worked}/{len(STEPS)} steps worked" + (" (offline double)." if ctx.offline else "."))
    return 0 if failed == 0 else 1
