"""Account balance: how much credit is left, per currency, and whether requests can still be paid for.

Shows:  get_balance() (GET /user/balance through the SDK) returning a frozen Balance with Decimal amounts.
Needs:  DEEPSEEK_API_KEY in the environment or a .env file (DEEPSEEK_BASE_URL optionally points elsewhere,
        e.g. at `python -m deepseek_openai.testing`).
Run:    python examples/balance.py
"""

from __future__ import annotations

from deepseek_openai import create_client, get_balance


def main() -> None:
    balance = get_balance(create_client())
    print("available:", balance.is_available)
    for entry in balance.balances:
        print(f"{entry.currency}: total {entry.total} (granted {entry.granted}, topped up {entry.topped_up})")
    if not balance.is_available:
        print("Top up at https://platform.deepseek.com/top_up before sending more requests.")


if __name__ == "__main__":
    main()
