"""Responses API: a tool round in thinking mode, with the reasoning items passed back, then a streamed answer.

Shows:  client.responses.create(...) (or client.post("/responses") on openai < 1.66), reasoning_of / usage_of /
        cost on a Response, response_turn() keeping reasoning items for passback, collect_response_stream().
Needs:  DEEPSEEK_API_KEY in the environment or a .env file (DEEPSEEK_BASE_URL optionally points elsewhere,
        e.g. at `python -m deepseek_openai.testing`).
Run:    python examples/responses_api.py
"""

from __future__ import annotations

from typing import Any

import openai

from deepseek_openai import collect_response_stream, cost, create_client, reasoning_of, response_turn, usage_of

TOOLS = [
    {
        "type": "function",
        "name": "get_weather",
        "description": "Today's weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
]


def respond(client: openai.OpenAI, stream: bool = False, **body: Any) -> Any:
    if hasattr(client, "responses"):
        return client.responses.create(stream=stream, **body)
    # openai 1.57-1.65 have no client.responses: post to /responses; the helpers read the dicts it returns.
    if stream:
        body["stream"] = True
        return client.post("/responses", body=body, cast_to=object, stream=True, stream_cls=openai.Stream[object])
    return client.post("/responses", body=body, cast_to=object)


def main() -> None:
    client = create_client()
    history: list[dict[str, Any]] = [{"role": "user", "content": "What is the weather in Paris?"}]

    first = respond(client, model="deepseek-flash", input=history, tools=TOOLS)
    print(f"reasoning: {len(reasoning_of(first) or '')} characters; usage: {usage_of(first)}")
    print(f"cost USD: {cost(first, 'deepseek-flash')}")
    turn = response_turn(first)
    print("passed back:", [item["type"] for item in turn])
    history += turn
    for item in turn:
        if item["type"] == "function_call":
            print(f"called {item['name']}({item['arguments']})")
            history.append({"type": "function_call_output", "call_id": item["call_id"], "output": "sunny, 21 C"})

    streamed = collect_response_stream(respond(client, stream=True, model="deepseek-flash", input=history, tools=TOOLS))
    print("streamed answer:", streamed.content)
    print("finish_reason:", streamed.finish_reason)


if __name__ == "__main__":
    main()
