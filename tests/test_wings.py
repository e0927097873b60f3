"""The wings' bounds: the library never imports the CLI and never prints; the batch wing stays apart from the core.

Import circles are checked by tests/test_layout.py (every module, function-level and TYPE_CHECKING imports too).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import deepseek_openai

PACKAGE = Path(deepseek_openai.__file__).parent
CLI = "deepseek_openai.cli"


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str) -> set[str]:
    """Every module of the package ``name`` imports: top level, in functions, and under ``TYPE_CHECKING``."""
    path = MODULES[name]
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # `from .pkg import name`: the submodule pkg.name when there is one, else pkg itself.
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in MODULES else module for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES and "." in target:
                target = target.rsplit(".", 1)[0]  # `import deepseek_openai.x.y` names the module x.y, or x
            if target in MODULES and target != name:
                found.add(target)
    return found


def _library_modules() -> list[str]:
    return [n for n, p in MODULES.items() if not (n == CLI or n.startswith(CLI + ".")) and p.name != "__main__.py"]


def test_the_library_never_imports_the_cli() -> None:
    assert "deepseek_openai.__main__" not in _library_modules() and "deepseek_openai.cli.batch" in MODULES
    assert CLI in _imports("deepseek_openai.__main__")  # the check sees an import of the CLI where there is one
    reaching = {n: sorted(m for m in _imports(n) if m == CLI or m.startswith(CLI + ".")) for n in _library_modules()}
    assert {n: m for n, m in reaching.items() if m} == {}


def _prints(source: str) -> list[int]:
    tree = ast.parse(source)
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"
    ]


def test_the_library_never_prints() -> None:
    assert _prints("def f():\n    print('x', file=sys.stderr)\n") == [2]  # the check sees a print where there is one
    printing = {n: _prints(MODULES[n].read_text(encoding="utf-8")) for n in _library_modules()}
    assert {n: lines for n, lines in printing.items() if lines} == {}


def test_no_batch_or_ray_module_is_loose_in_the_core_folder() -> None:
    loose = sorted(p.name for p in PACKAGE.glob("*.py") if p.name.startswith(("_batch", "_ray", "_idset")))
    assert loose == []
    core = [
        n
        for n, p in MODULES.items()
        if p.parent == PACKAGE and n not in ("deepseek_openai.ray", "deepseek_openai.__main__")
    ]
    importing = {n: sorted(m for m in _imports(n) if m.startswith("deepseek_openai.batch")) for n in core}
    # Only the lazy table of __init__.py names the wing (its TYPE_CHECKING block); no core module needs it.
    assert {n: m for n, m in importing.items() if m} == {"deepseek_openai": ["deepseek_openai.batch"]}


@pytest.mark.slow  # a fresh interpreter: the slow leg (pytest -m slow)
def test_importing_the_package_loads_nothing_of_the_batch_wing() -> None:
    code = "import sys, deepseek_openai; print(sorted(m for m in sys.modules if m.startswith('deepseek_openai')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['deepseek_openai']"
    code = "import sys; from deepseek_openai import BatchSummary; print(sorted(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "'deepseek_openai.batch._run'" in out and "'deepseek_openai.cli'" not in out and "'ray'" not in out
