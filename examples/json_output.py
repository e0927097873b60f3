"""JSON Output: ask DeepSeek for JSON, get it parsed, and validated into a pydantic model.

Shows:  json_completion() sends response_format={"type": "json_object"} (DeepSeek has no json_schema), checks the
        prompt mentions "json", retries blank replies, and validates with pydantic when given schema=.
Needs:  DEEPSEEK_API_KEY in the environment or a .env file (DEEPSEEK_BASE_URL optionally points elsewhere,
        e.g. at `python -m deepseek_openai.testing`); pydantic (installed with openai).
Run:    python examples/json_output.py
"""

from __future__ import annotations

from pydantic import BaseModel

from deepseek_openai import JSONOutputError, create_client, explain, json_completion


class Corrected(BaseModel):
    echo: str


MESSAGES = [
    {
        "role": "system",
        "content": 'You fix spelling. Reply with JSON only, exactly in this shape: {"echo": "<the corrected text>"}',
    },
    {"role": "user", "content": "Teh quick brown fox jumsp over the lazy dog."},
]


def main() -> None:
    client = create_client()
    no_thinking = {"extra_body": {"thinking": {"type": "disabled"}}}

    data = json_completion(client, MESSAGES, max_tokens=200, **no_thinking)
    print("parsed:", data)

    try:
        fixed = json_completion(client, MESSAGES, schema=Corrected, max_tokens=200, **no_thinking)
    except JSONOutputError as err:
        print("JSON problem:", explain(err))
        print("raw text was:", repr(err.content))
        raise SystemExit(1) from None
    print("validated:", repr(fixed))
    print("echo field:", fixed.echo)


if __name__ == "__main__":
    main()
