"""Multi-round chat in thinking mode: keep the history, pass each assistant turn back with its reasoning.

Shows:  assistant_turn() building the message to append (reasoning_content kept, which DeepSeek requires once
        tools are in the request), check_messages() catching a hand-built turn before the network, and
        user_id() composed with thinking().
Needs:  DEEPSEEK_API_KEY in the environment or a .env file (DEEPSEEK_BASE_URL optionally points elsewhere,
        e.g. at `python -m deepseek_openai.testing`).
Run:    python examples/multi_round.py
"""

from __future__ import annotations

from typing import Any

from deepseek_openai import InvalidRequestError, assistant_turn, check_messages, create_client, thinking, user_id

CLOCK = {"type": "function", "function": {"name": "get_time", "description": "The current UTC time."}}


def main() -> None:
    client = create_client()
    options = thinking(effort="low", **user_id("example-user-1"))
    history: list[dict[str, Any]] = [{"role": "user", "content": "Name a prime number between 10 and 20."}]

    for round_no, follow_up in enumerate(["Now a larger one.", "And their sum?"], start=1):
        # tool_choice="none": the tool is declared (so the passback rule applies) but this chat answers in text.
        reply = client.chat.completions.create(
            model="deepseek-flash", messages=history, tools=[CLOCK], tool_choice="none", **options
        )
        turn = assistant_turn(reply)
        history.append(turn)
        print(f"round {round_no}: {turn['content']!r} (reasoning kept: {'reasoning_content' in turn})")
        history.append({"role": "user", "content": follow_up})

    check_messages(history, tools=[CLOCK])
    print("history ok:", len(history), "messages")

    dropped = [{k: v for k, v in m.items() if k != "reasoning_content"} for m in history]
    try:
        check_messages(dropped, tools=[CLOCK])
    except InvalidRequestError as err:
        print("caught before sending:", err.rule)


if __name__ == "__main__":
    main()
