"""FakeDeepSeek's newer routes over real HTTP: /responses, /files, /v1/tools/search and fetch, images in chat.

Requests go through the SDK's generic ``client.post``/``get``/``delete`` where the SDK's typed resource may be
missing (openai 1.57 has no ``client.responses``), so every SDK major runs them; typed calls are tested too where
the SDK has them.
"""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from deepseek_openai import FILE_LIMITS, explain, image_part
from deepseek_openai.testing import FakeDeepSeek
from deepseek_openai.testing import _files as files_module

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
TOOLS = [
    {
        "type": "function",
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }
]
HAS_RESPONSES = hasattr(openai.OpenAI, "responses")


def post(client: openai.OpenAI, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, body=body, cast_to=object)


def events(client: openai.OpenAI, body: dict[str, Any]) -> list[dict[str, Any]]:
    stream = client.post(
        "/responses", body={**body, "stream": True}, cast_to=object, stream=True, stream_cls=openai.Stream[object]
    )
    out = []
    for event in stream:
        assert isinstance(event, dict)
        out.append(event.get("data", event) if "event" in event else event)  # 1.x wraps named events
    return out


# -- /responses ---------------------------------------------------------------------------------------------------


def test_response_body_has_reasoning_item_message_and_usage(fake_deepseek: FakeDeepSeek) -> None:
    body = post(fake_deepseek.client(), "/responses", {"model": "deepseek-flash", "input": "Hello there"})
    assert body["object"] == "response" and body["status"] == "completed"
    kinds = [item["type"] for item in body["output"]]
    assert kinds == ["reasoning", "message"]
    reasoning = body["output"][0]
    assert reasoning["content"][0]["type"] == "reasoning_text" and reasoning["content"][0]["text"]
    assert reasoning["summary"] == [] and "encrypted_content" not in reasoning
    assert body["output"][1]["content"][0]["text"] == "Echo: Hello there"
    usage = body["usage"]
    assert usage["output_tokens_details"]["reasoning_tokens"] > 0
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert body["store"] is False and fake_deepseek.requests[-1].path == "/responses"


