from __future__ import annotations

import re

import pytest

from deepseek_openai import RULES, InvalidRequestError, Rule
from deepseek_openai._rules import EVIDENCE_KINDS, rule


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


# -- evidence: a rule that blocks needs evidence that DeepSeek refuses it ---------------------------------------

_EVIDENCE = re.compile(r"(documented|observed|unknown|accepted) (§\d+|issue \d+|github [\w.-]+/[\w.-]+#\d+)")


def test_every_rule_says_how_its_behaviour_is_known() -> None:
    for r in RULES.values():
        assert _EVIDENCE.match(r.evidence), f"{r.id}: evidence {r.evidence!r} names no kind and source"
        assert r.evidence.partition(" ")[0] in EVIDENCE_KINDS


def test_no_refusing_rule_lacks_evidence() -> None:
    for r in RULES.values():
        kind = r.evidence.partition(" ")[0]
        assert r.refuses == (r.status is not None and kind in ("documented", "observed")), r.id
        if r.refuses:
            assert kind in ("documented", "observed") and _EVIDENCE.match(r.evidence), r.id
        if kind in ("unknown", "accepted"):
            assert not r.refuses, f"{r.id} refuses without evidence: {r.evidence}"


def test_the_audit_outcome_is_pinned() -> None:
    # Issue 13 item 2: what the API digest says about each rule decides refuse or warn; change both together.
    warned = {r.id for r in RULES.values() if not r.refuses}
    assert warned == {
        "strict_not_beta",  # §18: HTTP 200 on the main base
        "prefix_not_last",
        "fim_not_beta",
        "fim_thinking",
        "user_id_chars",
        "blank_json",
        "ignored_sampling",
        "file_not_found",  # only the double answers it; §18 gives no status or text for an unknown file id
    }


def test_enforce_raises_for_a_known_refusal_and_warns_otherwise() -> None:
    with pytest.raises(InvalidRequestError) as info:
        RULES["too_many_tools"].enforce("129 tools.")
    assert info.value.rule == "too_many_tools" and info.value.fix == RULES["too_many_tools"].fix
    with pytest.warns(UserWarning) as caught:
        RULES["prefix_not_last"].enforce("A prefix message in the middle.")
    assert str(caught[0].message) == f"A prefix message in the middle. Fix: {RULES['prefix_not_last'].fix}"
    assert caught[0].filename == __file__  # the caller's line, not the package's
    unproven = Rule("x", 400, "m", "f", "https://api-docs.deepseek.com/x", evidence="unknown §1")
    with pytest.warns(UserWarning, match="m Fix: f"):
        unproven.enforce("m")
