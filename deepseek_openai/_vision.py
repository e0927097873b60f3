"""``image_part``: a chat content part for an image (path, bytes, ``https`` or ``data:`` URL), checked before sending.

DeepSeek reads JPEG, PNG, GIF and WebP on ``deepseek-flash``, in user messages only; an image URL is ``https``
(at most 8,192 characters) or a ``data:`` URL, and an inline image is at most 32 MiB (guides/vision).
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path
from typing import Any

from ._errors import InvalidRequestError
from ._models import IMAGE_LIMITS
from ._rules import RULES

__all__ = ["IMAGE_DETAILS", "IMAGE_MEDIA_TYPES", "image_part", "image_problem", "sniff_image"]

IMAGE_MEDIA_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
"""The image formats DeepSeek reads."""
IMAGE_DETAILS = ("low", "high", "original", "auto")
"""Accepted ``image_url.detail`` values (api/create-chat-completion)."""
_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def sniff_image(data: bytes) -> str | None:
    """Return the media type of image bytes from their first bytes (JPEG, PNG, GIF, WebP), else ``None``."""
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            return media_type
    return "image/webp" if data[:4] == b"RIFF" and data[8:12] == b"WEBP" else None


def image_problem(url: str) -> tuple[str, str] | None:
    """Return ``(rule id, what is wrong)`` for an image URL DeepSeek refuses, or ``None``."""
    limit = IMAGE_LIMITS["inline_bytes"]
    if url.startswith("data:"):
        head, _, data = url[5:].partition(",")
        media_type = head.split(";", 1)[0].lower()
        if media_type not in IMAGE_MEDIA_TYPES:
            return "image_type", f"the data: URL is {media_type or 'untyped'!r}, not JPEG, PNG, GIF or WebP"
        try:
            size = len(base64.b64decode(data, validate=True)) if head.endswith(";base64") else len(data)
        except (binascii.Error, ValueError):
            return "image_url", "the data: URL is not valid base64"
        return ("image_size", f"the image has {size} bytes; at most {limit} may be inline") if size > limit else None
    if not url.startswith("https://"):
        return "image_url", f"image URLs must be https:// or data:, got {url.split(':', 1)[0]!r}"
    if len(url) > IMAGE_LIMITS["url_chars"]:
        return "image_url", f"the URL has {len(url)} characters; at most {IMAGE_LIMITS['url_chars']} are allowed"
    return None


def _refuse(rule_id: str, message: str) -> InvalidRequestError:
    return InvalidRequestError(f"{message}.", fix=RULES[rule_id].fix, rule=rule_id)


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidRequestError(
            f"image_part() cannot read {str(path)!r}: {exc.strerror or exc}.",
            fix="pass an existing image file, its bytes, an https:// URL or a data: URL.",
        ) from exc
    if size > IMAGE_LIMITS["inline_bytes"]:  # refuse before reading a huge file into memory
        raise _refuse(
            "image_size", f"{path.name} has {size} bytes; at most {IMAGE_LIMITS['inline_bytes']} may be inline"
        )
    return path.read_bytes()


def image_part(source: str | bytes | os.PathLike[str], *, detail: str | None = None) -> dict[str, Any]:
    """Return a chat content part ``{"type": "image_url", "image_url": {"url": ..., "detail"?: ...}}``.

    Put it in a user message's ``content`` list beside a ``{"type": "text", ...}`` part, for ``deepseek-flash``.

    Args:
        source: a file path, the image bytes (sent inline as a ``data:`` URL, type sniffed from the bytes), an
            ``https://`` URL (DeepSeek fetches it within 60 s) or a ``data:`` URL.
        detail: ``"low"``, ``"high"``, ``"original"`` or ``"auto"``; ``None`` sends none.

    Returns:
        The content part as a dict.

    Raises:
        InvalidRequestError: an unreadable path, bytes that are not JPEG/PNG/GIF/WebP, an inline image over 32 MiB,
            a URL that is not ``https``/``data:`` or is over 8,192 characters, or an unknown ``detail``.
    """
    if detail is not None and detail not in IMAGE_DETAILS:
        raise InvalidRequestError(
            f"detail={detail!r} is not a DeepSeek image detail.",
            fix=f"use one of {', '.join(map(repr, IMAGE_DETAILS))}, or leave detail out.",
            rule="image_url",
        )
    if isinstance(source, (bytes, bytearray, memoryview)):
        data: bytes | None = bytes(source)
    elif isinstance(source, str) and (source.startswith("data:") or "://" in source[:16]):
        data = None
    else:
        data = _read(Path(source))
    if data is not None:
        media_type = sniff_image(data)
        if media_type is None:
            raise _refuse("image_type", f"the image bytes start with {data[:8]!r}: not JPEG, PNG, GIF or WebP")
        if len(data) > IMAGE_LIMITS["inline_bytes"]:
            raise _refuse("image_size", f"the image has {len(data)} bytes; at most {IMAGE_LIMITS['inline_bytes']}")
        url = f"data:{media_type};base64,{base64.b64encode(data).decode()}"
    else:
        url = str(source)
    problem = image_problem(url)
    if problem is not None:
        raise _refuse(*problem)
    ref: dict[str, Any] = {"url": url}
    if detail is not None:
        ref["detail"] = detail
    return {"type": "image_url", "image_url": ref}
