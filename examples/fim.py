"""FIM (fill-in-the-middle) completion: DeepSeek writes the code between a prefix and a suffix.

Shows:  fim() filling in a function body, and fim_stream() printing the same kind of completion piece by piece.
        FIM lives on DeepSeek's beta base, so the client comes from create_client(beta=True); it always runs
        without thinking and allows at most 4096 max_tokens.
Needs:  DEEPSEEK_API_KEY in the environment or a .env file (DEEPSEEK_BASE_URL optionally points elsewhere,
        e.g. at `python -m deepseek_openai.testing`).
Run:    python examples/fim.py
"""

from __future__ import annotations

from deepseek_openai import create_client, fim, fim_stream

PREFIX = 'def fib(n: int) -> int:\n    """Return the n-th Fibonacci number."""\n'
SUFFIX = "\n\nif __name__ == '__main__':\n    print(fib(10))\n"


def main() -> None:
    client = create_client(beta=True)

    middle = fim(client, PREFIX, SUFFIX, max_tokens=256, temperature=0.0)
    print("FIM completion:")
    print(PREFIX + middle + SUFFIX)

    pieces = []
    for piece in fim_stream(client, "# a one-line function that squares x\ndef square(x):\n", max_tokens=64):
        print(piece, end="", flush=True)
        pieces.append(piece)
    print()
    print(f"streamed: {len(pieces)} piece(s), {len(''.join(pieces))} characters")


if __name__ == "__main__":
    main()
