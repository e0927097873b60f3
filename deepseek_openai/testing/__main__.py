"""``python -m deepseek_openai.testing``: run a FakeDeepSeek in the foreground (see :func:`serve`)."""

from __future__ import annotations

from ._main import serve

if __name__ == "__main__":
    raise SystemExit(serve())
