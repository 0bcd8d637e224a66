"""The import graph runs one way: no loop between packages or between files, and the lower layers stay low."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from .conftest import ROOT

SRC = ROOT / "src" / "alignlab"
FOUNDATION = {"alignlab", "errors", "io", "strict", "shares", "toolcalls", "artifacts", "checkpoint"}


def _module(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(p): p for p in SRC.rglob("*.py")}


def _imports(path: Path, top_level_only: bool) -> set[str]:
    """alignlab modules ``path`` imports (``top_level_only``: at import time, not inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = set()
    for n in nodes:
        names = ([a.name for a in n.names] if isinstance(n, ast.Import)
                 else [n.module, *(f"{n.module}.{a.name}" for a in n.names)] if isinstance(n, ast.ImportFrom) and n.module
                 else [])
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found - {_module(path)}


def _package(module: str) -> str:
    return module.split(".")[1] if "." in module else "alignlab"


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph``, or None."""
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt]
            if nxt not in state and (found := visit(nxt, path + [nxt])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in MODULES.items():
        for dep in _imports(path, top_level_only=False):
            if _package(dep) != _package(module):
                graph[_package(module)].add(_package(dep))
    return graph


def test_packages_import_one_way_counting_imports_inside_functions():
    assert _cycle(package_graph()) is None


def test_no_file_imports_one_that_imports_it_back():
    graph = {m: _imports(p, top_level_only=True) for m, p in MODULES.items()}
    assert _cycle(graph) is None


def test_the_lower_layers_import_nothing_above_them():
    g = package_graph()
    assert g["world"] <= FOUNDATION
    assert g["constitution"] <= FOUNDATION | {"world"}
    assert g["grading"] <= FOUNDATION | {"world", "constitution"}  # below data, rewards and evaluation alike
    # the config package sits on the world's taxonomy; its validators read the suite registry and the audit's dimensions
    assert g["config"] <= FOUNDATION | {"world", "evals", "audit"}


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
