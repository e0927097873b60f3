"""Every ```python framework block of README.md ("Use with frameworks") runs as written against the double."""

from __future__ import annotations

import warnings

import pytest

from deepseek_openai import CompatWarning
from deepseek_openai.testing import FakeDeepSeek
from tests.test_readme import FRAMEWORK_BLOCKS


def test_readme_has_one_recipe_per_framework() -> None:
    imports = ["from agents import", "from langchain_openai import", "import instructor", "from pydantic_ai import"]
    assert [next(i for i in imports if i in block) for block in FRAMEWORK_BLOCKS] == imports


@pytest.mark.parametrize("index", range(len(FRAMEWORK_BLOCKS)))
def test_readme_framework_recipe_runs(index: int, ds: FakeDeepSeek, fake_openai: FakeDeepSeek) -> None:
    source = FRAMEWORK_BLOCKS[index]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        exec(compile(source, f"README.md framework block {index}", "exec"), {"__name__": f"readme_framework_{index}"})
    # The recipes may show our CompatWarning (a rewrite they rely on), and nothing else.
    assert [str(w.message) for w in seen if not issubclass(w.category, CompatWarning)] == []
    assert ds.requests  # they talk to the DeepSeek double ...
    assert fake_openai.requests == []  # ... and nothing reaches OPENAI_BASE_URL, though OPENAI_* are set
