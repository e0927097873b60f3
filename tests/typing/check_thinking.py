"""Type-checked (mypy --strict), not run: splatting thinking()/user_id() keeps the SDK's typed return value."""

from __future__ import annotations

import openai
from openai.types.chat import ChatCompletion
from typing_extensions import assert_type

from deepseek_openai import ExtraBodyKwargs, create_client, thinking, user_id


def splatting_keeps_chat_completion() -> None:
    client: openai.OpenAI = create_client("sk-x")
    reply = client.chat.completions.create(
        model="deepseek-flash",
        messages=[{"role": "user", "content": "hi"}],
        **thinking(False, **user_id("u")),
    )
    assert_type(reply, ChatCompletion)
    kwargs: ExtraBodyKwargs = thinking(effort="max")
    del kwargs
