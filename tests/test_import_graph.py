"""The package's import graph, imports inside functions included, has no circle.

A circle hidden in a function body (to dodge the error at import time) still ties two
modules together: neither can change alone. Built from the source with ast, so a lazy
import counts as much as a top-level one; `if TYPE_CHECKING:` imports are left out
(they never run)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import ROOT

# The repository keeps parsers/ and pipeline/ at its top level; they install as xxgk.parsers, xxgk.pipeline.
PACKAGES = {"xxgk": ROOT / "xxgk", "xxgk.parsers": ROOT / "parsers", "xxgk.pipeline": ROOT / "pipeline"}


def modules() -> dict[str, Path]:
    out = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join([package, *parts])] = path
    return out


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules `name` imports, anywhere in its body."""
    is_package = path.name == "__init__.py"
    base = name.split(".") if is_package else name.split(".")[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = {id(n) for node in ast.walk(tree) if _type_checking_only(node) for b in node.body for n in ast.walk(b)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            stem = ".".join(base[: len(base) - node.level + 1]) if node.level else ""
            module = ".".join(p for p in (stem, node.module or "") if p)
            targets = [module] + [f"{module}.{a.name}" for a in node.names]
        for t in targets:
            # `from . import ocr` names a module; `from .model import Cell` names the module model
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name and not name.startswith(t + "."):  # a module importing its own package is no circle
                found.add(t)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports(name, path, set(mods)) for name, path in mods.items()}


def circles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def test_the_package_has_no_import_circle():
    assert circles(graph()) == []


def test_the_graph_sees_imports_inside_functions_and_the_circle_check_finds_one():
    g = graph()
    # pipeline/batch.py imports the crawl stack inside a function (only a batch of URLs needs it)
    assert "xxgk.pipeline.crawl.fetchone" in g["xxgk.pipeline.batch"]
    assert "xxgk.parsers.lattice" in g["xxgk.parsers.ocr"]
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("package", ["xxgk.parsers"])
def test_parsers_import_nothing_from_pipeline(package):
    g = graph()
    assert {(m, t) for m, ts in g.items() if m.startswith(package) for t in ts if t.startswith("xxgk.pipeline")} == set()
