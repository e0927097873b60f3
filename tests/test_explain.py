"""explain(): real SDK errors from FakeDeepSeek over loopback HTTP, our errors, finish reasons, anything else."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import openai
import pytest

from deepseek_openai import RULES, InvalidRequestError, JSONOutputError, create_client, explain
from deepseek_openai.testing import FakeDeepSeek

HI = [{"role": "user", "content": "hi"}]


@pytest.fixture
def ds() -> Iterator[FakeDeepSeek]:
    with FakeDeepSeek() as fake:
        yield fake


def _error(client: openai.OpenAI, **kwargs: Any) -> openai.APIStatusError:
    kwargs.setdefault("model", "deepseek-flash")
    kwargs.setdefault("messages", HI)
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(**kwargs)
    return info.value


def test_402_says_top_up_and_get_balance(ds: FakeDeepSeek) -> None:
    ds.balance = 0  # type: ignore[assignment]
    err = _error(ds.client())
    assert type(err) is openai.APIStatusError and err.status_code == 402
    text = explain(err)
    assert text.startswith("DeepSeek answered 402 Insufficient Balance.")
    assert "top up" in text and "get_balance(client)" in text


@pytest.mark.parametrize(("model", "limit"), [("deepseek-flash", "2500"), ("deepseek-v4-pro", "500")])
def test_429_says_concurrency_and_names_the_limit(ds: FakeDeepSeek, model: str, limit: str) -> None:
    ds.add_error(429)
    err = _error(ds.client(max_retries=0), model=model)
    assert isinstance(err, openai.RateLimitError)
    text = explain(err)
    assert "concurrency limit" in text and "fewer requests" in text and "top up" in text
    assert "retries rarely help" in text
    assert f"allows {limit} requests at once" in text


def test_401_points_at_the_key_and_never_shows_it(ds: FakeDeepSeek) -> None:
    key = "sk-wrong0key0that0is0long0wxyz"
    err = _error(ds.client(api_key=key, max_retries=0))
    assert isinstance(err, openai.AuthenticationError)
    text = explain(err)
    assert "DEEPSEEK_API_KEY" in text and "platform.deepseek.com/api_keys" in text
    assert key not in text and "0that0" not in text
    assert "****wxyz" in text  # DeepSeek's own masked form is fine


def test_a_full_key_in_a_body_is_redacted(ds: FakeDeepSeek) -> None:
    ds.add_error(400, "proxy says: key sk-abcdefghijklmnop1234 rejected")
    text = explain(_error(ds.client()))
    assert "sk-abcdefghijklmnop1234" not in text
    assert "sk-…1234" in text


def test_400_passback(ds: FakeDeepSeek) -> None:
    tools = [{"type": "function", "function": {"name": "now", "parameters": {"type": "object", "properties": {}}}}]
    messages = [*HI, {"role": "assistant", "content": "hello"}, {"role": "user", "content": "time?"}]
    err = _error(ds.client(compat=False), messages=messages, tools=tools)  # the hook would refuse it first
    assert isinstance(err, openai.BadRequestError)
    text = explain(err)
    assert RULES["passback"].message.rstrip(".") in text
    assert text.endswith(RULES["passback"].fix)


def test_400_json_schema(ds: FakeDeepSeek) -> None:
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}
    text = explain(_error(ds.client(compat=False), response_format=fmt))
    assert "400" in text and "json_completion" in text and "json_object" in text


def test_400_tool_choice_in_thinking_mode(ds: FakeDeepSeek) -> None:
    tools = [{"type": "function", "function": {"name": "now"}}]
    text = explain(_error(ds.client(compat=False), tools=tools, tool_choice="required"))
    assert "thinking(False)" in text


def test_422_unknown_reasoning_effort(ds: FakeDeepSeek) -> None:
    err = _error(ds.client(), extra_body={"reasoning_effort": "turbo"})
    assert isinstance(err, openai.UnprocessableEntityError)
    text = explain(err)
    assert text.startswith("DeepSeek answered 422 Invalid Parameters")
    assert "`turbo`" in text
    assert RULES["reasoning_effort"].fix in text


def test_422_developer_role(ds: FakeDeepSeek) -> None:
    text = explain(_error(ds.client(compat=False), messages=[{"role": "developer", "content": "be brief"}, *HI]))
    assert "use role 'system'" in text


def test_retired_model_is_told_apart_from_an_unknown_one(ds: FakeDeepSeek) -> None:
    client = ds.client(legacy_models="pass", max_retries=0)
    retired = explain(_error(client, model="deepseek-chat"))
    unknown = explain(_error(client, model="gpt-4o"))
    assert "Model Not Exist" in retired and "Model Not Exist" in unknown
    assert retired.endswith(RULES["retired_model"].fix)
    assert unknown.endswith(RULES["unknown_model"].fix)


def test_404_fim_on_the_main_base(ds: FakeDeepSeek) -> None:
    ds.add_error(404)  # what the main base answers is not documented; the double serves FIM there unless told
    with pytest.raises(openai.NotFoundError) as info:
        ds.client(max_retries=0).completions.create(model="deepseek-flash", prompt="x = ")
    assert "create_client(beta=True)" in explain(info.value)


def test_404_elsewhere_is_about_the_base_url(ds: FakeDeepSeek) -> None:
    client = ds.client(base_url=ds.base_url + "/v2", max_retries=0)
    text = explain(_error(client))
    assert text.startswith("DeepSeek answered 404 Not Found.")
    assert "base URL" in text


@pytest.mark.parametrize(("status", "words"), [(500, "Server Error"), (503, "overloaded")])
def test_5xx(ds: FakeDeepSeek, status: int, words: str) -> None:
    ds.add_error(status)
    err = _error(ds.client(max_retries=0))
    assert isinstance(err, openai.InternalServerError)
    text = explain(err)
    assert words in text and "retry after a pause" in text


def test_unmatched_400_repeats_the_message(ds: FakeDeepSeek) -> None:
    ds.add_error(400, "stop: at most 16 sequences")
    text = explain(_error(ds.client()))
    assert text.startswith("DeepSeek answered 400 Invalid Format: stop: at most 16 sequences. Fix:")


def test_connection_error() -> None:
    with FakeDeepSeek() as closed:
        url = closed.base_url
    with (
        create_client(api_key="sk-any", base_url=url, env_file=False, max_retries=0) as client,
        pytest.raises(openai.APIConnectionError) as info,
    ):
        client.chat.completions.create(model="deepseek-flash", messages=HI)  # type: ignore[arg-type]
    text = explain(info.value)
    assert text.startswith("Could not connect to DeepSeek")
    assert "DEEPSEEK_BASE_URL" in text


def test_timeout(ds: FakeDeepSeek) -> None:
    ds.add_reply("late", delay=5)
    with pytest.raises(openai.APITimeoutError) as info:
        ds.client(timeout=0.3, max_retries=0).chat.completions.create(model="deepseek-flash", messages=HI)  # type: ignore[arg-type]
    text = explain(info.value)
    assert "timeout" in text and "stream=True" in text


async def test_async_errors_explain_the_same(ds: FakeDeepSeek) -> None:
    ds.add_error(402)
    async with ds.async_client(max_retries=0) as client:
        with pytest.raises(openai.APIStatusError) as info:
            await client.chat.completions.create(model="deepseek-flash", messages=HI)  # type: ignore[arg-type]
    assert "get_balance" in explain(info.value)


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("length", "max_tokens"),
        ("stop", "normally"),
        ("tool_calls", "role='tool'"),
        ("content_filter", "filter"),
        ("insufficient_system_resource", "retry"),
    ],
)
def test_finish_reasons(reason: str, words: str) -> None:
    assert words in explain(reason)


def test_unknown_string() -> None:
    assert "not" in explain("banana") and "banana" in explain("banana")


def test_our_errors_give_message_and_fix() -> None:
    err = InvalidRequestError("Bad thing.", fix="do the other thing.", rule="json_word")
    assert explain(err) == "Bad thing. Fix: do the other thing."
    assert explain(JSONOutputError("Blank.")) == "Blank."


def test_anything_else() -> None:
    assert explain(ValueError("boom sk-0123456789abcdefWXYZ")) == (
        "ValueError: boom sk-…WXYZ. Fix: nothing DeepSeek-specific is known for this error."
    )
    assert explain(42) == "No DeepSeek-specific explanation for int."


def test_a_status_deepseek_does_not_document(ds: FakeDeepSeek) -> None:
    ds.add_error(418, "I'm a teapot")
    text = explain(_error(ds.client(max_retries=0)))
    assert text.startswith("DeepSeek answered HTTP 418: I'm a teapot. Fix:")


def test_length_with_an_empty_answer_blames_the_reasoning_budget(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_reply("", reasoning="thinking hard", finish_reason="length")
    fake_deepseek.add_reply("a cut answ", finish_reason="length")
    client = fake_deepseek.client()
    empty = client.chat.completions.create(model="deepseek-flash", messages=HI)  # type: ignore[arg-type]
    cut = client.chat.completions.create(model="deepseek-flash", messages=HI)  # type: ignore[arg-type]
    assert "reasoning used the whole max_tokens budget" in explain(empty)
    assert "lower the effort" in explain(empty)
    assert "answer was cut" in explain(cut) and "reasoning used" not in explain(cut)
    assert "If the answer is empty" in explain("length")  # no answer text known: both readings


def test_collected_stream_is_explained_by_its_finish_reason(fake_deepseek: FakeDeepSeek) -> None:
    from deepseek_openai import collect_stream

    fake_deepseek.add_reply("partial", finish_reason="insufficient_system_resource")
    stream = fake_deepseek.client().chat.completions.create(model="deepseek-flash", messages=HI, stream=True)  # type: ignore[arg-type]
    assert "ran out of resources" in explain(collect_stream(stream))


# -- issue 13 item 3: real 400s that used to get the generic "fix the request field" ----------------------------

GENERIC = "fix the request field"


def test_content_exists_risk_is_content_moderation(ds: FakeDeepSeek) -> None:
    ds.add_error(400, "Content Exists Risk")
    err = _error(ds.client(max_retries=0))
    assert isinstance(err, openai.BadRequestError)
    text = explain(err)
    assert text.startswith("DeepSeek answered 400 Invalid Format: Content Exists Risk. This is DeepSeek's content")
    assert "moderation" in text and "rephrase or remove the flagged content" in text
    assert GENERIC not in text


@pytest.fixture
def raw_server() -> Iterator[tuple[str, list[tuple[int, bytes]]]]:
    """A loopback server answering each POST with the next queued (status, raw JSON body): any body shape."""
    queue: list[tuple[int, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, body = queue.pop(0)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", queue
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("status", "body", "said", "fix"),
    [
        (400, {"detail": "Content Exists Risk"}, "Content Exists Risk", "rephrase or remove"),
        (400, {"detail": "Invalid max_tokens value, the valid range of max_tokens is [1, 8192]"}, "[1, 8192]", GENERIC),
        (422, {"detail": [{"loc": ["body", "model"], "msg": "field required"}]}, "field required", "fix the field"),
    ],
)
def test_the_2024_detail_body_keeps_its_message(
    raw_server: tuple[str, list[tuple[int, bytes]]], status: int, body: Any, said: str, fix: str
) -> None:
    base_url, queue = raw_server
    queue.append((status, json.dumps(body).encode()))
    client = create_client("sk-test-0000000000000000", base_url=base_url, env_file=False, max_retries=0)
    err = _error(client)  # raised by the SDK itself from the HTTP answer
    assert err.status_code == status
    text = explain(err)
    assert said in text and fix in text


def test_the_older_passback_wording_gets_the_passback_fix_and_names_the_index(ds: FakeDeepSeek) -> None:
    ds.add_error(
        400,
        "Missing `reasoning_content` field in the assistant message at message index 2. For more information, "
        "please refer to https://api-docs.deepseek.com/guides/thinking_mode#tool-calls",
    )
    text = explain(_error(ds.client(max_retries=0)))
    assert "messages[2] is the turn to fix" in text and text.endswith(RULES["passback"].fix)
    assert GENERIC not in text


def test_the_json_word_400_says_put_json_and_an_example_in_the_prompt(ds: FakeDeepSeek) -> None:
    ds.add_error(
        400, "Prompt must contain the word 'json' in some form to use 'response_format' of type 'json_object'."
    )
    text = explain(_error(ds.client(max_retries=0), response_format={"type": "json_object"}))
    assert "'json'" in text and "example" in text and "json_completion()" in text
    assert GENERIC not in text


def test_an_image_part_the_model_cannot_take_says_where_images_go(ds: FakeDeepSeek) -> None:
    ds.add_error(
        400,
        "Failed to deserialize the JSON body into the target type: messages[0]: unknown variant `image_url`, "
        "expected `text` at line 1 column 97",
    )
    text = explain(_error(ds.client(max_retries=0), model="deepseek-v4-pro"))
    assert "model='deepseek-flash'" in text and "only in user messages" in text
    assert GENERIC not in text


def test_every_wording_of_every_refusal_is_recognised() -> None:
    # The rows are the only source of explain()'s matching: each message and each older wording finds its row.
    from deepseek_openai._explain import _patterns

    for r in RULES.values():
        if r.status is None or r.id in ("fim_not_beta", "balance", "rate_limit", "server_error", "overloaded"):
            continue
        for wording in (r.message, *r.also):
            fields = {"limit": "8", "purpose": "p", "kind": "image", "file_id": "file-api-1"}  # files and images
            sample = wording.format(index="3", value="turbo", name="f", detail="d", key="****abcd", **fields)
            first = next(row for pattern, row in _patterns() if pattern.search(sample))
            assert first.message == r.message, (r.id, first.id)
