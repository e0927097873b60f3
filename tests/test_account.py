"""get_balance / aget_balance over real HTTP against FakeDeepSeek, and the balance parser."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import openai
import pytest

from deepseek_openai import Balance, CurrencyBalance, DeepSeekError, aget_balance, explain, get_balance
from deepseek_openai._account import parse_balance
from deepseek_openai.testing import FakeDeepSeek


@pytest.fixture
def ds() -> Iterator[FakeDeepSeek]:
    with FakeDeepSeek() as fake:
        yield fake


def test_get_balance_reads_the_account(ds: FakeDeepSeek) -> None:
    balance = get_balance(ds.client())
    assert balance == Balance(
        is_available=True,
        balances=(CurrencyBalance("USD", Decimal("100.00"), Decimal("0.00"), Decimal("100.00")),),
    )
    assert balance.total() == Decimal("100.00")
    assert balance.total("usd") == Decimal("100.00")
    assert balance.total("CNY") == Decimal("0")
    (request,) = ds.requests
    assert (request.method, request.path, request.body) == ("GET", "/user/balance", b"")
    assert request.headers["authorization"] == f"Bearer {ds.api_key}"


def test_get_balance_from_a_beta_client_uses_the_main_base(ds: FakeDeepSeek) -> None:
    client = ds.client(beta=True)
    assert str(client.base_url).rstrip("/").endswith("/beta")
    assert get_balance(client).total() == Decimal("100.00")
    assert [r.path for r in ds.requests] == ["/user/balance"]


def test_get_balance_empty_account(ds: FakeDeepSeek) -> None:
    ds.balance = Decimal("0")
    balance = get_balance(ds.client())
    assert balance.is_available is False
    assert balance.total("USD") == Decimal("0.00")


def test_get_balance_cny_account() -> None:
    with FakeDeepSeek(currency="CNY", balance="12.5") as ds:
        balance = get_balance(ds.client())
    assert [b.currency for b in balance.balances] == ["CNY"]
    assert balance.total() == Decimal("12.50")
    assert balance.total("USD") == 0


def test_get_balance_wrong_key_is_the_sdk_401(ds: FakeDeepSeek) -> None:
    with pytest.raises(openai.AuthenticationError) as info:
        get_balance(ds.client(api_key="sk-wrong-key-00000000abcd", max_retries=0))
    assert info.value.status_code == 401
    text = explain(info.value)
    assert "DEEPSEEK_API_KEY" in text
    assert "sk-wrong-key-00000000abcd" not in text


async def test_aget_balance(ds: FakeDeepSeek) -> None:
    async with ds.async_client() as client:
        balance = await aget_balance(client)
    assert balance.is_available is True
    assert balance.total() == Decimal("100.00")
    assert [(r.method, r.path) for r in ds.requests] == [("GET", "/user/balance")]


async def test_aget_balance_beta_client(ds: FakeDeepSeek) -> None:
    ds.balance = Decimal("0")
    async with ds.async_client(beta=True) as client:
        balance = await aget_balance(client)
    assert balance.is_available is False
    assert [r.path for r in ds.requests] == ["/user/balance"]


def test_parse_balance_several_currencies() -> None:
    balance = parse_balance(
        {
            "is_available": True,
            "balance_infos": [
                {
                    "currency": "CNY",
                    "total_balance": "110.00",
                    "granted_balance": "10.00",
                    "topped_up_balance": "100.00",
                },
                {"currency": "USD", "total_balance": "5.25", "granted_balance": "0.00", "topped_up_balance": "5.25"},
            ],
        }
    )
    assert balance.balances[0] == CurrencyBalance("CNY", Decimal("110.00"), Decimal("10.00"), Decimal("100.00"))
    assert balance.total("cny") == Decimal("110.00")
    assert balance.total("USD") == Decimal("5.25")
    with pytest.raises(ValueError, match="CNY, USD"):
        balance.total()


def test_parse_balance_no_infos() -> None:
    balance = parse_balance({"is_available": False, "balance_infos": []})
    assert balance == Balance(False, ())
    assert balance.total() == 0


@pytest.mark.parametrize(
    "data",
    [
        {"object": "list", "data": []},
        {"is_available": "yes", "balance_infos": []},
        {"is_available": True, "balance_infos": "none"},
        {"is_available": True, "balance_infos": [{"currency": "USD", "total_balance": "lots"}]},
        "<html>",
    ],
)
def test_parse_balance_rejects_other_shapes(data: object) -> None:
    with pytest.raises(DeepSeekError, match="not a DeepSeek balance") as info:
        parse_balance(data)
    assert "base URL" in info.value.fix


def test_balance_is_frozen() -> None:
    balance = Balance(True, ())
    with pytest.raises(AttributeError):
        balance.is_available = False  # type: ignore[misc]
