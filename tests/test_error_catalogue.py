"""docs/errors.md is generated from CASES below, and each case is run: the doc shows exactly what a user sees.

Regenerate the doc after changing a message:  python -m tests.test_error_catalogue
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple
from unittest import mock

import openai
import pytest

import deepseek_openai as ds

DOC = Path(__file__).resolve().parent.parent / "docs" / "errors.md"
KEY = "sk-catalogue-0000000000000000"
OFFLINE = "http://127.0.0.1:9"  # nothing listens there: every case must fail before the network
OFFLINE_ORIGIN = "http://127.0.0.1:9"  # the account half of the reasoning memory's keys
USER = {"role": "user", "content": "hi"}
USAGE = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}}


def main_client() -> Any:
    return ds.create_client(KEY, base_url=OFFLINE, env_file=False, max_retries=0)


def beta_client() -> Any:
    return ds.create_client(KEY, base_url=OFFLINE, env_file=False, max_retries=0, beta=True)


def chat(model: str, legacy_models: Any, **kwargs: Any) -> Any:
    client = ds.create_client(KEY, base_url=OFFLINE, env_file=False, max_retries=0, legacy_models=legacy_models)
    return client.chat.completions.create(model=model, messages=[USER], **kwargs)


ASSISTANT_CALLED = {
    "role": "assistant",
    "content": None,
    "tool_calls": [{"id": "call_0", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}],
}
TOOL_REPLY = {"role": "tool", "tool_call_id": "call_0", "content": "sunny"}


def bare_turn_client() -> Any:
    # As if call_0 came back from a request this client sent with thinking off (no reasoning).
    from deepseek_openai._compat._memory import account_of, call_key

    http = ds.create_http_client()
    http.memory.put([(call_key(account_of(f"Bearer {KEY}", OFFLINE_ORIGIN), "call_0"), "")])
    return ds.create_client(KEY, base_url=OFFLINE, env_file=False, max_retries=0, http_client=http)


GREETED = [{"role": "user", "content": "hello"}, {"role": "assistant", "content": "Hello! How can I help?"}, USER]


def ambiguous_turn_client(**options: Any) -> Any:
    # As if two users' identical conversations had been answered with different reasoning (GREETED[1]'s key).
    from deepseek_openai._compat._memory import account_of
    from deepseek_openai._compat._passback import missing_turns

    turn = missing_turns({"messages": GREETED}, account_of(f"Bearer {KEY}", OFFLINE_ORIGIN))[0][0]
    http = ds.create_http_client(**options)
    http.memory.put([(turn.key, "Alice's reasoning"), (turn.key, "Bob's reasoning")])
    return ds.create_client(KEY, base_url=OFFLINE, env_file=False, max_retries=0, http_client=http)


class DownStore:
    """A reasoning store whose server is down."""

    def get(self, keys: Any) -> dict[str, str]:
        raise ConnectionError("Connection refused")

    put = aget = aput = get  # type: ignore[assignment]


class Case(NamedTuple):
    area: str
    input: str
    outcome: str  # "raises X" or "warns X"
    trigger: Callable[[], object]


def _copy_with_plain_http_client() -> None:
    with openai.DefaultHttpxClient() as plain:
        main_client().with_options(http_client=plain)


def _callable_key_with_authorization_line() -> None:
    with mock.patch.dict(os.environ, {"OPENAI_CUSTOM_HEADERS": "Authorization: Bearer sk-openai"}):
        main_client().with_options(api_key=lambda: KEY)


def _framework_client_with_openai_authorization() -> None:
    # A framework's own openai.OpenAI over our HTTP client, whose Authorization came from OPENAI_* (2.34+ does this).
    with mock.patch.dict(os.environ, {"OPENAI_ADMIN_KEY": "sk-openai-admin"}):
        client = openai.OpenAI(
            api_key=KEY,
            base_url=OFFLINE,
            max_retries=0,
            http_client=ds.create_http_client(),
            default_headers={"Authorization": "Bearer sk-openai-admin"},
        )
        client.chat.completions.create(model="deepseek-flash", messages=[USER])  # type: ignore[list-item]


def _dotenv(text: str) -> Any:
    # Resolve settings from a relative env_file in a fresh folder, so the path in the message is the same each run.
    import tempfile

    here = Path.cwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            Path("deepseek.env").write_text(text)
            return ds.resolve_settings(env_file="deepseek.env")
        finally:
            os.chdir(here)


def _framework_client_without(missing: str, env: dict[str, str]) -> None:
    # The same framework client built without api_key= or base_url=: the SDK reads OPENAI_API_KEY / OPENAI_BASE_URL.
    given = {"api_key": KEY, "base_url": OFFLINE}
    del given[missing]
    with mock.patch.dict(os.environ, env):
        for name in {"OPENAI_API_KEY", "OPENAI_BASE_URL"} - set(env):
            os.environ.pop(name, None)
        client = openai.OpenAI(**given, max_retries=0, http_client=ds.create_http_client())  # type: ignore[arg-type]
        client.chat.completions.create(model="deepseek-flash", messages=[USER])  # type: ignore[list-item]


def _prefix_not_last() -> None:
    ds.check_messages([ds.prefix_message("```python\n"), USER], beta=True)


def _batch(*lines: str, **options: Any) -> Any:
    import tempfile

    folder = Path(tempfile.mkdtemp())
    (folder / "requests.jsonl").write_text("".join(x + "\n" for x in lines))
    return ds.run_batch(folder / "requests.jsonl", folder / "out.jsonl", api_key=KEY, base_url=OFFLINE, **options)


def _batch_here(files: dict[str, str], source: str = "requests.jsonl", output: str = "out.jsonl") -> Any:
    # In a fresh folder, with relative paths: the messages name the files as a user typed them.
    import shutil
    import tempfile

    folder, back = tempfile.mkdtemp(), os.getcwd()
    try:
        os.chdir(folder)
        for name, text in files.items():
            Path(name).write_text(text)
        return ds.run_batch(source, output, api_key=KEY, base_url=OFFLINE)
    finally:
        os.chdir(back)
        shutil.rmtree(folder)


def _ray_batch(**options: Any) -> Any:
    from deepseek_openai import ray as on_ray

    return on_ray.run_batch(None, api_key=KEY, base_url=OFFLINE, **options)  # type: ignore[arg-type]


def _redis_store_without_redis_py() -> None:
    import sys

    with mock.patch.dict(sys.modules, {"redis": None}):  # as if the [redis] extra were not installed
        ds.create_client(KEY, base_url=OFFLINE, env_file=False, reasoning_store="redis://127.0.0.1:6379/0")


def _store_file_not_a_database() -> None:
    # A fixed absolute path, so the message (which names the file) reads the same on every run.
    folder = Path("/tmp/deepseek-openai-catalogue")
    folder.mkdir(exist_ok=True)
    (folder / "notes.db").write_text("my notes, not a database\n" * 100)
    ds.create_client(KEY, base_url=OFFLINE, env_file=False, reasoning_store=f"sqlite:///{folder}/notes.db")


BATCH_LINE = (
    '{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "%s", "messages": [%s]}}'
)
USER_JSON = '{"role": "user", "content": "hi"}'
ASSISTANT_NO_REASONING = {"role": "assistant", "content": "Sure."}
PNG = b"\x89PNG\r\n\x1a\n" + bytes(8)
FAILED_EVENT = {"type": "response.failed", "response": {"status": "failed", "error": {"message": "Server Error"}}}
REPLY = {"id": "c1", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant"}}]}
CASES: list[Case] = [
    Case("key", "no key anywhere", "MissingAPIKeyError", lambda: ds.create_client(env_file=False)),
    Case("key", 'empty key `api_key=""`', "MissingAPIKeyError", lambda: ds.create_client("")),
    Case("key", "key with a space or line break", "InvalidRequestError", lambda: ds.create_client("sk-ab cd-1234567")),
    Case(
        "key", "`env_file=` naming a missing file", "InvalidRequestError", lambda: ds.create_client(env_file="no.env")
    ),
    Case("client", "base URL without http(s)", "InvalidRequestError", lambda: ds.create_client(KEY, base_url="x.com")),
    Case(
        "client",
        "unknown `legacy_models` mode",
        "InvalidRequestError",
        lambda: ds.create_client(KEY, legacy_models="x"),
    ),
    Case("model", "`deepseek-chat`, default mode", "LegacyModelWarning", lambda: chat("deepseek-chat", "translate")),
    Case(
        "model", "`deepseek-chat`, `legacy_models='error'`", "LegacyModelError", lambda: chat("deepseek-chat", "error")
    ),
    Case(
        "model",
        "`deepseek-reasoner`, `legacy_models='error'`",
        "LegacyModelError",
        lambda: chat("deepseek-reasoner", "error"),
    ),
    Case("model", "unknown model id in `model_info()`", "UnknownModelError", lambda: ds.model_info("gpt-4o")),
    Case("model", "unknown model id in `cost()`", "UnknownModelError", lambda: ds.cost(USAGE, "gpt-4o")),
    Case(
        "thinking",
        "`temperature` while thinking is on",
        "CompatWarning",
        lambda: chat("deepseek-flash", "translate", temperature=0.2),
    ),
    Case(
        "thinking",
        "unknown effort `thinking(effort='turbo')`",
        "InvalidRequestError",
        lambda: ds.thinking(effort="turbo"),
    ),
    Case(
        "thinking",
        "compat alias effort `thinking(effort='medium')`",
        "UserWarning",
        lambda: ds.thinking(effort="medium"),
    ),
    Case("thinking", "`thinking('no')` (not a bool)", "InvalidRequestError", lambda: ds.thinking("no")),  # type: ignore[arg-type]
    Case(
        "thinking",
        "`extra_body` that is not a dict",
        "InvalidRequestError",
        lambda: ds.thinking(False, extra_body="x"),  # type: ignore[arg-type]
    ),
    Case("thinking", "effort with thinking off", "InvalidRequestError", lambda: ds.thinking(False, effort="high")),
    Case("thinking", "effort `none` with thinking on", "InvalidRequestError", lambda: ds.thinking(effort="none")),
    Case("thinking", "`user_id` with spaces", "UserWarning", lambda: ds.user_id("user 42")),
    Case("thinking", "`user_id` over 512 bytes", "InvalidRequestError", lambda: ds.user_id("u" * 513)),
    Case(
        "history",
        "earlier assistant turn without `reasoning_content`, tools sent",
        "InvalidRequestError",
        lambda: ds.check_messages([USER, ASSISTANT_NO_REASONING, USER], tools=[TOOL]),
    ),
    Case(
        "history",
        "`developer` role",
        "InvalidRequestError",
        lambda: ds.check_messages([{"role": "developer", "content": "Be brief."}, USER]),
    ),
    Case(
        "history",
        "tool message with no matching call",
        "InvalidRequestError",
        lambda: ds.check_messages([USER, {"role": "tool", "tool_call_id": "call_1", "content": "42"}]),
    ),
    Case(
        "tools",
        "`tool_choice='required'` while thinking",
        "InvalidRequestError",
        lambda: ds.check_messages([USER], tools=[TOOL], tool_choice="required"),
    ),
    Case(
        "tools",
        "named `tool_choice` while thinking",
        "InvalidRequestError",
        lambda: ds.check_messages(
            [USER], tools=[TOOL], tool_choice={"type": "function", "function": {"name": "get_weather"}}
        ),
    ),
    Case("tools", "129 tools", "InvalidRequestError", lambda: ds.check_messages([USER], tools=[TOOL] * 129)),
    Case(
        "tools",
        "strict tool on the main base URL",
        "UserWarning",
        lambda: ds.check_messages([USER], tools=[ds.strict_tool("f", {"type": "object", "properties": {}})]),
    ),
    Case(
        "tools",
        "strict schema with `minLength`",
        "InvalidRequestError",
        lambda: ds.strict_tool("f", {"type": "object", "properties": {"name": {"type": "string", "minLength": 1}}}),
    ),
    Case(
        "tools",
        "strict schema with `minItems` and `format: date-time`",
        "InvalidRequestError",
        lambda: ds.strict_tool(
            "f",
            {
                "type": "object",
                "properties": {
                    "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                    "when": {"type": "string", "format": "date-time"},
                },
            },
        ),
    ),
    Case("tools", "function name with a space", "InvalidRequestError", lambda: ds.strict_tool("get weather", {})),
    Case(
        "prefix",
        "prefix completion on the main base URL",
        "InvalidRequestError",
        lambda: ds.complete_prefix(main_client(), [USER], "```python\n"),
    ),
    Case("prefix", "prefix message not last", "UserWarning", _prefix_not_last),
    Case(
        "prefix",
        "`prefix: true` without a beta client",
        "InvalidRequestError",
        lambda: ds.check_messages([USER, ds.prefix_message("Sure")]),
    ),
    Case("fim", "FIM on the main base URL", "UserWarning", lambda: ds.fim(main_client(), "def f(")),
    Case(
        "fim", "FIM `max_tokens=5000`", "InvalidRequestError", lambda: ds.fim(beta_client(), "def f(", max_tokens=5000)
    ),
    Case(
        "fim",
        "FIM with thinking enabled",
        "UserWarning",
        lambda: ds.fim(beta_client(), "def f(", extra_body={"thinking": {"type": "enabled"}}),
    ),
    Case("fim", "`fim(..., stream=True)`", "InvalidRequestError", lambda: ds.fim(beta_client(), "x", stream=True)),
    Case("vision", "`image_part()` of bytes that are no image", "InvalidRequestError", lambda: ds.image_part(b"BM..")),
    Case(
        "vision",
        "`image_part()` of an `http://` URL",
        "InvalidRequestError",
        lambda: ds.image_part("http://e.com/a.png"),
    ),
    Case(
        "vision",
        "`image_part()` of a URL over 8192 characters",
        "InvalidRequestError",
        lambda: ds.image_part("https://e.com/" + "a" * 8192),
    ),
    Case("vision", "`image_part(detail='medium')`", "InvalidRequestError", lambda: ds.image_part(PNG, detail="medium")),
    Case(
        "web tools",
        "`web_search()` with an empty query",
        "InvalidRequestError",
        lambda: ds.web_search(main_client(), ""),
    ),
    Case(
        "web tools",
        "`web_search(count=51)`",
        "InvalidRequestError",
        lambda: ds.web_search(main_client(), "q", count=51),
    ),
    Case(
        "web tools",
        "`fetch_url()` of a URL with a password",
        "InvalidRequestError",
        lambda: ds.fetch_url(main_client(), "https://me:secret@example.com/"),
    ),
    Case(
        "web tools",
        "`fetch_url()` of an `ftp://` URL",
        "InvalidRequestError",
        lambda: ds.fetch_url(main_client(), "ftp://e.com"),
    ),
    Case("web tools", "`tool_cost(-1)`", "ValueError", lambda: ds.tool_cost(-1)),
    Case("usage", "`cost(usage)` without a model", "TypeError", lambda: ds.cost(USAGE)),
    Case(
        "responses",
        "a Responses stream ending in `response.failed`",
        "StreamInterruptedError",
        lambda: ds.collect_response_stream([FAILED_EVENT]),
    ),
    Case(
        "responses",
        "`collect_response_stream()` of a whole Response",
        "InvalidRequestError",
        lambda: ds.collect_response_stream({"object": "response", "output": []}),
    ),
    Case("responses", "`response_turn()` of a chat completion", "TypeError", lambda: ds.response_turn({"choices": []})),
    Case(
        "json",
        "`response_format` json_schema",
        "InvalidRequestError",
        lambda: ds.json_completion(
            main_client(),
            [{"role": "user", "content": "json"}],
            response_format={"type": "json_schema", "json_schema": {"name": "x"}},
        ),
    ),
    Case(
        "json",
        'no "json" in any message',
        "InvalidRequestError",
        lambda: ds.json_completion(main_client(), [USER]),
    ),
    Case(
        "client",
        "unknown `missing_reasoning` mode",
        "InvalidRequestError",
        lambda: ds.create_client(KEY, missing_reasoning="empty"),  # type: ignore[arg-type]
    ),
    Case(
        "model",
        "`deepseek-reasoner` with `reasoning_effort='none'`",
        "LegacyModelWarning",
        lambda: chat("deepseek-reasoner", "translate", extra_body={"reasoning_effort": "none"}),
    ),
    Case(
        "model",
        "`deepseek-chat` on `/responses`, `legacy_models='error'`",
        "LegacyModelError",
        lambda: ds.create_client(KEY, base_url=OFFLINE, env_file=False, legacy_models="error").post(
            "/responses", body={"model": "deepseek-chat", "input": "hi"}, cast_to=object
        ),
    ),
    Case(
        "hook",
        "forced `tool_choice` while thinking (hook)",
        "CompatWarning",
        lambda: chat("deepseek-flash", "translate", tools=[TOOL], tool_choice="required"),
    ),
    Case(
        "hook",
        "forced `tool_choice` with thinking asked for (hook)",
        "InvalidRequestError",
        lambda: chat(
            "deepseek-flash", "translate", tools=[TOOL], tool_choice="required", extra_body={"reasoning_effort": "max"}
        ),
    ),
    Case(
        "hook",
        "`response_format` json_schema (hook, e.g. `parse(response_format=Model)`)",
        "CompatWarning",
        lambda: chat(
            "deepseek-flash",
            "translate",
            response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}},
        ),
    ),
    Case(
        "hook",
        "tools request, an assistant turn whose reasoning this client never received",
        "InvalidRequestError",
        lambda: main_client().chat.completions.create(
            model="deepseek-flash", messages=[USER, ASSISTANT_NO_REASONING, USER], tools=[TOOL]
        ),
    ),
    Case(
        "hook",
        "the same with `missing_reasoning='disable_thinking'`",
        "CompatWarning",
        lambda: ds.create_client(
            KEY, base_url=OFFLINE, env_file=False, max_retries=0, missing_reasoning="disable_thinking"
        ).chat.completions.create(model="deepseek-flash", messages=[USER, ASSISTANT_NO_REASONING, USER], tools=[TOOL]),
    ),
    Case(
        "hook",
        "the same, with a `reasoning_store` that is down",
        "ReasoningStoreError",
        lambda: ds.create_client(
            KEY, base_url=OFFLINE, env_file=False, max_retries=0, reasoning_store=DownStore()
        ).chat.completions.create(model="deepseek-flash", messages=[USER, ASSISTANT_NO_REASONING, USER], tools=[TOOL]),
    ),
    Case(
        "client",
        "`reasoning_store=` beside `http_client=`",
        "InvalidRequestError",
        lambda: ds.create_client(KEY, reasoning_store="memory", http_client=ds.create_http_client()),
    ),
    Case(
        "client",
        "`reasoning_store=` (or `DEEPSEEK_REASONING_STORE`) that is not a store",
        "InvalidRequestError",
        lambda: ds.create_client(KEY, reasoning_store=object()),
    ),
    Case(
        "hook",
        "tools request sending back a turn this client received with thinking off (e.g. after a forced tool)",
        "CompatWarning",
        lambda: bare_turn_client().chat.completions.create(
            model="deepseek-flash", messages=[USER, ASSISTANT_CALLED, TOOL_REPLY], tools=[TOOL]
        ),
    ),
    Case(
        "hook",
        "the same with thinking asked for",
        "InvalidRequestError",
        lambda: bare_turn_client().chat.completions.create(
            model="deepseek-flash",
            messages=[USER, ASSISTANT_CALLED, TOOL_REPLY],
            tools=[TOOL],
            extra_body={"thinking": {"type": "enabled"}},
        ),
    ),
    Case(
        "prefix",
        "`complete_prefix(..., prefix=42)`",
        "InvalidRequestError",
        lambda: ds.complete_prefix(beta_client(), [USER], 42),  # type: ignore[arg-type]
    ),
    Case(
        "history", "`check_messages('hello')` (not a list)", "InvalidRequestError", lambda: ds.check_messages("hello")
    ),
    Case("history", "`assistant_turn(text)` (not a reply)", "InvalidRequestError", lambda: ds.assistant_turn("4.")),
    Case(
        "tools",
        "`run_tools(..., max_rounds='3')`",
        "InvalidRequestError",
        lambda: ds.run_tools(main_client(), [USER], [TOOL], [print], max_rounds="3"),  # type: ignore[arg-type]
    ),
    Case(
        "tools",
        "`run_tools(..., get_weather)` (one function, not a list)",
        "InvalidRequestError",
        lambda: ds.run_tools(main_client(), [USER], [TOOL], print),  # type: ignore[arg-type]
    ),
    Case(
        "client",
        "`api_key=123` (not a string)",
        "InvalidRequestError",
        lambda: ds.create_client(123),  # type: ignore[arg-type]
    ),
    Case(
        "client",
        "base URL without a host `http://`",
        "InvalidRequestError",
        lambda: ds.create_client(KEY, base_url="http://"),
    ),
    Case(
        "client",
        "`beta='no'` (not a bool)",
        "InvalidRequestError",
        lambda: ds.create_client(KEY, beta="no"),  # type: ignore[arg-type]
    ),
    Case(
        "stream",
        "`collect_stream(reply)` without `stream=True`",
        "InvalidRequestError",
        lambda: ds.collect_stream(REPLY),
    ),
    Case("stream", "`collect_stream(123)`", "InvalidRequestError", lambda: ds.collect_stream(123)),  # type: ignore[arg-type]
    Case("usage", "no usage in the object", "NoUsageError", lambda: ds.usage_of({"id": "x"})),
    Case("usage", "`cost(currency='EUR')`", "ValueError", lambda: ds.cost(USAGE, "deepseek-flash", currency="EUR")),
    Case(
        "batch",
        "input with bad JSON and a duplicate `custom_id`",
        "BatchInputError",
        lambda: _batch(
            BATCH_LINE % ("deepseek-flash", '{"role": "user", "content": "hi"}'),
            "{oops",
            BATCH_LINE % ("deepseek-flash", '{"role": "user", "content": "hi"}'),
        ),
    ),
    Case(
        "batch",
        "an OpenAI model name without `model=` / `--model`",
        "BatchInputError",
        lambda: _batch(BATCH_LINE % ("gpt-4o-mini", '{"role": "user", "content": "hi"}')),
    ),
    Case(
        "batch",
        "input lines with `NaN` and a lone surrogate (`\\ud800`)",
        "BatchInputError",
        lambda: _batch(
            BATCH_LINE % ("deepseek-flash", '{"role": "user", "content": "hi"}'),
            (BATCH_LINE % ("deepseek-flash", '{"role": "user", "content": "hi"}')).replace('"a"', '"b"')[:-1]
            + ', "temperature": NaN}',
            (BATCH_LINE % ("deepseek-flash", '{"role": "user", "content": "\\ud800"}')).replace('"a"', '"c"'),
        ),
    ),
    Case("batch", "an input with no request", "BatchInputError", lambda: _batch("", "")),
    Case("batch", "a missing input file", "BatchFileError", lambda: _batch_here({}, source="requests.jsonl")),
    Case(
        "batch",
        "an existing output that is not batch output (e.g. `notes.txt`)",
        "BatchFileError",
        lambda: _batch_here(
            {"requests.jsonl": BATCH_LINE % ("deepseek-flash", USER_JSON) + "\n", "notes.txt": "milk\neggs"},
            output="notes.txt",
        ),
    ),
    Case(
        "batch",
        "the output is the input",
        "BatchFileError",
        lambda: _batch_here(
            {"requests.jsonl": BATCH_LINE % ("deepseek-flash", USER_JSON) + "\n"}, output="requests.jsonl"
        ),
    ),
    Case(
        "batch",
        "an output in a folder that does not exist",
        "BatchFileError",
        lambda: _batch_here(
            {"requests.jsonl": BATCH_LINE % ("deepseek-flash", USER_JSON) + "\n"}, output="results/out.jsonl"
        ),
    ),
    Case(
        "batch",
        "`deepseek_openai.ray.run_batch(dataset, concurrency=0)` (checked before Ray is imported)",
        "InvalidRequestError",
        lambda: _ray_batch(concurrency=0),
    ),
    Case(
        "batch",
        "`deepseek_openai.ray.run_batch(dataset, concurrency=8, max_cost='-5')`",
        "InvalidRequestError",
        lambda: _ray_batch(concurrency=8, max_cost="-5"),
    ),
    Case(
        "batch",
        "`deepseek_openai.ray.run_batch(dataset, concurrency=8, currency='EUR')`",
        "InvalidRequestError",
        lambda: _ray_batch(concurrency=8, currency="EUR"),
    ),
    Case(
        "store",
        "`reasoning_store='postgres://...'` (not a store URL)",
        "InvalidRequestError",
        lambda: ds.create_client(KEY, reasoning_store="postgres://db.example/reasoning"),
    ),
    Case(
        "store",
        "a SQLite store in a folder that does not exist",
        "InvalidRequestError",
        lambda: ds.create_client(KEY, reasoning_store="sqlite:////no-such-folder/reasoning.db"),
    ),
    Case(
        "store",
        "a store URL with `?ttl=0`",
        "InvalidRequestError",
        lambda: ds.create_client(KEY, reasoning_store="sqlite:///reasoning.db?ttl=0"),
    ),
    Case("store", "a Redis store without redis-py installed", "InvalidRequestError", _redis_store_without_redis_py),
    Case("store", "a SQLite store file that is not a database", "ReasoningStoreError", _store_file_not_a_database),
    Case(
        "client",
        "`client.with_options(http_client=<plain httpx client>)`",
        "UserWarning",
        _copy_with_plain_http_client,
    ),
    Case(
        "client",
        "`with_options(api_key=<callable>)` while `OPENAI_CUSTOM_HEADERS` has an Authorization line",
        "InvalidRequestError",
        _callable_key_with_authorization_line,
    ),
    Case(
        "client",
        "a framework's own client on `create_http_client()` whose `Authorization` came from `OPENAI_*`",
        "InvalidRequestError",
        _framework_client_with_openai_authorization,
    ),
    Case(
        "key",
        "a `.env` line python-dotenv cannot read (`DEEPSEEK_API_KEY: sk-...`, an unclosed quote), no key elsewhere",
        "MissingAPIKeyError",
        lambda: _dotenv("# DeepSeek\nDEEPSEEK_API_KEY: sk-catalogue-0000000000000000\n"),
    ),
    Case(
        "key",
        "a `.env` line python-dotenv cannot read, the key found",
        "UserWarning",
        lambda: _dotenv(f"DEEPSEEK_API_KEY={KEY}\nDEEPSEEK_BASE_URL='http://proxy.test\n"),
    ),
    Case(
        "client",
        "a framework's own client on `create_http_client()` built without `api_key=` (reads `OPENAI_API_KEY`)",
        "InvalidRequestError",
        lambda: _framework_client_without("api_key", {"OPENAI_API_KEY": "sk-openai-own-key"}),
    ),
    Case(
        "client",
        "a framework's own client on `create_http_client()` built without `base_url=`, `OPENAI_BASE_URL` set",
        "InvalidRequestError",
        lambda: _framework_client_without("base_url", {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}),
    ),
    Case(
        "client",
        "a framework's own client on `create_http_client()` built without `base_url=` (goes to api.openai.com)",
        "InvalidRequestError",
        lambda: _framework_client_without("base_url", {}),
    ),
    Case(
        "hook",
        "tools request, an assistant turn two replies with different reasoning share (two users' identical chats)",
        "InvalidRequestError",
        lambda: ambiguous_turn_client().chat.completions.create(model="deepseek-flash", messages=GREETED, tools=[TOOL]),
    ),
    Case(
        "hook",
        "the same with `missing_reasoning='disable_thinking'`",
        "CompatWarning",
        lambda: ambiguous_turn_client(missing_reasoning="disable_thinking").chat.completions.create(
            model="deepseek-flash", messages=GREETED, tools=[TOOL]
        ),
    ),
]


def outcome_of(case: Case) -> tuple[str, str]:
    """Run the case; return (the class of what it raised or warned, the text the user sees)."""
    if case.outcome.endswith("Warning"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                case.trigger()
            except ds.DeepSeekError as err:  # pragma: no cover - a failure, reported by the test
                return type(err).__name__, str(err)
            except Exception:  # noqa: BLE001 - the request itself fails (nothing listens): only the warning counts
                pass
        ours = [w for w in caught if not issubclass(w.category, ResourceWarning)]  # GC noise from other tests
        return type(ours[0].message).__name__, str(ours[0].message)
    try:
        case.trigger()
    except Exception as err:  # noqa: BLE001 - whatever was raised is what the catalogue records
        return type(err).__name__, str(err)
    return "nothing", ""


def render() -> str:
    lines = [
        "# What deepseek_openai refuses or rewrites, and what you see",
        "",
        "Every row is run by `tests/test_error_catalogue.py`, which also checks that this file is up to date",
        "(regenerate it with `python -m tests.test_error_catalogue`). All of these happen before anything is sent,",
        "except the warnings, which accompany a request that is sent unchanged: a rule DeepSeek is not known to",
        "refuse (its `evidence` in `RULES` is not documented or observed) warns instead of raising. DeepSeek's own",
        "refusals, and what `explain()` says about them, are in `deepseek_openai/_rules.py` (`RULES`).",
        "",
        "| # | area | input | you get | message |",
        "|---|---|---|---|---|",
    ]
    for number, case in enumerate(CASES, 1):
        kind, text = outcome_of(case)
        cell = text.replace("|", "\\|")
        lines.append(f"| {number} | {case.area} | {case.input} | `{kind}` | {cell} |")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("case", CASES, ids=[f"{c.area}: {c.input}" for c in CASES])
def test_catalogue_case(case: Case) -> None:
    kind, text = outcome_of(case)
    assert kind == case.outcome
    assert KEY not in text and "catalogue-0000" not in text  # never the key
    if kind != "ValueError":
        assert "Fix:" in text or "To silence this" in text  # every message says what to do


def test_catalogue_is_long_enough_and_the_doc_is_current() -> None:
    assert len(CASES) >= 30
    assert DOC.read_text(encoding="utf-8") == render(), "docs/errors.md is stale: python -m tests.test_error_catalogue"


def test_every_raised_rule_is_one_deepseek_is_known_to_refuse() -> None:
    # Issue 13 item 2: an error naming a DeepSeek rule needs that rule's evidence (documented or observed).
    for case in CASES:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                case.trigger()
        except ds.DeepSeekError as err:
            if err.rule is not None:
                assert ds.RULES[err.rule].refuses, f"{case.input}: raises for {err.rule}, which is not a known refusal"
        except Exception:  # noqa: BLE001 - the request itself fails (nothing listens): no refusal to check
            pass


if __name__ == "__main__":
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC} ({len(CASES)} rows)")
