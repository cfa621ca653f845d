"""The package's layers: no module of ``ar_xl`` imports, directly or through others, a module that
imports it back, whether the import sits at the top of the file or inside a function; the pure
layers (engine, bank, erp, letters, actions) never reach into the shells (cli, excel, workbook, demo)."""
from __future__ import annotations

import ast
from pathlib import Path

import ar_xl

ROOT = Path(ar_xl.__file__).parent


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph() -> dict[str, set[str]]:
    files = {_module(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in files}
    for mod, path in files.items():
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    origin = ".".join(base + ([node.module] if node.module else []))
                else:
                    origin = node.module or ""
                targets = [f"{origin}.{a.name}" if f"{origin}.{a.name}" in files else origin for a in node.names]
            for t in targets:
                while t and t not in files:
                    t = t.rpartition(".")[0]
                if t and t != mod and t != "ar_xl":
                    graph[mod].add(t)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_graph_sees_imports():
    g = _graph()
    assert "ar_xl.frames" in g["ar_xl.book"] and "ar_xl.workbook.xlsx" in g["ar_xl.cli.basics"]


def test_no_import_cycles():
    assert _cycles(_graph()) == []


def test_pure_layers_never_import_a_shell():
    shells = ("ar_xl.cli", "ar_xl.excel", "ar_xl.workbook", "ar_xl.demo")
    g = _graph()
    bad = {m: sorted(t for t in ts if t.startswith(shells)) for m, ts in g.items()
           if m.startswith(("ar_xl.engine", "ar_xl.bank", "ar_xl.erp", "ar_xl.letters", "ar_xl.actions"))
           or (ROOT / f"{m.rpartition('.')[2]}.py").exists() and m.count(".") == 1}
    assert {m: ts for m, ts in bad.items() if ts} == {}
