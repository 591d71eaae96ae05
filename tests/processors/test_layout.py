"""The shape of the code holds: no import cycle, the core and the vocabulary stay pure.

Read from the source (absolute imports of `flows` and `processors` modules), so a new
module that breaks a rule fails here with the offending import named.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _import_graph() -> dict[str, set[str]]:
    modules: dict[str, Path] = {}
    for package in ("flows", "processors"):
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                subs = {f"{node.module}.{alias.name}" for alias in node.names}
                found |= subs if subs <= modules.keys() else subs | {node.module}
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


GRAPH = _import_graph()


def _reachable(start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in GRAPH[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_no_module_imports_itself_back() -> None:
    cycles = sorted({tuple(sorted((a, b))) for a in GRAPH for b in GRAPH[a] if a in _reachable(b)})
    assert cycles == []


def test_the_core_imports_only_the_core_and_the_vocabulary() -> None:
    allowed = ("processors.core", "processors.vocabulary")
    breaches = [
        (module, imported)
        for module, imports in GRAPH.items()
        if module.startswith("processors.core")
        for imported in imports
        if not imported.startswith(allowed)
    ]
    assert breaches == []


def test_the_vocabulary_imports_nothing_of_flows_or_the_core() -> None:
    breaches = [
        (module, imported)
        for module, imports in GRAPH.items()
        if module.startswith("processors.vocabulary")
        for imported in imports
        if not imported.startswith("processors.vocabulary")
    ]
    assert breaches == []


def test_flows_never_import_the_core_or_the_shell() -> None:
    breaches = [
        (module, imported)
        for module, imports in GRAPH.items()
        if module.startswith("flows")
        for imported in imports
        if not imported.startswith(("flows", "processors.vocabulary"))
    ]
    assert breaches == []
