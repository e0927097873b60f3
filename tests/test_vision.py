"""image_part: paths, bytes and URLs become chat image parts; what DeepSeek refuses is refused before sending."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from deepseek_openai import IMAGE_LIMITS, InvalidRequestError, image_part, model_info
from deepseek_openai import _vision as vision

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
GIF = b"GIF89a" + b"\x00" * 16
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8


@pytest.mark.parametrize(
    ("data", "media_type"), [(JPEG, "image/jpeg"), (PNG, "image/png"), (GIF, "image/gif"), (WEBP, "image/webp")]
)
def test_bytes_and_paths_become_data_urls(tmp_path: Path, data: bytes, media_type: str) -> None:
    expected = f"data:{media_type};base64,{base64.b64encode(data).decode()}"
    assert image_part(data) == {"type": "image_url", "image_url": {"url": expected}}
    path = tmp_path / "picture.bin"  # the type comes from the bytes, not the name
    path.write_bytes(data)
    assert image_part(path, detail="high") == {"type": "image_url", "image_url": {"url": expected, "detail": "high"}}
    assert image_part(str(path))["image_url"]["url"] == expected


def test_urls_pass_through() -> None:
    assert image_part("https://example.com/cat.png", detail="auto")["image_url"] == {
        "url": "https://example.com/cat.png",
        "detail": "auto",
    }
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert image_part(data_url)["image_url"]["url"] == data_url


@pytest.mark.parametrize(
    ("source", "rule"),
    [
        (b"BM\x00\x00 a bitmap", "image_type"),
        ("http://example.com/cat.png", "image_url"),
        ("ftp://example.com/cat.png", "image_url"),
        ("https://example.com/" + "a" * 8192, "image_url"),
        ("data:image/bmp;base64,AAAA", "image_type"),
        ("data:image/png;base64,***", "image_url"),
    ],
)
def test_refusals_name_the_rule(source: str | bytes, rule: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        image_part(source)
    assert caught.value.rule == rule and caught.value.fix


def test_unknown_detail_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequestError, match="not a DeepSeek image detail"):
        image_part(PNG, detail="medium")
    with pytest.raises(InvalidRequestError, match="cannot read") as caught:
        image_part(tmp_path / "missing.png")
    assert "https://" in caught.value.fix


def test_oversize_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vision, "IMAGE_LIMITS", {**IMAGE_LIMITS, "inline_bytes": 8})
    path = tmp_path / "big.png"
    path.write_bytes(PNG)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read a file that is too large"))
    with pytest.raises(InvalidRequestError) as caught:
        image_part(path)
    assert caught.value.rule == "image_size"
    with pytest.raises(InvalidRequestError, match="at most 8"):
        image_part(PNG)


def test_model_table_knows_input_modalities() -> None:
    assert model_info("deepseek-flash").input_modalities == ("text", "image")
    assert model_info("deepseek-v4-pro").input_modalities == ("text",)
