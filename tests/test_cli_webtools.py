"""The CLI's ``search``, ``fetch`` and ``chat --image`` in-process, against a double found through the environment."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from deepseek_openai.cli import main
from deepseek_openai.testing import FakeDeepSeek
from tests.test_cli import run


@pytest.fixture
def fake(fake_deepseek: FakeDeepSeek, monkeypatch: pytest.MonkeyPatch) -> FakeDeepSeek:
    """The double, found by the CLI through DEEPSEEK_API_KEY / DEEPSEEK_BASE_URL."""
    monkeypatch.setenv("DEEPSEEK_API_KEY", fake_deepseek.api_key)
    monkeypatch.setenv("DEEPSEEK_BASE_URL", fake_deepseek.base_url)
    return fake_deepseek


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


@pytest.mark.parametrize("command", ["search", "fetch"])
def test_help_shows_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0 and f"deepseek-openai {command} " in capsys.readouterr().out


def test_search(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "search", "deepseek api", "--count", "2", "--content")
    assert code == 0
    assert out.startswith("1. Result 1 for deepseek api\n   https://example.com/search/1?q=deepseek%20api\n")
    assert "2. Result 2 for deepseek api" in out and "   | # Result 2" in out
    assert "1 billed call: $0.00075" in err
    assert fake.requests[-1].json == {"query": "deepseek api", "count": 2, "need_content": True}


def test_search_empty_is_free(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]) -> None:
    fake.add_search_results([])
    code, out, err = run(capsys, "search", "nothing at all")
    assert (code, out) == (0, "") and "not billed" in err


def test_fetch(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str]) -> None:
    fake.add_fetched_page("Docs", "# Docs\n\nHello.")
    code, out, err = run(capsys, "fetch", "https://api-docs.deepseek.com/")
    assert (code, out) == (0, "# Docs\n\nHello.\n")
    assert "title: Docs" in err and "1 billed call" in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["search", "q", "--count", "99"], "count must be an integer from 1 to 50"),
        (["fetch", "https://me:secret@example.com/"], "carries credentials"),
        (["fetch", "ftp://example.com/"], "must start with http:// or https://"),
    ],
)
def test_bad_arguments_exit_2_before_the_network(
    fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2 and words in err and "fix: " in err and "secret" not in err
    assert fake.requests == []


def test_chat_with_image(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "cat.png"
    path.write_bytes(PNG)
    code, out, _ = run(capsys, "chat", "--no-thinking", "--image", str(path), "What is this?")
    assert (code, out) == (0, "Echo: [image_url]What is this?\n")
    content = fake.requests[-1].json["messages"][-1]["content"]
    assert content == [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(PNG).decode()}},
        {"type": "text", "text": "What is this?"},
    ]


def test_chat_image_refusals(fake: FakeDeepSeek, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"plain text")
    code, _, err = run(capsys, "chat", "--image", str(path), "hi")
    assert code == 2 and "not JPEG, PNG, GIF or WebP" in err
    code, _, err = run(capsys, "chat", "--model", "deepseek-v4-pro", "--image", "https://e.com/a.png", "hi")
    assert code == 2 and "use --model deepseek-flash" in err
    assert fake.requests == []
