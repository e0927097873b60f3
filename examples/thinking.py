"""Thinking mode: turn DeepSeek's reasoning on (with an effort) or off per request, and read the reasoning.

Shows:  **thinking(effort=...) / **thinking(False) splatted into create(), reasoning_of() on the reply, and
        explain_finish() for a reply whose reasoning ran out of max_tokens.
Needs:  DEEPSEEK_API_KEY in the environment or a .env file (DEEPSEEK_BASE_URL optionally points elsewhere,
        e.g. at `python -m deepseek_openai.testing`).
Run:    python examples/thinking.py
"""

from __future__ import annotations

from deepseek_openai import create_client, explain_finish, reasoning_of, thinking

QUESTION = [{"role": "user", "content": "Is 1001 a prime number? Answer in one sentence."}]


def main() -> None:
    client = create_client()

    deep = client.chat.completions.create(model="deepseek-flash", messages=QUESTION, **thinking(effort="high"))
    reasoning = reasoning_of(deep) or ""
    print(f"thinking on: {len(reasoning)} characters of reasoning")
    print("answer:", deep.choices[0].message.content)

    quick = client.chat.completions.create(model="deepseek-flash", messages=QUESTION, **thinking(False))
    print("thinking off: reasoning is", reasoning_of(quick))
    print("answer:", quick.choices[0].message.content)

    # A tiny budget: the reasoning uses it all and no answer is left.
    short = client.chat.completions.create(model="deepseek-flash", messages=QUESTION, max_tokens=4)
    choice = short.choices[0]
    print("finish_reason:", choice.finish_reason)
    print("note:", explain_finish(choice.finish_reason, content=choice.message.content or ""))


if __name__ == "__main__":
    main()
