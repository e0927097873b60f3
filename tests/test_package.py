"""The package surface: every public name resolves lazily, and the lazy table matches the typed imports."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import deepseek_openai

INIT = Path(deepseek_openai.__file__)


def _typed_imports() -> dict[str, set[str]]:
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If))  # the `if TYPE_CHECKING:` block
    found: dict[str, set[str]] = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom)
        found.setdefault("." + (node.module or ""), set()).update(alias.name for alias in node.names)
    return found


# Data names importable from the package but not in __all__ (README, "Models and prices"); the CHANGELOG
# says when each left __all__. A name added here or dropped from __all__ by mistake fails the tests below.
UNLISTED = {
    "BEIJING",
    "BETA_BASE_URL",
    "CN_MAKEUP_WORKDAYS",
    "CurrencyBalance",
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "EFFORT_LEVELS",
    "FILE_LIMITS",
    "FIM_MAX_TOKENS",
    "IMAGE_LIMITS",
    "MAX_TOOLS",
    "PEAK_WINDOWS_UTC",
    "PRICES_EFFECTIVE",
    "PriceEra",
    "PriceList",
    "Prices",
    "Rates",
    "SearchResult",
    "TOOL_PRICES",
    "ToolPrice",
}


def test_all_is_sorted_and_every_name_resolves() -> None:
    names = [n for n in deepseek_openai.__all__ if n != "__version__"]
    assert deepseek_openai.__all__ == sorted(deepseek_openai.__all__, key=lambda n: (not n.isupper(), n))
    for name in names:
        assert getattr(deepseek_openai, name) is not None, name
    assert set(dir(deepseek_openai)) >= set(deepseek_openai.__all__)


def test_lazy_table_matches_typed_imports_and_all() -> None:
    table = {module: set(names) for module, names in deepseek_openai._EXPORTS.items()}
    assert table == _typed_imports()
    assert set().union(*table.values()) == set(deepseek_openai.__all__) - {"__version__"} | UNLISTED
    assert not UNLISTED & set(deepseek_openai.__all__)


def test_names_outside_all_stay_importable_and_typed() -> None:
    # Removed from __all__ only: `from deepseek_openai import NAME` works as before, and the typed imports
    # re-export each one explicitly (`NAME as NAME`), so mypy --strict accepts it in a user's code.
    for name in sorted(UNLISTED):
        assert getattr(deepseek_openai, name) is not None, name
        assert name in dir(deepseek_openai)
    block = next(node for node in ast.parse(INIT.read_text(encoding="utf-8")).body if isinstance(node, ast.If))
    explicit = {a.name for node in block.body if isinstance(node, ast.ImportFrom) for a in node.names if a.asname}
    assert explicit == UNLISTED


def test_star_import_takes_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from deepseek_openai import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(deepseek_openai.__all__)


def test_unknown_name_is_an_attribute_error() -> None:
    try:
        deepseek_openai.not_a_name  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as error:
        assert "not_a_name" in str(error)
    else:
        raise AssertionError("expected AttributeError")


@pytest.mark.slow  # a fresh interpreter: the slow leg (pytest -m slow)
def test_importing_the_client_does_not_load_every_helper() -> None:
    code = (
        "import sys; from deepseek_openai import create_client; "
        "print(sorted(m for m in sys.modules if m.startswith('deepseek_openai.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "deepseek_openai._client" in out
    for helper in ("deepseek_openai._tools", "deepseek_openai._json", "deepseek_openai._stream"):
        assert helper not in out, out


@pytest.mark.slow  # a fresh interpreter: the slow leg (pytest -m slow)
def test_creating_a_client_loads_no_tables_and_no_dotenv_without_a_env_file(tmp_path: Path) -> None:
    # The rewrite tables (models, rules, REWRITES) load on the first request the gate lets through; python-dotenv
    # only when a .env file exists from the working directory up.
    code = (
        "import sys; from deepseek_openai import create_client; create_client('sk-test-000000000000'); "
        "print(sorted(m for m in sys.modules if m.startswith(('deepseek_openai.', 'dotenv'))))"
    )

    def loaded() -> str:
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
        return run.stdout

    out = loaded()
    for table in (
        "'deepseek_openai._compat._rewrites'",
        "deepseek_openai._models",
        "deepseek_openai._rules",
        "'dotenv'",
    ):
        assert table not in out, out
    (tmp_path / ".env").write_text("DEEPSEEK_BASE_URL=http://127.0.0.1:9\n")
    assert "'dotenv'" in loaded()


def test_the_batch_wing_exports_what_the_lazy_table_names() -> None:
    import deepseek_openai.batch as wing

    assert wing.__all__ == list(deepseek_openai._EXPORTS[".batch"])
    assert all(getattr(wing, name) is getattr(deepseek_openai, name) for name in wing.__all__)
    namespace: dict[str, object] = {}
    exec("from deepseek_openai.batch import *", namespace)
    assert sorted(n for n in namespace if not n.startswith("__")) == sorted(wing.__all__)
