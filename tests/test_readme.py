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
# A fence "```python framework LEG" names the venv of that leg ("llamaindex", "ag2"); plain "framework" is the shared
# one. Items: (leg, source), leg "" for the shared venv.
FRAMEWORK_BLOCKS: list[tuple[str, str]] = re.findall(r"```python framework ?(\w*)\n(.*?)```\n", TEXT, flags=re.S)
# The Ray snippet needs the ray extra: tests/ray/test_ray.py runs it in the Ray leg of .ci/run.
RAY_BLOCKS = re.findall(r"```python ray\n(.*?)```\n", TEXT, flags=re.S)
# A snippet followed by "It prints:" and a plain block must print exactly that block.
PRINTS = dict(re.findall(r"```python\n(.*?)```\n\nIt prints:\n\n```\n(.*?)```\n", TEXT, flags=re.S))


def test_readme_has_snippets() -> None:
    assert len(BLOCKS) >= 10


def test_every_python_snippet_is_run_by_one_of_the_runners() -> None:
    # A block fenced any other way would be run by no test; the framework ones go to the integration leg, the Ray
    # one to the Ray leg.
    fences = re.findall(r"^```python(.*)$", TEXT, flags=re.M)
    assert sorted(set(fences)) == ["", " framework", " framework ag2", " framework llamaindex", " ray"]
    assert len(fences) == len(BLOCKS) + len(FRAMEWORK_BLOCKS) + len(RAY_BLOCKS)
    # openai-agents, langchain-openai, instructor, pydantic-ai, LlamaIndex, smolagents, AG2, Haystack, Outlines
    assert len(FRAMEWORK_BLOCKS) == 9
    assert (README.parent / "tests" / "integration" / "test_readme_frameworks.py").is_file()
    assert len(RAY_BLOCKS) == 1 and "RAY_BLOCKS" in (README.parent / "tests" / "ray" / "test_ray.py").read_text()


def test_models_snippet_shows_its_output() -> None:
    assert any("model_info(DEEPSEEK_FLASH)" in block for block in PRINTS)


# The pytest example runs in a pytest of its own, a second interpreter: the slow leg (pytest -m slow).
@pytest.mark.parametrize(
    "index", [pytest.param(i, marks=pytest.mark.slow) if "def test_" in b else i for i, b in enumerate(BLOCKS)]
)
def test_readme_snippet_runs(
    index: int,
    fake_deepseek: FakeDeepSeek,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
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
    printed = capsys.readouterr().out
    assert printed.strip(), "a README snippet must print what it shows (a bare expression prints nothing)"
    if source in PRINTS:
        assert printed == PRINTS[source]


def test_install_commands_work_from_a_checkout() -> None:
    # The package is not on PyPI yet: a `pip install deepseek-openai...` line must say it is the PyPI form, and
    # every `pip install -e '.[extras]'` must name extras pyproject.toml defines.
    pyproject = (README.parent / "pyproject.toml").read_text()
    table = pyproject.split("[project.optional-dependencies]\n", 1)[1].split("\n[", 1)[0]
    extras = set(re.findall(r"^([\w-]+) = \[", table, flags=re.M))  # no tomllib before Python 3.11
    assert {"test", "ray", "redis"} <= extras
    commands = list(re.finditer(r"pip install ([^`\n&;)]*)", TEXT))
    assert commands
    for found in commands:
        args = found.group(1)
        if "deepseek-openai" in args:
            assert "PyPI" in TEXT[max(0, found.start() - 120) : found.start()], f"unlabelled PyPI form: {args}"
        for named in re.findall(r"-e '?\.\[([^\]]*)\]", args):
            assert set(named.split(",")) <= extras, f"unknown extra in: pip install {args}"
    assert re.search(r"pip install -e '\.\[ray\]'", TEXT)  # the Ray runner's install, from a checkout


def _slug(heading: str) -> str:
    # GitHub's anchor for a heading: lower case, punctuation other than "-" and "_" dropped, spaces to "-".
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def test_contents_lists_every_section_and_every_link_lands() -> None:
    contents = TEXT[TEXT.index("## Contents\n") : TEXT.index("## Set up\n")]
    anchors = {_slug(h) for h in re.findall(r"^#{2,3} (.+)$", TEXT, flags=re.M)}
    links = re.findall(r"\]\(#([^)]+)\)", contents)
    assert [link for link in links if link not in anchors] == []
    sections = [_slug(h) for h in re.findall(r"^## (.+)$", TEXT, flags=re.M) if h != "Contents"]
    assert [s for s in sections if s not in links] == []
    assert TEXT.index("## Contents") < TEXT.index("## Set up") < TEXT.index("## Why not just")
