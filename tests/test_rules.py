from __future__ import annotations

import pytest

from deepseek_openai import RULES, Rule
from deepseek_openai._rules import rule


def test_documented_messages_are_pinned() -> None:
    # Wording DeepSeek documents (guides/thinking_mode, quick_start/error_codes); the double and explain() read these.
    assert RULES["passback"].message == "The `reasoning_content` in the thinking mode must be passed back to the API."
    assert (RULES["passback"].status, RULES["balance"].status, RULES["auth"].status) == (400, 402, 401)
    assert RULES["balance"].message == "Insufficient Balance"
    assert RULES["reasoning_effort"].status == 422 and RULES["developer_role"].status == 422


def test_every_rule_is_complete() -> None:
    for rid, r in RULES.items():
        assert isinstance(r, Rule) and r.id == rid
        assert r.message and r.fix and r.docs.startswith("https://api-docs.deepseek.com/")
        assert r.status is None or 400 <= r.status < 600


def test_lookup_names_known_ids() -> None:
    assert rule("passback") is RULES["passback"]
    with pytest.raises(KeyError, match="passback"):
        rule("nope")
