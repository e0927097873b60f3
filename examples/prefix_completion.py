"""Chat prefix completion (beta): start the answer yourself and let the model continue from there.

Shows:  complete_prefix() on a beta client, forcing a Python code block with a "```python" prefix and stopping
        at the closing fence; the returned text is the prefix plus the continuation.
Needs:  DEEPSEEK_API_KEY in the environment or a .env file (DEEPSEEK_BASE_URL optionally points elsewhere,
        e.g. at `python -m deepseek_openai.testing`).
Run:    python examples/prefix_completion.py
"""

from __future__ import annotations

from deepseek_openai import complete_prefix, create_client, thinking

PREFIX = "```python\n"


def main() -> None:
    client = create_client(beta=True)  # prefix completion exists only on the beta base
    messages = [{"role": "user", "content": "Write a one-line Python program that prints hello world."}]
    text = complete_prefix(client, messages, PREFIX, stop=["```"], max_tokens=200, **thinking(False))
    code = text[len(PREFIX) :]
    print("starts with prefix:", text.startswith(PREFIX))
    print("code:", code.strip())


if __name__ == "__main__":
    main()
