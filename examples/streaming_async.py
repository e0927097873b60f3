"""Async streaming: print reasoning and answer as they arrive, then use the collected result.

Shows:  acollect_stream() with on_reasoning/on_content callbacks on an AsyncOpenAI stream, the StreamResult
        (usage from the last chunk, finish_reason), and assistant_turn() for the next request.
Needs:  DEEPSEEK_API_KEY in the environment or a .env file (DEEPSEEK_BASE_URL optionally points elsewhere,
        e.g. at `python -m deepseek_openai.testing`).
Run:    python examples/streaming_async.py
"""

from __future__ import annotations

import asyncio
import sys

from deepseek_openai import StreamInterruptedError, acollect_stream, assistant_turn, create_async_client


class Printer:
    """Print streamed text as it arrives, with a label whenever the kind of text changes."""

    def __init__(self) -> None:
        self.kind = ""

    def _write(self, kind: str, text: str) -> None:
        if kind != self.kind:
            sys.stdout.write(f"\n[{kind}] " if self.kind else f"[{kind}] ")
            self.kind = kind
        sys.stdout.write(text)
        sys.stdout.flush()

    def reasoning(self, text: str) -> None:
        self._write("thinking", text)

    def content(self, text: str) -> None:
        self._write("answer", text)


async def main() -> None:
    async with create_async_client() as client:
        stream = await client.chat.completions.create(
            model="deepseek-flash",
            messages=[{"role": "user", "content": "Explain in two sentences why the sky is blue."}],
            stream=True,
            stream_options={"include_usage": True},
        )
        try:
            printer = Printer()
            result = await acollect_stream(stream, on_reasoning=printer.reasoning, on_content=printer.content)
            print()
        except StreamInterruptedError as err:
            print("stream broke; kept", len(err.partial.content), "characters:", err.partial.content)
            return
    print("finish_reason:", result.finish_reason)
    print(f"reasoning: {len(result.reasoning)} chars, answer: {len(result.content)} chars")
    if result.usage is not None:
        print("completion tokens:", result.usage.completion_tokens)
    print("next turn keys:", sorted(assistant_turn(result)))


if __name__ == "__main__":
    asyncio.run(main())
