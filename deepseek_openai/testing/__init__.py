"""An offline DeepSeek for tests: :class:`FakeDeepSeek`, a real HTTP/1.1 server on ``127.0.0.1``.

It speaks DeepSeek's dialect over real sockets, so the ``openai`` SDK (any major) talks to it exactly as to
``https://api.deepseek.com``: reply shapes with ``reasoning_content`` and cache usage, SSE streams with
keep-alives, DeepSeek's refusals with their statuses and messages, and scripted replies, errors and faults.
Standard library only. The pytest plugin (``deepseek_openai.testing.plugin``, loaded automatically) offers the
fixtures ``fake_deepseek``, ``deepseek_client`` and ``async_deepseek_client``.

Example::

    from deepseek_openai.testing import FakeDeepSeek

    with FakeDeepSeek() as ds:
        ds.add_reply("Paris", reasoning="The capital of France is Paris.")
        reply = ds.client().chat.completions.create(
            model="deepseek-flash", messages=[{"role": "user", "content": "Capital of France?"}]
        )
        assert reply.choices[0].message.content == "Paris"
        assert ds.requests[-1].json["model"] == "deepseek-flash"
"""

from __future__ import annotations

from ._fake import DEFAULT_API_KEY, FakeDeepSeek
from ._main import serve
from ._records import Headers, RecordedRequest
from ._replies import CACHE_UNIT, count_tokens

__all__ = [
    "CACHE_UNIT",
    "DEFAULT_API_KEY",
    "FakeDeepSeek",
    "Headers",
    "RecordedRequest",
    "count_tokens",
    "serve",
]
