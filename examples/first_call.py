"""Your first DeepSeek call, the quick-start way, with the SDK's own client.

Needs: DEEPSEEK_API_KEY in the environment or a .env file. No key yet? Run `deepseek-openai serve`
       in another shell and paste the two export lines it prints (an offline DeepSeek double).
Run:   python examples/first_call.py
"""

from __future__ import annotations

from deepseek_openai import DEEPSEEK_FLASH, create_client


def main() -> None:
    client = create_client()  # key from DEEPSEEK_API_KEY or .env; never from OPENAI_API_KEY
    reply = client.chat.completions.create(
        model=DEEPSEEK_FLASH,
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Hello"},
        ],
        extra_body={"thinking": {"type": "disabled"}},  # thinking is on by default; off for a quick answer
    )
    print(f"model: {reply.model}")
    print(f"answer: {reply.choices[0].message.content}")


if __name__ == "__main__":
    main()
