"""The package's exceptions. Each subclasses ``openai.OpenAIError`` and leads with the fix."""

from __future__ import annotations

from typing import Any

import openai

__all__ = [
    "DeepSeekError",
    "InvalidRequestError",
    "LegacyModelError",
    "MissingAPIKeyError",
    "ReasoningStoreError",
    "UnknownModelError",
    "redact",
]

KEYS_PAGE = "https://platform.deepseek.com/api_keys"


def redact(key: str | None) -> str:
    """Return a key in the only form the package ever shows: ``sk-…abcd`` (last four characters at most).

    Args:
        key: an API key, or ``None``.

    Returns:
        ``"(none)"`` for a missing key, otherwise the prefix ``sk-`` (when present), an ellipsis and, for keys of
        twelve characters or more, the last four characters.
    """
    if not key:
        return "(none)"
    prefix = "sk-" if key.startswith("sk-") else ""
    tail = key[-4:] if len(key) >= 12 else ""
    return f"{prefix}…{tail}"


class DeepSeekError(openai.OpenAIError):
    """Base class of the package's errors; existing ``except openai.OpenAIError`` blocks catch it.

    Attributes:
        fix: one sentence saying what to change.
        rule: the id of the DeepSeek rule involved (see ``deepseek_openai.RULES``), when there is one.
    """

    def __init__(self, message: str, *, fix: str = "", rule: str | None = None) -> None:
        self.message = message
        self.fix = fix
        self.rule = rule
        super().__init__(f"{message} Fix: {fix}" if fix else message)

    def __str__(self) -> str:
        return self.args[0] if self.args else self.message

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self.fix, self.rule))


def _rebuild(cls: type[DeepSeekError], message: str, fix: str, rule: str | None) -> DeepSeekError:
    err = cls.__new__(cls)
    DeepSeekError.__init__(err, message, fix=fix, rule=rule)
    return err


class MissingAPIKeyError(DeepSeekError):
    """No DeepSeek API key was found: not as an argument, not in the environment, not in a ``.env`` file."""


class InvalidRequestError(DeepSeekError, ValueError):
    """A request DeepSeek would refuse, caught before anything is sent (also a ``ValueError``)."""


class LegacyModelError(InvalidRequestError):
    """A retired model id (``deepseek-chat`` / ``deepseek-reasoner``) was sent with ``legacy_models="error"``."""


class UnknownModelError(InvalidRequestError, KeyError):
    """A model id that is not in :data:`deepseek_openai.MODELS` (also a ``KeyError``)."""


class ReasoningStoreError(DeepSeekError):
    """The durable reasoning store (``reasoning_store=`` / ``DEEPSEEK_REASONING_STORE``) failed or is unreachable."""
