"""The httpx the SDK runs on: ``httpx`` for openai 1.x/2.x, ``httpx2`` for 3.x (never imported by name)."""

from __future__ import annotations

import functools
import importlib
from typing import Any

import openai

__all__ = ["http_module"]


@functools.lru_cache(maxsize=1)
def http_module() -> Any:
    """Return the httpx module (``httpx`` or ``httpx2``) whose client the SDK's ``DefaultHttpxClient`` extends."""
    base = next(c for c in openai.DefaultHttpxClient.__mro__ if c.__module__.startswith(("httpx.", "httpx2.")))
    return importlib.import_module(base.__module__.partition(".")[0])
