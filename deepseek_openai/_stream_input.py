"""What ``collect_stream`` / ``acollect_stream`` accept: bad input must not look like a broken network."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from ._access import field as get
from ._access import first_choice
from ._errors import InvalidRequestError

__all__ = ["check_stream"]


def check_stream(stream: Any, asynchronous: bool) -> None:
    """Raise :class:`InvalidRequestError` unless ``stream`` is what ``(a)collect_stream`` can read."""
    name = "acollect_stream" if asynchronous else "collect_stream"
    if get(stream, "object") in ("chat.completion", "text_completion") or get(first_choice(stream), "message"):
        raise InvalidRequestError(
            f"{name}() got a whole reply ({type(stream).__name__}), not a stream: the request was sent without "
            "stream=True.",
            fix="pass stream=True to create(...) to stream it, or read this reply directly "
            "(reply.choices[0].message.content).",
        )
    if inspect.iscoroutine(stream):
        stream.close()  # never awaited: close it so Python does not warn
        raise InvalidRequestError(
            f"{name}() got a coroutine: the create(..., stream=True) call was not awaited.",
            fix="await it: await acollect_stream(await client.chat.completions.create(..., stream=True)).",
        )
    if isinstance(stream, (str, bytes, bytearray, Mapping)):
        kind = type(stream).__name__
    elif hasattr(stream, "__aiter__" if asynchronous else "__iter__"):
        return
    elif hasattr(stream, "__iter__" if asynchronous else "__aiter__"):
        kind = (
            "a sync stream: use collect_stream(stream)"
            if asynchronous
            else "an async stream: use await acollect_stream(stream)"
        )
    else:
        kind = type(stream).__name__
    raise InvalidRequestError(
        f"{name}() takes the stream that create(..., stream=True) returns, not {kind}.",
        fix=f"pass the return value of client.chat.completions.create(..., stream=True) to {name}().",
    )
