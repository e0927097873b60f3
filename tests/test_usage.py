"""usage_of / cost / cost_breakdown / is_peak: layouts, hand-computed prices, peak windows."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openai.types import CompletionUsage
from openai.types.chat import ChatCompletion

from deepseek_openai import MODELS, NoUsageError, UnknownModelError, Usage, cost, cost_breakdown, is_peak, usage_of

# 2026-11-23 is a Monday; 2026-11-28 a Saturday.
MON_PEAK = datetime(2026, 11, 23, 2, 30, tzinfo=timezone.utc)  # 10:30 Beijing
MON_OFF = datetime(2026, 11, 23, 5, 0, tzinfo=timezone.utc)  # 13:00 Beijing, lunch gap
SAT = datetime(2026, 11, 28, 2, 30, tzinfo=timezone.utc)
# Written out from deepseek-api.md §18 (State Council notice of 2025-11-04), independently of _models.py.
HOLIDAYS_2026 = [
    (date(2026, 1, 1), date(2026, 1, 3)),
    (date(2026, 2, 15), date(2026, 2, 23)),
    (date(2026, 4, 4), date(2026, 4, 6)),
    (date(2026, 5, 1), date(2026, 5, 5)),
    (date(2026, 6, 19), date(2026, 6, 21)),
    (date(2026, 9, 25), date(2026, 9, 27)),
    (date(2026, 10, 1), date(2026, 10, 7)),
]
MAKEUP_2026 = {
    date(2026, 1, 4),
    date(2026, 2, 14),
    date(2026, 2, 28),
    date(2026, 5, 9),
    date(2026, 9, 20),
    date(2026, 10, 10),
}

NEW_LAYOUT: dict[str, Any] = {
    "prompt_tokens": 1000,
    "completion_tokens": 500,
    "total_tokens": 1500,
    "prompt_cache_hit_tokens": 800,
    "prompt_cache_miss_tokens": 200,
    "prompt_tokens_details": {"cached_tokens": 800},
    "completion_tokens_details": {"reasoning_tokens": 120},
}
EXPECTED = Usage(
    prompt_tokens=1000,
    cache_hit_tokens=800,
    cache_miss_tokens=200,
    completion_tokens=500,
    reasoning_tokens=120,
    total_tokens=1500,
)


def _completion(usage: dict[str, Any] | None, created: int = 1_763_860_000) -> ChatCompletion:
    return ChatCompletion(
        id="c1",
        object="chat.completion",
        created=created,
        model="deepseek-flash",
        choices=[
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "hi"}},  # type: ignore[list-item]
        ],
        usage=CompletionUsage(**usage) if usage is not None else None,
    )


# --- usage_of ---------------------------------------------------------------------------------------------------


def test_usage_of_dict_deepseek_layout() -> None:
    assert usage_of(NEW_LAYOUT) == EXPECTED


def test_usage_of_openai_layout_only_cached_tokens() -> None:
    d = {
        "prompt_tokens": 1000,
        "completion_tokens": 500,
        "total_tokens": 1500,
        "prompt_tokens_details": {"cached_tokens": 800},
        "completion_tokens_details": {"reasoning_tokens": 120},
    }
    assert usage_of(d) == EXPECTED


def test_usage_of_missing_miss_is_prompt_minus_hit() -> None:
    u = usage_of({"prompt_tokens": 70, "prompt_cache_hit_tokens": 64, "completion_tokens": 3})
    assert (u.cache_hit_tokens, u.cache_miss_tokens, u.total_tokens) == (64, 6, 73)


def test_usage_of_no_cache_fields_means_all_miss() -> None:
    u = usage_of({"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12})
    assert (u.cache_hit_tokens, u.cache_miss_tokens, u.reasoning_tokens) == (0, 10, 0)


def test_usage_of_prompt_from_hit_plus_miss() -> None:
    u = usage_of({"prompt_cache_hit_tokens": 5, "prompt_cache_miss_tokens": 7, "completion_tokens": 1})
    assert (u.prompt_tokens, u.total_tokens) == (12, 13)


def test_usage_of_sdk_objects() -> None:
    completion = _completion(NEW_LAYOUT)
    assert usage_of(completion) == EXPECTED
    assert usage_of(completion.usage) == EXPECTED
    assert usage_of(EXPECTED) is EXPECTED


def test_usage_of_response_dict_and_object_with_usage_attribute() -> None:
    class Collected:
        usage = CompletionUsage(**NEW_LAYOUT)

    assert usage_of({"id": "x", "usage": NEW_LAYOUT}) == EXPECTED
    assert usage_of(Collected()) == EXPECTED


def test_usage_of_missing_usage_is_a_clear_error() -> None:
    with pytest.raises(NoUsageError, match="include_usage") as info:
        usage_of(_completion(None))
    assert isinstance(info.value, ValueError)
    with pytest.raises(NoUsageError, match="no usage fields"):
        usage_of({"id": "x"})
    with pytest.raises(TypeError, match="not str"):
        usage_of("1000 tokens")


@pytest.mark.parametrize("bad", [-1, "12", 1.5, True])
def test_usage_of_rejects_bad_counts(bad: object) -> None:
    with pytest.raises(NoUsageError, match="prompt_tokens"):
        usage_of({"prompt_tokens": bad, "completion_tokens": 1})


def test_usage_adds() -> None:
    total = EXPECTED + Usage(prompt_tokens=10, cache_miss_tokens=10, completion_tokens=1, total_tokens=11)
    assert total == Usage(1010, 800, 210, 501, 120, 1511)


def test_sum_of_usages_works() -> None:
    # sum() starts from 0: Usage supports 0 + usage (issue 13 item 9); other numbers are still refused.
    other = Usage(prompt_tokens=10, cache_miss_tokens=10, completion_tokens=1, total_tokens=11)
    assert sum([EXPECTED, other]) == EXPECTED + other == Usage(1010, 800, 210, 501, 120, 1511)
    assert sum([], Usage()) == Usage() and sum([other]) is other
    with pytest.raises(TypeError):
        1 + other  # type: ignore[operator]
    with pytest.raises(TypeError):
        0.0 + other  # type: ignore[operator]


# --- is_peak ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "minute", "peak"),
    [
        (0, 59, False),
        (1, 0, True),
        (3, 59, True),
        (4, 0, False),
        (5, 59, False),
        (6, 0, True),
        (9, 59, True),
        (10, 0, False),
        (23, 0, False),
    ],
)
def test_is_peak_windows_on_a_weekday(hour: int, minute: int, peak: bool) -> None:
    assert is_peak(datetime(2026, 11, 27, hour, minute, tzinfo=timezone.utc)) is peak  # a Friday


def test_is_peak_weekend_is_off_peak() -> None:
    assert is_peak(SAT) is False
    assert is_peak(SAT + timedelta(days=1)) is False
    assert is_peak(SAT + timedelta(days=2)) is True  # Monday 02:30 UTC


def test_is_peak_converts_aware_datetimes_to_utc() -> None:
    beijing = timezone(timedelta(hours=8))
    assert is_peak(datetime(2026, 11, 23, 9, 0, tzinfo=beijing)) is True  # 01:00 UTC Monday
    assert is_peak(datetime(2026, 11, 23, 8, 59, tzinfo=beijing)) is False
    assert is_peak(datetime(2026, 11, 23, 17, 59, tzinfo=beijing)) is True
    # Monday 09:30 Beijing is still Sunday 20:30 in New York: the UTC (and Beijing) weekday counts.
    new_york = timezone(timedelta(hours=-5))
    assert is_peak(datetime(2026, 11, 22, 20, 30, tzinfo=new_york)) is True


def test_is_peak_naive_is_local_time() -> None:
    naive = datetime(2026, 11, 23, 12, 0)
    assert is_peak(naive) is is_peak(naive.astimezone())


def test_is_peak_timestamp_and_now() -> None:
    assert is_peak(MON_PEAK.timestamp()) is True
    assert is_peak(MON_OFF.timestamp()) is False
    before = is_peak(datetime.now(timezone.utc))
    assert is_peak() in {before, not before}  # smoke: callable without arguments, returns a bool
    assert isinstance(is_peak(), bool)


@given(
    st.datetimes(
        min_value=datetime(2026, 8, 17), max_value=datetime(2026, 12, 31, 15, 59), timezones=st.just(timezone.utc)
    )
)
def test_is_peak_matches_beijing_business_hours(at: datetime) -> None:
    # Inside the known calendar: Beijing business hours, minus the 2026 holidays, plus weekend make-up days.
    bj = at.astimezone(timezone(timedelta(hours=8)))
    hours = bj.hour + bj.minute / 60
    holiday = any(first <= bj.date() <= last for first, last in HOLIDAYS_2026)
    workday = bj.date() in MAKEUP_2026 or (bj.weekday() < 5 and not holiday)
    assert is_peak(at) is (workday and (9 <= hours < 12 or 14 <= hours < 18))


@given(st.datetimes(max_value=datetime(2026, 8, 16, 15, 59), timezones=st.just(timezone.utc)))
def test_is_peak_false_before_peak_pricing_began(at: datetime) -> None:
    assert is_peak(at) is False  # peak/off-peak pricing went live 2026-08-16 16:00 UTC


# --- cost -------------------------------------------------------------------------------------------------------


def test_cost_flash_usd_off_peak_by_hand() -> None:
    # 800 hit x $0.003 + 200 miss x $0.15 + 500 out x $0.60, per million tokens.
    expected = (800 * Decimal("0.003") + 200 * Decimal("0.15") + 500 * Decimal("0.60")) / 1_000_000
    assert expected == Decimal("0.0003324")
    assert cost(NEW_LAYOUT, "deepseek-flash", at=MON_OFF) == expected
    assert cost(NEW_LAYOUT, "deepseek-flash", at=SAT) == expected


def test_cost_flash_usd_peak_is_double() -> None:
    assert cost(NEW_LAYOUT, "deepseek-flash", at=MON_PEAK) == Decimal("0.0006648")


def test_cost_pro_cny_peak_by_hand() -> None:
    # 800 x 0.30 + 200 x 9 + 500 x 27 = 240 + 1800 + 13500 = 15540 yuan per million.
    assert cost(NEW_LAYOUT, "deepseek-v4-pro", at=MON_PEAK, currency="cny") == Decimal("0.01554")


def test_cost_pro_usd_off_peak_by_hand() -> None:
    # 800 x 0.022 + 200 x 0.66 + 500 x 1.98 = 17.6 + 132 + 990 = 1139.6 dollars per million.
    assert cost(NEW_LAYOUT, "deepseek-v4-pro", at=MON_OFF) == Decimal("0.0011396")


def test_cost_one_million_each_matches_the_table() -> None:
    million = {
        "prompt_cache_hit_tokens": 1_000_000,
        "prompt_cache_miss_tokens": 1_000_000,
        "completion_tokens": 1_000_000,
    }
    b = cost_breakdown(million, "deepseek-flash", at=MON_OFF, currency="CNY")
    assert (b.cache_hit, b.cache_miss, b.output, b.total) == (Decimal("0.02"), 1, 4, Decimal("5.02"))
    assert (b.currency, b.peak) == ("CNY", False)


@pytest.mark.parametrize(
    "legacy", ["deepseek-chat", "deepseek-reasoner", "deepseek-v4-flash", "deepseek-v4-flash-vision-exp"]
)
def test_cost_legacy_ids_priced_as_flash(legacy: str) -> None:
    assert MODELS[legacy].served_by == "deepseek-flash"
    assert cost(NEW_LAYOUT, legacy, at=MON_PEAK) == cost(NEW_LAYOUT, "deepseek-flash", at=MON_PEAK)


def test_cost_reasoning_tokens_not_double_counted() -> None:
    with_reasoning = cost(NEW_LAYOUT, "deepseek-flash", at=SAT)
    without = cost({**NEW_LAYOUT, "completion_tokens_details": None}, "deepseek-flash", at=SAT)
    assert with_reasoning == without


def test_cost_defaults_to_the_response_created_time() -> None:
    peak_response = _completion(NEW_LAYOUT, created=int(MON_PEAK.timestamp()))
    off_response = _completion(NEW_LAYOUT, created=int(SAT.timestamp()))
    assert cost(peak_response, "deepseek-flash") == Decimal("0.0006648")
    assert cost(off_response, "deepseek-flash") == Decimal("0.0003324")
    assert cost(peak_response, "deepseek-flash", at=SAT) == Decimal("0.0003324")  # explicit at wins


def test_cost_errors() -> None:
    with pytest.raises(UnknownModelError):
        cost(NEW_LAYOUT, "gpt-4o")
    with pytest.raises(ValueError, match="EUR"):
        cost(NEW_LAYOUT, "deepseek-flash", currency="EUR")
    with pytest.raises(NoUsageError):
        cost(_completion(None), "deepseek-flash")


# --- over HTTP: real SDK objects from FakeDeepSeek ------------------------------------------------------------------


def _ask(n: int) -> list[dict[str, str]]:
    return [{"role": "system", "content": "Rules:\n" + "rule text " * 60}, {"role": "user", "content": f"q{n}"}]


def test_usage_and_cost_of_chat_responses_with_cache_hits() -> None:
    from deepseek_openai.testing import FakeDeepSeek

    with FakeDeepSeek() as ds:
        client = ds.client()
        first = client.chat.completions.create(model="deepseek-flash", messages=_ask(1))  # type: ignore[arg-type]
        history = [*_ask(1), {"role": "assistant", "content": "ok"}, {"role": "user", "content": "more"}]
        second = client.chat.completions.create(model="deepseek-flash", messages=history)  # type: ignore[arg-type]
    u1, u2 = usage_of(first), usage_of(second)
    assert first.usage is not None and u1.prompt_tokens == first.usage.prompt_tokens
    assert u1.cache_hit_tokens == 0 and u1.cache_miss_tokens == u1.prompt_tokens
    assert u2.cache_hit_tokens > 0 and u2.cache_hit_tokens % 64 == 0
    assert u2.cache_hit_tokens + u2.cache_miss_tokens == u2.prompt_tokens
    assert u2.reasoning_tokens > 0  # thinking is on by default; the double reports reasoning tokens
    by_hand = (
        u2.cache_hit_tokens * Decimal("0.003")
        + u2.cache_miss_tokens * Decimal("0.15")
        + u2.completion_tokens * Decimal("0.60")
    ) / 1_000_000
    assert cost(second, "deepseek-flash", at=SAT) == by_hand


def test_usage_of_fim_completion() -> None:
    from deepseek_openai.testing import FakeDeepSeek

    with FakeDeepSeek() as ds:
        completion = ds.client(beta=True).completions.create(model="deepseek-flash", prompt="x = ", suffix="\n")
    u = usage_of(completion)
    assert u.prompt_tokens == 2 and u.cache_miss_tokens == 2  # ceil(len("x = \n") / 4)
    assert u.completion_tokens > 0 and u.total_tokens == u.prompt_tokens + u.completion_tokens


@pytest.mark.parametrize("layout", ["final_chunk", "separate_chunk"])
def test_usage_of_collected_streams_in_both_layouts(layout: Any) -> None:
    from deepseek_openai import collect_stream
    from deepseek_openai.testing import FakeDeepSeek

    usage = {"prompt_tokens": 1000, "completion_tokens": 500, "prompt_cache_hit_tokens": 800}
    with FakeDeepSeek() as ds:
        ds.add_reply("hi", usage=usage, usage_layout=layout)
        stream = ds.client().chat.completions.create(
            model="deepseek-flash",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        result = collect_stream(stream)
    got = usage_of(result)
    assert (got.prompt_tokens, got.cache_hit_tokens, got.cache_miss_tokens, got.completion_tokens) == (
        1000,
        800,
        200,
        500,
    )
    assert cost(result, "deepseek-flash", at=MON_OFF) == Decimal("0.0003324")


async def test_usage_of_async_collected_stream() -> None:
    from deepseek_openai import acollect_stream
    from deepseek_openai.testing import FakeDeepSeek

    with FakeDeepSeek() as ds:
        ds.add_reply("hi", usage={"prompt_tokens": 10, "completion_tokens": 4, "prompt_cache_hit_tokens": 0})
        async with ds.async_client() as client:
            stream = await client.chat.completions.create(
                model="deepseek-v4-pro",
                messages=[{"role": "user", "content": "hi"}],
                stream=True,
                stream_options={"include_usage": True},
            )
            result = await acollect_stream(stream)
    # 10 miss x $1.32 + 4 out x $3.96 at peak = 13.2 + 15.84 = 29.04 dollars per million tokens.
    assert cost(result, "deepseek-v4-pro", at=MON_PEAK) == Decimal("0.00002904")
