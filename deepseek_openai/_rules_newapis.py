"""DeepSeek's rules for the newer APIs (Responses, Files and images, Search/Fetch tools), as rows of ``RULES``."""

from __future__ import annotations

from ._rule import Rule

__all__ = ["NEWER_API_RULES"]

DOCS = "https://api-docs.deepseek.com"

NEWER_API_RULES: tuple[Rule, ...] = (
    Rule(
        "responses_passback",
        400,
        "The reasoning item in the thinking mode must be passed back to the API.",
        "in thinking mode with tools, put each earlier turn's reasoning item back into input: "
        "append response_turn(response) to the input instead of only its messages and function calls.",
        f"{DOCS}/guides/responses_api",
        note="[!] the rule is documented; the Responses wording is not",
        evidence="documented §18 (reasoning items go back in thinking mode with tools); the wording is not",
    ),
    Rule(
        "image_url",
        400,
        "Invalid image url: use an https or data: URL of at most 8192 characters",
        "pass an https URL of at most 8192 characters, or the image itself: image_part(path_or_bytes) makes a "
        "data: URL.",
        f"{DOCS}/guides/vision",
        note="[!] limits documented, wording not",
        evidence="documented §18 (https or data: URLs, at most 8192 characters)",
    ),
    Rule(
        "image_type",
        400,
        "Unsupported image format: use JPEG, PNG, GIF or WebP",
        "convert the image to JPEG, PNG, GIF or WebP.",
        f"{DOCS}/guides/vision",
        note="[!] formats documented, wording not",
        evidence="documented §18 (JPEG, PNG, GIF, WebP)",
    ),
    Rule(
        "image_size",
        400,
        "Image too large: an inline image may be at most {limit} bytes",
        "shrink the image (an inline image is at most 32 MiB), or upload it with client.files.create"
        "(purpose='user_data') and send its file_id.",
        f"{DOCS}/guides/vision",
        note="[!] limit documented, wording not",
        evidence="documented §18 (an inline image is at most 32 MiB)",
    ),
    Rule(
        "file_purpose",
        400,
        "Invalid purpose `{purpose}`: expected one of `user_data`, `text_recognition`, `rich_layout_recognition`",
        "upload images with purpose='user_data', documents with 'text_recognition' or 'rich_layout_recognition'.",
        f"{DOCS}/api/upload-file",
        note="[!] purposes documented, wording not",
        evidence="documented §18 (user_data, text_recognition, rich_layout_recognition)",
    ),
    Rule(
        "file_size",
        400,
        "File too large: {kind} files may be at most {limit} bytes",
        "split or shrink the file: images up to 64 MiB, PDF/Word/PPT up to 100 MiB, text and sheets up to 32 MiB.",
        f"{DOCS}/api/upload-file",
        note="[!] limits documented, wording not",
        evidence="documented §18 (64 MiB images, 100 MiB PDF/Word/PPT, 32 MiB text and sheets)",
    ),
    Rule(
        "file_expiry",
        400,
        "expires_after.seconds must be between 3600 and 2592000",
        "pass expires_after={'anchor': 'created_at', 'seconds': N} with N from 3600 to 2592000, or leave it out.",
        f"{DOCS}/api/upload-file",
        note="[!] range documented, wording not",
        evidence="documented §14, §18 (3600 to 2592000 seconds)",
    ),
    Rule(
        "file_not_found",
        404,
        "No such file: {file_id}",
        "check the id: client.files.list() shows the files you have; deleted and expired files are gone.",
        f"{DOCS}/api/upload-file",
        note="[!] wording not documented",
        evidence="unknown §18: an unknown id cannot succeed, but the status and text are not documented",
    ),
    Rule(
        "file_content",
        404,
        "File content download is not supported",
        "DeepSeek keeps no downloadable copy: keep your own copy of what you upload.",
        f"{DOCS}/api/upload-file",
        note="[!] /files/{id}/content is documented as unsupported; status and wording are not",
        evidence="documented §18 (/files/{id}/content is unsupported)",
    ),
    Rule(
        "search_query",
        400,
        "query must be between 1 and 128 characters",
        "pass a query of 1 to 128 characters (operators such as site: count too).",
        f"{DOCS}/api/search",
        note="[!] range documented, wording not",
        evidence="documented §18 (1 to 128 characters)",
    ),
    Rule(
        "search_count",
        400,
        "count must be between 1 and 50",
        "pass count from 1 to 50 (default 10).",
        f"{DOCS}/api/search",
        note="[!] range documented, wording not",
        evidence="documented §18 (1 to 50)",
    ),
    Rule(
        "fetch_url",
        400,
        "url must be an http or https URL of at most 8192 characters, without credentials",
        "pass one http(s) URL of at most 8192 characters, with no user:password@ part.",
        f"{DOCS}/api/fetch",
        note="[!] rules documented, wording not",
        evidence="documented §18 (http/https, at most 8192 characters, no credentials)",
    ),
)
"""Rows for ``RULES`` (in ``_rules.py``), kept in this order there so ``explain()`` matches them as before."""
