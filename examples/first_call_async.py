"""The quick-start call with the async client.

Needs: DEEPSEEK_API_KEY in the environment or a .env file. No key yet? Run `deepseek-openai serve`
       in another shell and paste the two export lines it prints (an offline DeepSeek double).
Run:   python examples/first_call_async.py
"""

from __future__ import annotations

import asyncio

from deepseek_openai import DEEPSEEK_FLASH, create_async_client


async def main() -> None:
    async with create_async_client() as client:
        reply = await client.chat.completions.create(
            model=DEEPSEEK_FLASH,
            messages=[
                {"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": "Hello"},
            ],
            extra_body={"thinking": {"type": "disabled"}},
        )
    print(f"model: {reply.model}")
    print(f"answer: {reply.choices[0].message.content}")


if __name__ == "__main__":
    asyncio.run(main())
