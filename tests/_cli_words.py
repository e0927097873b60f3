"""Python's words for what the CLI spells as flags and variables (issue 18 item 8): CLI output never shows them."""

from __future__ import annotations

import re

__all__ = ["PYTHON_WORDS"]

PYTHON_WORDS = re.compile(
    r"(?<![-\w])(?:api_key|base_url|env_file|beta|timeout|stream|max_tokens|count|model|extra_body|output_path"
    r"|max_cost)="
    r"|\b(?:create_client|get_balance|model_info|image_part|complete_prefix|json_completion)\(|\*\*thinking"
    r"|\.partial\b|filterwarnings|compat=|the \w+ argument|\bNone\b|\bFalse\b|\bTrue\b"
)
