"""Every ```python framework block of README.md ("Use with frameworks") runs as written against the double.

Each venv of the integration leg runs the blocks fenced for it: ``framework`` in the shared one, ``framework LEG`` in
the venv ``DEEPSEEK_OPENAI_INTEGRATION=LEG`` selects.
"""

from __future__ import annotations

import linecache
import warnings

import pytest

from deepseek_openai import CompatWarning
from deepseek_openai.testing import FakeDeepSeek
from tests.test_readme import FRAMEWORK_BLOCKS

from .conftest import LEG

MINE = [source for leg, source in FRAMEWORK_BLOCKS if leg == ("" if LEG == "1" else LEG)]
IMPORTS = {
    "1": [
        "from agents import",
        "from langchain_openai import",
        "import instructor",
        "from pydantic_ai import",
        "from smolagents import",
        "from haystack.components.generators.chat import OpenAIChatGenerator",
        "import outlines",
    ],
    "llamaindex": ["from llama_index.llms.openai_like import OpenAILike"],
    "ag2": ["from ag2 import"],
}


def test_readme_has_one_recipe_per_framework_of_this_venv() -> None:
    assert [next(i for i in IMPORTS[LEG] if i in block) for block in MINE] == IMPORTS[LEG]


@pytest.mark.parametrize("index", range(len(MINE)))
def test_readme_framework_recipe_runs(index: int, ds: FakeDeepSeek, fake_openai: FakeDeepSeek) -> None:
    source, name = MINE[index], f"README.md framework block {index}"
    # As if the block were a file: smolagents' @tool reads the function's source with inspect.
    linecache.cache[name] = (len(source), None, source.splitlines(keepends=True), name)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        exec(compile(source, name, "exec"), {"__name__": f"readme_framework_{index}"})
    # The recipes may show our CompatWarning (a rewrite they rely on), and nothing else; pydantic's deprecation
    # notices about how a framework uses pydantic (LlamaIndex inspects deprecated attributes) are not ours to fix.
    shown = [
        str(w.message)
        for w in seen
        if not issubclass(w.category, CompatWarning)
        and not (issubclass(w.category, DeprecationWarning) and w.category.__module__ == "pydantic.warnings")
    ]
    assert shown == []
    assert ds.requests  # they talk to the DeepSeek double ...
    assert fake_openai.requests == []  # ... and nothing reaches OPENAI_BASE_URL, though OPENAI_* are set
