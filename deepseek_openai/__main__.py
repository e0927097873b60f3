"""``python -m deepseek_openai``: the ``deepseek-openai`` command line."""

from __future__ import annotations

import sys

from deepseek_openai.cli import main

if __name__ == "__main__":
    sys.exit(main())
