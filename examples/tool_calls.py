"""Tool calls: the model calls a Python function, gets its result back, and answers with it.

Shows:  run_tools() running a whole tool round: the model asks for get_weather(...), the Python function runs,
        its result goes back as a tool message, and the final answer arrives (reasoning passback handled for
        you); strict_tool() building a strict schema from a pydantic model (strict tools need the beta base URL).
Needs:  DEEPSEEK_API_KEY in the environment or a .env file (DEEPSEEK_BASE_URL optionally points elsewhere,
        e.g. at `python -m deepseek_openai.testing`, whose default reply calls the first tool, then answers
        quoting the result), and pydantic (installed with the openai SDK).
Run:    python examples/tool_calls.py
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from deepseek_openai import create_client, run_tools, strict_tool


class GetWeather(BaseModel):
    """Get today's weather for a city."""

    city: str = Field(description="City name, e.g. Hangzhou")
    unit: Literal["celsius", "fahrenheit"] = Field(description="Temperature unit")


def get_weather(city: str, unit: str) -> dict[str, object]:
    print(f"called get_weather(city={city!r}, unit={unit!r})")
    return {"city": city, "sky": "sunny", "temperature": 24 if unit == "celsius" else 75, "unit": unit}


def main() -> None:
    tool = strict_tool("get_weather", GetWeather)
    print("strict tool:", tool["function"]["name"], "required =", tool["function"]["parameters"]["required"])

    client = create_client(beta=True)  # strict tools live on the beta base
    messages = [{"role": "user", "content": "What's the weather in Hangzhou today, in celsius?"}]
    result = run_tools(client, messages, [tool], [get_weather], max_rounds=4)
    for message in result.messages[len(messages) :]:
        if message["role"] == "tool":
            print("tool result:", message["content"])
        elif message.get("tool_calls"):
            calls = ", ".join(c["function"]["name"] + c["function"]["arguments"] for c in message["tool_calls"])
            print("model asked for:", calls)
    print(f"rounds: {result.rounds}")
    print("answer:", result.content)


if __name__ == "__main__":
    main()
