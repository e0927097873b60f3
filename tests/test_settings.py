from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from deepseek_openai import (
    BETA_BASE_URL,
    DEFAULT_BASE_URL,
    InvalidRequestError,
    MissingAPIKeyError,
    create_client,
    resolve_settings,
)
from deepseek_openai._settings import beta_url


def test_argument_beats_environment_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-from-env-000000")
    (tmp_path / ".env").write_text("DEEPSEEK_API_KEY=sk-from-file-00000\n")
    s = resolve_settings("sk-from-arg-000000")
    assert (s.api_key, s.key_source) == ("sk-from-arg-000000", "argument")


def test_environment_beats_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-from-env-000000")
    (tmp_path / ".env").write_text("DEEPSEEK_API_KEY=sk-from-file-00000\n")
    s = resolve_settings()
    assert (s.api_key, s.key_source) == ("sk-from-env-000000", "environment")


def test_dotenv_found_in_a_parent_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("DEEPSEEK_API_KEY=sk-from-file-00000\nOPENAI_API_KEY=sk-openai-canary\n")
    child = tmp_path / "a" / "b"
    child.mkdir(parents=True)
    monkeypatch.chdir(child)
    before = dict(os.environ)
    s = resolve_settings()
    assert s.api_key == "sk-from-file-00000"
    assert s.key_source == str(tmp_path / ".env")
    assert dict(os.environ) == before  # nothing loaded into the process environment
    assert "OPENAI_API_KEY" not in os.environ


def test_explicit_env_file_and_env_file_false(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere.env"
    other.write_text("DEEPSEEK_API_KEY=sk-elsewhere-0000\n")
    (tmp_path / ".env").write_text("DEEPSEEK_API_KEY=sk-default-00000\n")
    assert resolve_settings(env_file=other).api_key == "sk-elsewhere-0000"
    with pytest.raises(MissingAPIKeyError, match=r"the \.env search is off"):
        resolve_settings(env_file=False)


def test_missing_env_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequestError, match="does not exist"):
        resolve_settings(env_file=tmp_path / "nope.env")


@pytest.mark.parametrize("value", ["1", "true", "YES"])
def test_python_dotenv_disabled_is_honoured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str) -> None:
    (tmp_path / ".env").write_text("DEEPSEEK_API_KEY=sk-from-file-00000\n")
    monkeypatch.setenv("PYTHON_DOTENV_DISABLED", value)
    with pytest.raises(MissingAPIKeyError):
        resolve_settings()


def test_missing_key_names_all_three_sources_and_never_openai(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-canary-1234")
    with pytest.raises(MissingAPIKeyError) as info:
        resolve_settings()
    text = str(info.value)
    for part in ("api_key", "DEEPSEEK_API_KEY", ".env", "platform.deepseek.com/api_keys"):
        assert part in text
    assert "canary" not in text
    assert info.value.fix


def test_empty_variable_counts_as_unset_but_empty_argument_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "")
    with pytest.raises(MissingAPIKeyError, match="No DeepSeek API key found"):
        resolve_settings()
    with pytest.raises(MissingAPIKeyError, match="is empty"):
        resolve_settings("")


@pytest.mark.parametrize("bad", ["sk-abc def-123456", " sk-abcdef123456", "sk-abc\n", "sk-ключ-123456"])
def test_malformed_key_is_refused_without_echoing_it(bad: str) -> None:
    with pytest.raises(InvalidRequestError) as info:
        resolve_settings(bad)
    assert bad.strip() not in str(info.value)


def test_base_url_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = "sk-k-0000000000000"
    assert resolve_settings(key).base_url == DEFAULT_BASE_URL
    (tmp_path / ".env").write_text("DEEPSEEK_BASE_URL=http://from-file.test\n")
    assert resolve_settings(key).base_url == "http://from-file.test"
    monkeypatch.setenv("DEEPSEEK_API_BASE", "http://alias.test/")
    aliased = resolve_settings(key)
    assert (aliased.base_url, aliased.base_url_source) == ("http://alias.test", "DEEPSEEK_API_BASE")
    monkeypatch.setenv("DEEPSEEK_BASE_URL", "http://from-env.test")
    assert resolve_settings(key).base_url == "http://from-env.test"
    assert resolve_settings(key, "http://arg.test").base_url == "http://arg.test"


def test_beta_base(monkeypatch: pytest.MonkeyPatch) -> None:
    key = "sk-k-0000000000000"
    assert resolve_settings(key, beta=True).base_url == BETA_BASE_URL
    assert resolve_settings(key, "http://proxy.test/deepseek/", beta=True).base_url == "http://proxy.test/deepseek/beta"
    assert beta_url("https://api.deepseek.com/v1") == BETA_BASE_URL
    assert beta_url(BETA_BASE_URL + "/") == BETA_BASE_URL
    monkeypatch.setenv("DEEPSEEK_BASE_URL", "http://env.test")
    assert resolve_settings(key, beta=True).base_url == "http://env.test/beta"


