from __future__ import annotations

import pickle

import openai
import pytest

from deepseek_openai import DeepSeekError, InvalidRequestError, LegacyModelError, MissingAPIKeyError, redact


@pytest.mark.parametrize(
    ("key", "shown"),
    [("sk-1234567890abcdef", "sk-…cdef"), ("abcdefghijklmnop", "…mnop"), ("sk-short", "sk-…"), (None, "(none)")],
)
def test_redact_shows_at_most_the_last_four(key: str | None, shown: str) -> None:
    assert redact(key) == shown


def test_errors_lead_with_the_fix_and_subclass_openai() -> None:
    err = InvalidRequestError("Bad thing.", fix="do the other thing.", rule="passback")
    assert str(err) == "Bad thing. Fix: do the other thing."
    assert (err.fix, err.rule) == ("do the other thing.", "passback")
    assert isinstance(err, openai.OpenAIError) and isinstance(err, ValueError)
    assert issubclass(LegacyModelError, InvalidRequestError)
    assert issubclass(MissingAPIKeyError, DeepSeekError)


def test_errors_survive_pickling() -> None:
    err = pickle.loads(pickle.dumps(LegacyModelError("Old.", fix="new.", rule="retired_model")))
    assert type(err) is LegacyModelError
    assert (str(err), err.rule) == ("Old. Fix: new.", "retired_model")
