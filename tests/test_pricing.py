"""Holidays, make-up days and dated price lists: is_peak() and cost() at any moment, and the data-only updates."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from openai.types import CompletionUsage
from openai.types.chat import ChatCompletion

from deepseek_openai import (
    CN_HOLIDAYS,
    HOLIDAYS_KNOWN_THROUGH,
    MAKEUP_WORKDAYS_ARE_PEAK,
    MODELS,
    PRICE_HISTORY,
    PRICES_EFFECTIVE,
    cost,
    cost_breakdown,
    is_holiday,
    is_peak,
)
from deepseek_openai import _prices as models

UTC = timezone.utc
MILLION = {"prompt_cache_hit_tokens": 1_000_000, "prompt_cache_miss_tokens": 1_000_000, "completion_tokens": 1_000_000}


def _at(y: int, m: int, d: int, h: int = 2, mi: int = 30) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=UTC)  # 02:30 UTC = 10:30 Beijing, inside a peak window


def _lines(y: int, m: int, d: int, model: str = "deepseek-flash", currency: str = "USD") -> tuple[Decimal, ...]:
    b = cost_breakdown(MILLION, model, at=_at(y, m, d), currency=currency)
    return b.cache_hit, b.cache_miss, b.output


# --- holidays -----------------------------------------------------------------------------------------------------


def test_national_day_week_is_off_peak_all_day() -> None:
    assert is_peak(_at(2026, 9, 30)) is True  # Wednesday before the holiday
    for day in range(1, 8):
        assert is_peak(_at(2026, 10, day)) is False, day  # 1-7 October, Thursday to Wednesday
        assert is_peak(_at(2026, 10, day, 7, 0)) is False, day
    assert is_peak(_at(2026, 10, 8)) is True  # "the next peak is 10-08"


def test_holidays_follow_the_beijing_date() -> None:
    assert is_holiday(datetime(2026, 9, 30, 16, 0, tzinfo=UTC)) is True  # 00:00 Beijing on 1 October
    assert is_holiday(datetime(2026, 9, 30, 15, 59, tzinfo=UTC)) is False
    assert is_holiday(date(2026, 2, 23)) is True and is_holiday(date(2026, 2, 24)) is False
    assert is_holiday(date(2027, 1, 1)) is False  # after the calendar's known-through date: not known


def test_make_up_working_day_on_a_weekend_is_peak_by_decision() -> None:
    saturday = _at(2026, 10, 10)
    assert saturday.weekday() == 5
    assert MAKEUP_WORKDAYS_ARE_PEAK is True
    assert is_peak(saturday) is True
    assert is_peak(_at(2026, 10, 17)) is False  # an ordinary Saturday


def test_the_make_up_decision_is_one_constant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models, "MAKEUP_WORKDAYS_ARE_PEAK", False)
    assert is_peak(_at(2026, 10, 10)) is False
    assert cost_breakdown(MILLION, "deepseek-flash", at=_at(2026, 10, 10)).peak is False


def test_cost_on_a_holiday_uses_off_peak_prices() -> None:
    holiday = cost_breakdown(MILLION, "deepseek-flash", at=_at(2026, 10, 1))
    assert (holiday.peak, holiday.total, holiday.caveats) == (False, Decimal("0.753"), ())
    assert cost(MILLION, "deepseek-flash", at=_at(2026, 10, 8)) == Decimal("1.506")


def test_after_the_known_through_date_the_caveat_says_so() -> None:
    assert date(2026, 12, 31) == HOLIDAYS_KNOWN_THROUGH
    monday = cost_breakdown(MILLION, "deepseek-flash", at=_at(2027, 1, 4))
    assert monday.peak is True
    assert len(monday.caveats) == 1 and "known through 2026-12-31" in monday.caveats[0]
    assert "2027-01-04" in monday.caveats[0]
    saturday = cost_breakdown(MILLION, "deepseek-flash", at=_at(2027, 1, 2))
    assert (saturday.peak, saturday.caveats) == (False, ())  # off-peak either way: nothing to doubt
    assert cost_breakdown(MILLION, "deepseek-flash", at=_at(2026, 12, 31)).caveats == ()


def test_a_2027_calendar_is_a_data_change(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models, "CN_HOLIDAYS", (*CN_HOLIDAYS, (date(2027, 1, 1), date(2027, 1, 4))))
    monkeypatch.setattr(models, "HOLIDAYS_KNOWN_THROUGH", date(2027, 12, 31))
    monday = cost_breakdown(MILLION, "deepseek-flash", at=_at(2027, 1, 4))
    assert (monday.peak, monday.caveats) == (False, ())
    assert is_peak(_at(2027, 1, 5)) is True


# --- dated price lists --------------------------------------------------------------------------------------------


def test_price_history_is_ordered_and_ends_with_today() -> None:
    starts = [era.effective for era in PRICE_HISTORY]
    assert starts == sorted(starts) and starts[-1] == PRICES_EFFECTIVE
    today = PRICE_HISTORY[-1]
    for name in ("deepseek-flash", "deepseek-v4-pro"):
        assert MODELS[name].prices.usd == today.usd[name] and MODELS[name].prices.cny == today.cny[name]


@pytest.mark.parametrize(
    ("day", "model", "expected"),
    [
        # §15 "Earlier tables", §0 dates; all at 10:30 Beijing on a weekday.
        ((2026, 1, 14), "deepseek-chat", ("0.028", "0.28", "0.42")),  # V3.2 era
        ((2026, 4, 24), "deepseek-flash", ("0.028", "0.14", "0.28")),  # V4 Preview
        ((2026, 4, 27), "deepseek-flash", ("0.0028", "0.14", "0.28")),  # hit cut 04-26
        ((2026, 5, 20), "deepseek-v4-pro", ("0.03625", "0.435", "0.87")),  # 75 % off until 05-31
        ((2026, 6, 2), "deepseek-v4-pro", ("0.145", "1.74", "3.48")),  # list price
        ((2026, 8, 18), "deepseek-flash", ("0.014", "0.44", "1.32")),  # first peak list, peak band
        ((2026, 9, 9), "deepseek-v4-pro", ("0.044", "1.32", "3.96")),
        ((2026, 9, 10), "deepseek-flash", ("0.014", "0.44", "1.32")),  # 02:30 UTC: today's list starts at 04:00
        ((2026, 9, 11), "deepseek-flash", ("0.006", "0.30", "1.20")),
    ],
)
def test_each_price_list_in_force_at_its_time(day: tuple[int, int, int], model: str, expected: tuple[str, ...]) -> None:
    assert _lines(*day, model=model) == tuple(Decimal(x) for x in expected)


def test_no_peak_band_before_2026_08_16_1600_utc() -> None:
    before = cost_breakdown(MILLION, "deepseek-flash", at=datetime(2026, 8, 14, 2, 30, tzinfo=UTC))
    assert (before.peak, before.total) == (False, Decimal("0.4228"))
    first = cost_breakdown(MILLION, "deepseek-flash", at=datetime(2026, 8, 17, 6, 0, tzinfo=UTC))
    assert (first.peak, first.total, first.prices_from) == (True, Decimal("1.774"), PRICE_HISTORY[-2].effective)


def test_a_reply_is_priced_at_its_created_time() -> None:
    usage = CompletionUsage(prompt_tokens=1000, completion_tokens=1000, total_tokens=2000)
    created = int(_at(2026, 8, 18).timestamp())
    reply = ChatCompletion(
        id="c", object="chat.completion", created=created, model="deepseek-flash", choices=[], usage=usage
    )
    # 1000 miss x $0.44 + 1000 out x $1.32 (the 08-16 list, peak), not today's $0.30 / $1.20.
    assert cost(reply, "deepseek-flash") == Decimal("0.00176")


def test_before_the_first_known_list_the_caveat_says_so() -> None:
    early = cost_breakdown(MILLION, "deepseek-flash", at=datetime(2025, 6, 1, tzinfo=UTC))
    assert early.prices_from == PRICE_HISTORY[0].effective
    assert len(early.caveats) == 1 and "before the first USD price list known for deepseek-flash" in early.caveats[0]
    pro = cost_breakdown(MILLION, "deepseek-v4-pro", at=_at(2026, 3, 2))  # V4-Pro did not exist yet
    assert pro.prices_from == PRICE_HISTORY[1].effective and "deepseek-v4-pro" in pro.caveats[0]
    cny = cost_breakdown(MILLION, "deepseek-flash", at=_at(2026, 9, 1), currency="CNY")  # only USD recorded then
    assert cny.prices_from == PRICES_EFFECTIVE and "CNY" in cny.caveats[0]
    assert cny.total == Decimal("10.04")  # today's CNY peak list stands in
    assert cost_breakdown(MILLION, "deepseek-flash", at=_at(2026, 11, 23)).caveats == ()


def test_a_new_price_list_is_a_data_change(monkeypatch: pytest.MonkeyPatch) -> None:
    cut = dataclasses.replace(
        PRICE_HISTORY[-1],
        effective=datetime(2027, 2, 1, tzinfo=UTC),
        usd={
            "deepseek-flash": models.PriceList(
                off_peak=models.Rates(Decimal(0), Decimal(1), Decimal(2)),
                peak=models.Rates(Decimal(0), Decimal(2), Decimal(4)),
            ),
        },
    )
    monkeypatch.setattr(models, "PRICE_HISTORY", (*PRICE_HISTORY, cut))
    assert cost(MILLION, "deepseek-flash", at=datetime(2027, 2, 6, tzinfo=UTC)) == Decimal(3)  # a Saturday
    assert cost(MILLION, "deepseek-flash", at=datetime(2027, 1, 30, tzinfo=UTC)) == Decimal("0.753")
