"""Image input as the double checks it: chat ``image_url`` parts and Responses ``input_image`` parts.

Images go to models whose ``input_modalities`` include ``"image"`` (``deepseek-flash``) and only in user messages;
a URL is ``https`` (at most 8,192 characters) or a ``data:`` URL of JPEG, PNG, GIF or WebP (guides/vision).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._models import IMAGE_LIMITS, MODELS
from .._vision import image_problem
from ._api_error import ApiError

__all__ = ["check_images", "image_urls"]


def image_urls(content: Any) -> list[str]:
    """Return the URL of every image part of a message ``content`` (``""`` for a part without one, e.g. a file id)."""
    urls: list[str] = []
    for part in content if isinstance(content, list) else ():
        if not isinstance(part, Mapping) or part.get("type") not in ("image_url", "input_image"):
            continue
        ref = part.get("image_url")
        url = ref.get("url") if isinstance(ref, Mapping) else ref
        urls.append(url if isinstance(url, str) else "")
    return urls


def check_images(messages: Iterable[Mapping[str, Any]], model: str) -> ApiError | None:
    """Return DeepSeek's refusal of the images in ``messages`` sent to ``model``, or ``None``."""
    for message in messages:
        urls = image_urls(message.get("content"))
        if not urls:
            continue
        if message.get("role", "user") != "user" or not MODELS[model].vision:
            # Images go to deepseek-flash in user messages only; else DeepSeek's 400 (guides/vision, issue 13).
            return ApiError.from_rule("image_input")
        for url in filter(None, urls):  # "" is a part by file_id
            problem = image_problem(url)
            if problem is not None:
                return ApiError.from_rule(problem[0], limit=IMAGE_LIMITS["inline_bytes"])
    return None
