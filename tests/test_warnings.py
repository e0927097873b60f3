"""Our warnings are shown under Python's default filters, also when a framework's code makes the call."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from deepseek_openai import CompatWarning, LegacyModelWarning

FRAMEWORK = """
import warnings

TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}


def run(client):
    warnings.warn("control: a DeprecationWarning from framework code", DeprecationWarning)
    client.chat.completions.create(model="deepseek-chat", messages=[{"role": "user", "content": "hi"}])
    client.chat.completions.create(
        model="deepseek-flash", messages=[{"role": "user", "content": "hi"}], tools=[TOOL], tool_choice="required"
    )
"""

MAIN = """
from deepseek_openai.testing import FakeDeepSeek
import fakeframework

with FakeDeepSeek() as ds:
    fakeframework.run(ds.client())
print("done")
"""


def test_warnings_from_framework_code_are_shown_by_default(tmp_path: Path) -> None:
    (tmp_path / "fakeframework.py").write_text(textwrap.dedent(FRAMEWORK), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    env["PYTHONPATH"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", MAIN], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0 and "done" in done.stdout, done.stderr
    assert "control: a DeprecationWarning" not in done.stderr  # teeth: a DeprecationWarning there is hidden
    assert "fakeframework.py:9: LegacyModelWarning: model 'deepseek-chat' was retired" in done.stderr
    assert "fakeframework.py:10: CompatWarning: tool_choice forces a tool call" in done.stderr


def test_categories_are_ones_python_shows_by_default() -> None:
    assert issubclass(LegacyModelWarning, FutureWarning) and not issubclass(LegacyModelWarning, DeprecationWarning)
    assert issubclass(CompatWarning, UserWarning)
