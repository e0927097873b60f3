"""The package's layout: no import circle, the wings' bounds, one home for the docs URL.

The library never imports the CLI and never prints; the batch wing stays apart from the core; Ray and Redis load
only inside the functions that need them; every module's imports are read from its source (top level, function
bodies and ``TYPE_CHECKING`` blocks alike: a circle hidden behind a lazy import is still two modules that need
each other).
"""

from __future__ import annotations

import ast
import functools
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


@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


@functools.cache
def _imports(name: str) -> frozenset[str]:
    """Every module of the package ``name`` imports: top level, in functions, and under ``TYPE_CHECKING``."""
    path = MODULES[name]
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(_tree(path)):
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
    return frozenset(found)


def _graph() -> dict[str, set[str]]:
    # Packages are left out as targets: ``deepseek_openai/__init__.py`` names every public module (lazily), so an
    # import going through a package's __init__ says nothing about a circle.
    packages = {n for n, p in MODULES.items() if p.name == "__init__.py"}
    return {name: _imports(name) - packages for name in MODULES}


def _top_level_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in _tree(path).body:  # module level only: function bodies load when called
        if isinstance(node, ast.Import):
            found |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.partition(".")[0])
    return found


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    # Tarjan's strongly connected components; a component of two or more modules is a circle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return circles


def _library_modules() -> list[str]:
    return [n for n, p in MODULES.items() if not (n == CLI or n.startswith(CLI + ".")) and p.name != "__main__.py"]


def test_the_library_never_imports_the_cli() -> None:
    assert "deepseek_openai.__main__" not in _library_modules() and "deepseek_openai.cli.batch" in MODULES
    assert CLI in _imports("deepseek_openai.__main__")  # the check sees an import of the CLI where there is one
    reaching = {n: sorted(m for m in _imports(n) if m == CLI or m.startswith(CLI + ".")) for n in _library_modules()}
    assert {n: m for n, m in reaching.items() if m} == {}


def _prints(tree: ast.Module) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"
    ]


def test_the_library_never_prints() -> None:
    assert _prints(ast.parse("def f():\n    print('x', file=sys.stderr)\n")) == [
        2
    ]  # the check sees a print where there is one
    printing = {n: _prints(_tree(MODULES[n])) for n in _library_modules()}
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


def test_the_checker_finds_a_circle() -> None:
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_testing_package_has_no_import_circle() -> None:
    inside = {name: deps for name, deps in _graph().items() if name.startswith("deepseek_openai.testing")}
    assert _circles({name: deps & set(inside) for name, deps in inside.items()}) == []


def test_the_package_has_no_import_circle() -> None:
    assert _circles(_graph()) == []


def test_the_docs_url_is_defined_once() -> None:
    # One home: deepseek_openai._rules.DOCS (the compat table and the CLI demo import it).
    from deepseek_openai._rules import DOCS

    literal = f'"{DOCS}"'
    holders = [p.name for p in PACKAGE.rglob("*.py") if literal in p.read_text(encoding="utf-8")]
    assert holders == ["_rules.py"]


def test_ray_and_redis_load_only_inside_the_functions_that_need_them() -> None:
    assert _top_level_imports(Path(__file__)) >= {"ast", "pytest"}  # the check sees module-level imports
    heavy = {n: sorted(_top_level_imports(p) & {"ray", "redis"}) for n, p in MODULES.items()}
    assert {n: found for n, found in heavy.items() if found} == {}