@pytest.mark.parametrize(
    "url", ["api.deepseek.com", "http://", "https://", "https://:443", "https://api.deepseek.com:x", "http://a b.test"]
)
def test_base_url_must_be_http_with_a_host(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidRequestError, match="not an http\\(s\\) URL with a host") as info:
        resolve_settings("sk-k-0000000000000", url)
    assert DEFAULT_BASE_URL in info.value.fix
    monkeypatch.setenv("DEEPSEEK_BASE_URL", url)  # the same check for the environment
    with pytest.raises(InvalidRequestError, match="DEEPSEEK_BASE_URL"):
        resolve_settings("sk-k-0000000000000")


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"api_key": 123}, "api_key"),
        ({"api_key": b"sk-bytes-000000000000"}, "api_key"),
        ({"base_url": 8080}, "base_url"),
        ({"env_file": 3}, "env_file"),
        ({"beta": "no"}, "beta"),
        ({"beta": None}, "beta"),
    ],
)
def test_wrong_types_get_a_clear_error_naming_the_argument(kwargs: dict[str, Any], name: str) -> None:
    # create_client(api_key=123) used to raise a bare AttributeError from deep inside.
    kwargs = {"api_key": "sk-k-0000000000000", **kwargs}
    with pytest.raises(InvalidRequestError, match=f"^{name} must be") as info:
        resolve_settings(**kwargs)
    assert f"pass {name} as" in info.value.fix
    assert "bytes-0000" not in str(info.value)  # the value itself is never shown
    with pytest.raises(InvalidRequestError, match=f"^{name} must be"):
        create_client(**{"env_file": False, **kwargs})


def test_dotenv_is_not_read_when_nothing_is_missing(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"\xff\xfe not a dotenv file")  # would fail to decode if read
    assert resolve_settings("sk-k-0000000000000", "http://x.test").base_url == "http://x.test"


def test_repr_hides_the_key() -> None:
    s = resolve_settings("sk-secret-value-9999")
    assert "secret" not in repr(s)
    assert "9999" not in repr(s)


def test_missing_key_fix_points_at_the_offline_double() -> None:
    # Issue 18 item 7: someone without a key learns how to try everything offline.
    with pytest.raises(MissingAPIKeyError) as info:
        resolve_settings(env_file=False)
    assert "`deepseek-openai serve`" in info.value.fix
    assert "deepseek_openai.testing.FakeDeepSeek" in info.value.fix
    assert "api_key=" in info.value.fix  # the Python fix keeps naming the argument


SECRET = "sk-dotenv-secret-0000000000"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (f'DEEPSEEK_API_KEY="{SECRET}\n', 1),  # an unclosed quote
        (f"DEEPSEEK_API_KEY:{SECRET}\n", 1),  # YAML habit: python-dotenv reads a name with no value, silently
        (f"DEEPSEEK_API_KEY: {SECRET}\n", 1),
        (f"# settings\nX=1\n\n\nDEEPSEEK_API_KEY {SECRET}\n", 5),  # the statement's own line, after blank lines
    ],
)
def test_unparsable_dotenv_is_named_with_path_and_line(
    text: str, line: int, tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    # Issue 18 item 9: not "no .env file had it", and nothing printed or logged on the way.
    env = tmp_path / ".env"
    env.write_text(text)
    with pytest.raises(MissingAPIKeyError) as info:
        resolve_settings()
    message = str(info.value)
    assert f"could not read line {line} of {env}" in message
    assert "no .env file had it" not in message
    assert f"write the key in {env} as one line DEEPSEEK_API_KEY=sk-..." in info.value.fix
    assert SECRET not in message and SECRET[3:] not in message  # the line's text is never quoted
    assert not [r for r in caplog.records if r.name.startswith("dotenv")]
    assert capfd.readouterr() == ("", "")


def test_unparsable_lines_are_all_named(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("A='x\nB=1\nC:2\n")
    with pytest.raises(MissingAPIKeyError, match=r"could not read lines 1 and 3 of .* so it skipped those lines"):
        resolve_settings()


def test_key_found_despite_an_unparsable_line_warns_with_path_and_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    env = tmp_path / ".env"
    env.write_text(f"DEEPSEEK_API_KEY={SECRET}\nDEEPSEEK_BASE_URL:http://proxy.test\n")
    with pytest.warns(UserWarning, match=r"could not read line 2 of .*\.env as NAME=value") as caught:
        settings = resolve_settings()
    assert (settings.api_key, settings.base_url) == (SECRET, DEFAULT_BASE_URL)  # the good lines still count
    assert caught[0].filename == __file__  # attributed to the caller, not to the package
    assert not [r for r in caplog.records if r.name.startswith("dotenv")]
    assert capfd.readouterr() == ("", "")


def test_dotenv_values_are_read_as_python_dotenv_reads_them(tmp_path: Path) -> None:
    # Leaving the unreadable statements out changes nothing else: quotes, export, comments and ${VAR} expansion.
    (tmp_path / ".env").write_text(
        'export BASE=http://proxy.test\nbroken: oops\nDEEPSEEK_BASE_URL="${BASE}/deepseek" # comment\n'
        "DEEPSEEK_API_KEY='sk-single-quoted-0000'\n"
    )
    with pytest.warns(UserWarning, match="line 2"):
        settings = resolve_settings()
    assert (settings.api_key, settings.base_url) == ("sk-single-quoted-0000", "http://proxy.test/deepseek")
