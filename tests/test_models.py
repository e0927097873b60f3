from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

import deepseek_openai as ds
from deepseek_openai import MODELS, UnknownModelError, model_info


def test_constants() -> None:
    assert (ds.DEEPSEEK_FLASH, ds.DEEPSEEK_V4_PRO) == ("deepseek-flash", "deepseek-v4-pro")
    assert (ds.DEEPSEEK_CHAT, ds.DEEPSEEK_REASONER) == ("deepseek-chat", "deepseek-reasoner")
    assert ds.current_models() == ("deepseek-flash", "deepseek-v4-pro")


def test_current_model_facts() -> None:
    flash, pro = model_info("deepseek-flash"), model_info("deepseek-v4-pro")
    assert flash.context_window == pro.context_window == 1_048_576
    assert flash.max_output_tokens == 393_216
    assert (flash.default_output_tokens, flash.default_output_tokens_thinking) == (8_192, 65_536)
    assert flash.vision and not pro.vision
    assert flash.fim and pro.fim
    assert (flash.concurrency_limit, pro.concurrency_limit) == (2500, 500)
    assert flash.thinking_modes == ("thinking", "non-thinking")


def test_prices_peak_is_double_off_peak() -> None:
    for info in MODELS.values():
        for plist in (info.prices.usd, info.prices.cny):
            for f in ("cache_hit", "cache_miss", "output"):
                assert getattr(plist.peak, f) == 2 * getattr(plist.off_peak, f)
    assert model_info("deepseek-flash").prices.usd.off_peak.cache_miss == Decimal("0.15")
    assert model_info("deepseek-v4-pro").prices.in_currency("cny").peak.output == Decimal("27")
    with pytest.raises(ValueError, match="USD"):
        model_info("deepseek-flash").prices.in_currency("EUR")


@pytest.mark.parametrize(("name", "thinking"), [("deepseek-chat", False), ("deepseek-reasoner", True)])
def test_legacy_records_say_what_serves_them(name: str, thinking: bool) -> None:
    info = model_info(name)
    assert info.status == "retired" and info.is_legacy
    assert info.served_by == "deepseek-flash"
    assert info.legacy_thinking is thinking
    assert info.prices == model_info("deepseek-flash").prices


def test_aliases_are_accepted_legacy_ids() -> None:
    assert model_info("deepseek-v4-flash").status == "alias"
    assert model_info("deepseek-v4-flash").served_by == "deepseek-flash"


def test_unknown_model_lists_known_ones() -> None:
    with pytest.raises(UnknownModelError) as info:
        model_info("gpt-4o")
    assert "deepseek-flash" in str(info.value) and "deepseek-v4-pro" in str(info.value)
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)


def test_table_and_records_are_read_only() -> None:
    with pytest.raises(TypeError):
        MODELS["x"] = MODELS["deepseek-flash"]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        model_info("deepseek-flash").vision = False  # type: ignore[misc]


def test_peak_windows_are_ordered_utc_times() -> None:
    assert [(a.hour, b.hour) for a, b in ds.PEAK_WINDOWS_UTC] == [(1, 4), (6, 10)]
    assert ds.PRICES_EFFECTIVE.utcoffset() is not None