def test_response_cached_tokens_on_a_repeated_prefix(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client()
    long_text = "x" * 1000
    post(client, "/responses", {"model": "deepseek-flash", "input": long_text})
    again = post(client, "/responses", {"model": "deepseek-flash", "input": [{"role": "user", "content": long_text}]})
    assert again["usage"]["input_tokens_details"]["cached_tokens"] == 192  # 250 tokens, in units of 64


def test_response_scripted_reply_and_incomplete(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_reply("Paris", reasoning="France's capital.", finish_reason="length")
    body = post(fake_deepseek.client(), "/responses", {"model": "deepseek-flash", "input": "Capital?"})
    assert body["status"] == "incomplete" and body["incomplete_details"] == {"reason": "max_output_tokens"}
    assert body["output"][0]["content"][0]["text"] == "France's capital."
    assert body["output"][1]["content"][0]["text"] == "Paris"


def test_response_retired_and_unknown_models_get_400(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client(max_retries=0, legacy_models="pass")
    for model in ("deepseek-chat", "gpt-4o"):
        with pytest.raises(openai.BadRequestError, match="Model Not Exist"):
            post(client, "/responses", {"model": model, "input": "hi"})


def test_response_function_call_then_passback_rule(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client(max_retries=0)
    first = post(client, "/responses", {"model": "deepseek-flash", "input": "Weather in Paris?", "tools": TOOLS})
    call = next(item for item in first["output"] if item["type"] == "function_call")
    assert call["name"] == "get_weather" and set(json.loads(call["arguments"])) == {"city"}
    assert call["call_id"].startswith("call_00_")
    result = {"type": "function_call_output", "call_id": call["call_id"], "output": "sunny"}
    without = [{"role": "user", "content": "Weather in Paris?"}, call, result]
    with pytest.raises(openai.BadRequestError, match="reasoning item in the thinking mode must be passed back"):
        post(client, "/responses", {"model": "deepseek-flash", "input": without, "tools": TOOLS})
    # Without tools, or with thinking off, the same history is accepted.
    post(client, "/responses", {"model": "deepseek-flash", "input": without})
    off = {"model": "deepseek-flash", "input": without, "tools": TOOLS, "reasoning": {"effort": "none"}}
    assert post(client, "/responses", off)["status"] == "completed"
    with_reasoning = [{"role": "user", "content": "Weather in Paris?"}, *first["output"], result]
    second = post(client, "/responses", {"model": "deepseek-flash", "input": with_reasoning, "tools": TOOLS})
    assert second["output"][-1]["content"][0]["text"] == "Echo: Weather in Paris? (tools said: sunny)"


def test_response_stream_events_end_without_done(fake_deepseek: FakeDeepSeek) -> None:
    got = events(fake_deepseek.client(), {"model": "deepseek-flash", "input": "Hi", "tools": TOOLS})
    kinds = [e["type"] for e in got]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert "response.reasoning_text.delta" in kinds and "response.function_call_arguments.delta" in kinds
    assert [e["sequence_number"] for e in got] == list(range(len(got)))
    raw = fake_deepseek.requests[-1]
    assert raw.json["stream"] is True
    final = got[-1]["response"]
    args = "".join(e["delta"] for e in got if e["type"] == "response.function_call_arguments.delta")
    assert args == next(i["arguments"] for i in final["output"] if i["type"] == "function_call")


def test_response_stream_failed_event(fake_deepseek: FakeDeepSeek) -> None:
    fake_deepseek.add_reply("partial", finish_reason="insufficient_system_resource")
    got = events(fake_deepseek.client(), {"model": "deepseek-flash", "input": "Hi"})
    assert got[-1]["type"] == "response.failed"
    assert got[-1]["response"]["error"]["code"] == "server_error"


def test_response_images_only_on_flash(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client(max_retries=0)
    url = image_part(PNG)["image_url"]["url"]
    content = [{"type": "input_text", "text": "What is this?"}, {"type": "input_image", "image_url": url}]
    body = {"model": "deepseek-flash", "input": [{"role": "user", "content": content}]}
    assert post(client, "/responses", body)["status"] == "completed"
    with pytest.raises(openai.BadRequestError, match="unknown variant `image_url`"):
        post(client, "/responses", {**body, "model": "deepseek-v4-pro"})


@pytest.mark.skipif(not HAS_RESPONSES, reason="this openai version has no client.responses (added in 1.66)")
def test_typed_responses_client(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client()
    reply = client.responses.create(model="deepseek-flash", input="Hello")
    assert reply.output_text == "Echo: Hello"
    kinds = [event.type for event in client.responses.create(model="deepseek-flash", input="Hi", stream=True)]
    assert kinds[-1] == "response.completed" and "response.output_text.delta" in kinds


# -- /files -------------------------------------------------------------------------------------------------------


def test_files_upload_list_retrieve_delete(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client()
    uploaded = client.files.create(file=("cat.png", PNG), purpose="user_data")  # type: ignore[arg-type]
    assert uploaded.id.startswith("file-api-") and uploaded.bytes == len(PNG) and uploaded.purpose == "user_data"
    raw = fake_deepseek.requests[-1]
    assert raw.headers["content-type"].startswith("multipart/form-data")
    assert raw.body.index(b'name="purpose"') < raw.body.index(b'name="file"')  # the SDK sends purpose first
    assert fake_deepseek.files.data[uploaded.id] == PNG
    assert [f.id for f in client.files.list()] == [uploaded.id]
    assert client.files.retrieve(uploaded.id).filename == "cat.png"
    assert client.files.delete(uploaded.id).deleted is True
    with pytest.raises(openai.NotFoundError) as caught:
        client.files.retrieve(uploaded.id)
    assert "client.files.list() shows the files you have" in explain(caught.value)


def test_files_purposes_expiry_and_size(fake_deepseek: FakeDeepSeek, monkeypatch: pytest.MonkeyPatch) -> None:
    client = fake_deepseek.client(max_retries=0)
    with pytest.raises(openai.BadRequestError, match="Invalid purpose `assistants`"):
        client.files.create(file=("a.png", PNG), purpose="assistants")
    doc = client.files.create(file=("report.pdf", b"%PDF-1.7 ..."), purpose="text_recognition")  # type: ignore[arg-type]
    assert doc.purpose == "text_recognition"
    bad_expiry = {"anchor": "created_at", "seconds": 60}
    with pytest.raises(openai.BadRequestError, match="between 3600 and 2592000"):
        client.files.create(file=("a.png", PNG), purpose="user_data", extra_body={"expires_after": bad_expiry})  # type: ignore[arg-type]
    # The limits are data: a smaller image limit shows the refusal without a 64 MiB upload.
    monkeypatch.setattr(files_module, "FILE_LIMITS", {**FILE_LIMITS, "image": 16})
    with pytest.raises(openai.BadRequestError, match="image files may be at most 16 bytes"):
        client.files.create(file=("a.png", PNG), purpose="user_data")  # type: ignore[arg-type]


def test_file_content_cannot_be_downloaded(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client(max_retries=0)
    uploaded = client.files.create(file=("a.png", PNG), purpose="user_data")  # type: ignore[arg-type]
    with pytest.raises(openai.NotFoundError, match="File content download is not supported"):
        client.files.content(uploaded.id)


# -- images in chat -----------------------------------------------------------------------------------------------


def chat_with(client: openai.OpenAI, model: str, messages: list[dict[str, Any]]) -> Any:
    return client.chat.completions.create(model=model, messages=messages)  # type: ignore[arg-type]


def test_chat_image_rules(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client(max_retries=0)
    part = image_part(PNG)
    user = {"role": "user", "content": [part, {"type": "text", "text": "What is it?"}]}
    assert chat_with(client, "deepseek-flash", [user]).choices[0].message.content == "Echo: [image_url]What is it?"
    with pytest.raises(openai.BadRequestError, match="unknown variant `image_url`, expected `text`"):
        chat_with(client, "deepseek-v4-pro", [user])
    with pytest.raises(openai.BadRequestError, match="unknown variant `image_url`"):
        chat_with(client, "deepseek-flash", [{"role": "system", "content": [part]}, user])
    http = {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "http://example.com/a.png"}}]}
    with pytest.raises(openai.BadRequestError, match="Invalid image url"):
        chat_with(client, "deepseek-flash", [http])
    bmp = {"type": "image_url", "image_url": {"url": "data:image/bmp;base64,AA=="}}
    with pytest.raises(openai.BadRequestError, match="Unsupported image format"):
        chat_with(client, "deepseek-flash", [{"role": "user", "content": [bmp]}])
    https = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    assert (
        chat_with(client, "deepseek-flash", [{"role": "user", "content": [https]}]).choices[0].finish_reason == "stop"
    )


# -- /v1/tools ----------------------------------------------------------------------------------------------------


def test_search_default_and_scripted(fake_deepseek: FakeDeepSeek) -> None:
    client = fake_deepseek.client()
    got = post(client, "/v1/tools/search", {"query": "deepseek", "count": 3, "need_content": True})
    assert [r["title"] for r in got["results"]] == [f"Result {n} for deepseek" for n in (1, 2, 3)]
    assert all(0 <= r["rerank_score"] <= 3 and -1 <= r["authority"] <= 4 and r["content"] for r in got["results"])
    fake_deepseek.add_search_results([])
    assert post(client, "/v1/tools/search", {"query": "nothing"}) == {"results": []}
    fake_deepseek.add_fetched_page("T", "# body")
    assert post(client, "/v1/tools/fetch", {"url": "https://a.example/"}) == {"title": "T", "content": "# body"}


@pytest.mark.parametrize(
    ("path", "body", "status", "words"),
    [
        ("/v1/tools/search", {"query": ""}, 400, "query must be between 1 and 128"),
        ("/v1/tools/search", {"query": "q" * 129}, 400, "query must be between 1 and 128"),
        ("/v1/tools/search", {"query": "q", "count": 51}, 400, "count must be between 1 and 50"),
        ("/v1/tools/search", {"count": 5}, 422, "missing field `query`"),
        ("/v1/tools/fetch", {"url": "ftp://example.com/x"}, 400, "http or https URL"),
        ("/v1/tools/fetch", {"url": "https://u:p@example.com/"}, 400, "without credentials"),
        ("/v1/tools/fetch", {"url": "https://e.com/" + "a" * 8192}, 400, "at most 8192"),
        ("/v1/tools/fetch", {}, 422, "missing field `url`"),
        ("/tools/search", {"query": "q"}, 404, "Not Found"),
    ],
)
def test_tool_refusals(fake_deepseek: FakeDeepSeek, path: str, body: dict[str, Any], status: int, words: str) -> None:
    with pytest.raises(openai.APIStatusError, match=words) as caught:
        post(fake_deepseek.client(max_retries=0), path, body)
    assert caught.value.status_code == status


def test_new_routes_check_the_key_and_the_balance(fake_deepseek: FakeDeepSeek) -> None:
    with pytest.raises(openai.AuthenticationError):
        post(fake_deepseek.client(api_key="sk-wrong-key-00000000", max_retries=0), "/v1/tools/search", {"query": "q"})
    fake_deepseek.balance = "0"
    with pytest.raises(openai.APIStatusError, match="Insufficient Balance"):
        post(fake_deepseek.client(max_retries=0), "/responses", {"model": "deepseek-flash", "input": "hi"})
    fake_deepseek.add_error(503)
    with pytest.raises(openai.InternalServerError):
        post(fake_deepseek.client(max_retries=0), "/v1/tools/fetch", {"url": "https://a.example/"})
