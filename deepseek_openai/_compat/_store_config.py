"""Which durable reasoning store a client uses: ``reasoning_store=``, else ``DEEPSEEK_REASONING_STORE``, else none."""

from __future__ import annotations

import os
from typing import Any

from .._errors import InvalidRequestError, ReasoningStoreError

__all__ = ["STORE_VARIABLE", "resolve_store", "store_error"]

STORE_VARIABLE = "DEEPSEEK_REASONING_STORE"


def resolve_store(value: Any) -> Any:
    """Return the store a client was asked for: ``None`` for the process memory alone, else a ``ReasoningStore``.

    Raises:
        InvalidRequestError: not ``"memory"``, a store URL, or an object with the store's methods.
    """
    if value is None:
        value = os.environ.get(STORE_VARIABLE) or "memory"
    if isinstance(value, str):
        if value.strip() == "memory":
            return None
        from ._stores import open_store  # the sqlite3 / redis code loads only when a store is asked for

        return open_store(value.strip())
    if all(callable(getattr(value, name, None)) for name in ("get", "put", "aget", "aput")):
        return value
    raise InvalidRequestError(
        f"reasoning_store={type(value).__name__} object is not a store.",
        fix="pass 'memory', 'sqlite:///path', 'redis://host:port/db', or an object with get/put/aget/aput "
        "(see ReasoningStore).",
    )


def store_error(err: BaseException) -> ReasoningStoreError:
    """Return a store's failure as :class:`ReasoningStoreError` (as it is, if it already is one)."""
    if isinstance(err, ReasoningStoreError):
        return err
    return ReasoningStoreError(
        f"The reasoning store failed ({type(err).__name__}: {err}).",
        fix=f"check that the store is up and reachable ({STORE_VARIABLE} / reasoning_store=).",
    )
