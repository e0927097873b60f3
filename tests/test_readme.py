"""Every ```python block in README.md runs as written against the offline double."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import openai
import pytest

from deepseek_openai.testing import FakeDeepSeek

README = Path(__file__).resolve().parent.parent / "README.md"
TEXT = README.read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```\n", TEXT, flags=re.S)
# "Use with frameworks" snippets need the frameworks: tests/integration/test_readme_frameworks.py runs them in the
# integration leg of .ci/run (DEEPSEEK_OPENAI_INTEGRATION=1, extra "integration"), never here.
FRAMEWORK_BLOCKS = re.findall(r"```python framework\n(.*?)```\n", TEXT, flags=re.S)
# The Ray snippet needs the ray extra: tests/ray/test_ray.py runs it in the Ray leg of .ci/run.
RAY_BLOCKS = re.findall(r"```python ray\n(.*?)```\n", TEXT, flags=re.S)


def test_readme_has_snippets() -> None:
    assert len(BLOCKS) >= 10


def test_every_python_snippet_is_run_by_one_of_the_runners() -> None:
    # A block fenced any other way would be run by no test; the framework ones go to the integration leg, the Ray
    # one to the Ray leg.
    fences = re.findall(r"^```python(.*)$", TEXT, flags=re.M)
    assert sorted(set(fences)) == ["", " framework", " ray"]
    assert len(fences) == len(BLOCKS) + len(FRAMEWORK_BLOCKS) + len(RAY_BLOCKS)
    assert len(FRAMEWORK_BLOCKS) == 4  # openai-agents, langchain-openai, instructor, pydantic-ai
    assert (README.parent / "tests" / "integration" / "test_readme_frameworks.py").is_file()
    assert len(RAY_BLOCKS) == 1 and "RAY_BLOCKS" in (README.parent / "tests" / "ray" / "test_ray.py").read_text()


# The pytest example runs in a pytest of its own, a second interpreter: the slow leg (pytest -m slow).
@pytest.mark.parametrize(
    "index", [pytest.param(i, marks=pytest.mark.slow) if "def test_" in b else i for i, b in enumerate(BLOCKS)]
)
def test_readme_snippet_runs(
    index: int, fake_deepseek: FakeDeepSeek, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source = BLOCKS[index]
    if "client.responses." in source and not hasattr(openai.OpenAI, "responses"):
        pytest.skip("openai < 1.66 has no client.responses (the helpers are tested on it in tests/test_responses.py)")
    monkeypatch.setenv("DEEPSEEK_API_KEY", fake_deepseek.api_key)
    monkeypatch.setenv("DEEPSEEK_BASE_URL", fake_deepseek.base_url)
    if "def test_" in source:  # the pytest example: run it with pytest, through the installed plugin
        (tmp_path / "test_snippet.py").write_text(source)
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "test_snippet.py")],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert re.search(r"\b2 passed\b", done.stdout)
        return
    exec(compile(source, f"README.md block {index}", "exec"), {"__name__": f"readme_{index}"})
    assert fake_deepseek.requests or "model_info" in source  # every other snippet talks to the double
