"""Context caching: a second request that repeats a long prefix is billed mostly at the cache-hit price.

Shows:  two turns of one conversation over a long document; the second request starts with the whole first one,
        so DeepSeek serves that prefix from its context cache. usage_of() reads the hit/miss counts and cost()
        prices them (peak or off-peak by the response time).
Needs:  DEEPSEEK_API_KEY in the environment or a .env file (DEEPSEEK_BASE_URL optionally points elsewhere,
        e.g. at `python -m deepseek_openai.testing`).
Run:    python examples/context_caching.py
"""

from __future__ import annotations

import dataclasses
from typing import Any

from deepseek_openai import DEEPSEEK_FLASH, cost, cost_breakdown, create_client, usage_of

# A long, fixed prefix: caching pays off when many requests share one (a manual, a code base, a policy).
DOCUMENT = "\n".join(
    f"Rule {i}: a shipment of class {chr(65 + i % 6)} weighing over {10 * i} kg needs form F-{100 + i} "
    f"and must leave the warehouse within {1 + i % 5} working days."
    for i in range(1, 60)
)


def ask(client: Any, messages: list[dict[str, str]]) -> Any:
    return client.chat.completions.create(
        model=DEEPSEEK_FLASH,
        messages=messages,
        max_tokens=200,
        extra_body={"thinking": {"type": "disabled"}},
    )


def main() -> None:
    client = create_client()
    messages = [
        {"role": "system", "content": "Answer from these shipping rules only, in one sentence.\n\n" + DOCUMENT},
        {"role": "user", "content": "Which form does a 300 kg class C shipment need?"},
    ]
    first = ask(client, messages)
    messages += [
        {"role": "assistant", "content": first.choices[0].message.content or ""},
        {"role": "user", "content": "And how many working days does it have to leave?"},
    ]
    second = ask(client, messages)

    for name, reply in (("call 1", first), ("call 2", second)):
        usage = usage_of(reply)
        print(
            f"{name}: prompt {usage.prompt_tokens} tokens, cache hit tokens: {usage.cache_hit_tokens}, "
            f"miss {usage.cache_miss_tokens}, output {usage.completion_tokens}"
        )
    usage = usage_of(second)
    print("prefix served from cache:", usage.cache_hit_tokens > 0)
    paid = cost_breakdown(second, DEEPSEEK_FLASH)
    all_miss = dataclasses.replace(usage, cache_hit_tokens=0, cache_miss_tokens=usage.prompt_tokens)
    uncached = cost(all_miss, DEEPSEEK_FLASH, at=second.created)
    band = "peak" if paid.peak else "off-peak"
    print(f"call 2 cost USD: {paid.total:.8f} ({band}); without the cache it would be {uncached:.8f}")
    print(f"total cost USD: {cost(first, DEEPSEEK_FLASH) + paid.total:.8f}")


if __name__ == "__main__":
    main()
