"""The package's layout: no module imports another that imports it back, directly or around a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import deepseek_openai

ROOT = Path(deepseek_openai.__file__).parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    # Every import of a package module, TYPE_CHECKING blocks and function bodies included: a circle hidden behind
    # a lazy import is still two modules that need each other. A package's own __init__ is left out as a target:
    # ``deepseek_openai/__init__.py`` names every public module (lazily), so going through it says nothing.
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        candidates = [target, *(f"{target}.{alias.name}" for alias in node.names)]
        found |= {c for c in candidates if c in modules and not (ROOT.parent / c.replace(".", "/")).is_dir()}
    return found - {name}


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


def _graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in ROOT.rglob("*.py")}
    return {name: _imports(path, set(paths)) for name, path in paths.items()}


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
    holders = [p.name for p in ROOT.rglob("*.py") if literal in p.read_text(encoding="utf-8")]
    assert holders == ["_rules.py"]
