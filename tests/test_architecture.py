"""The package's structure: no import cycles between its modules, function-level imports
included (a cycle hidden inside a function is still a cycle a newcomer trips on)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """module -> the rte modules it imports (the module itself, or the package it names)."""
    modules = {_module_name(p): p for p in SRC.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = set()
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(
                        [*package.split(".")[: len(package.split(".")) - node.level + 1], base]
                    ).strip(".")
                targets = [f"{base}.{a.name}" for a in node.names] + [base]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for target in targets:
                if target in modules:
                    edges.add(target)
                    break
        edges.discard(name)
        graph[name] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_graph_sees_imports() -> None:
    graph = import_graph()
    assert "rte.registry" in graph["rte"]
    assert "rte.models.continuous" in graph["rte.baselines.oracles"]


def test_a_cycle_is_found() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle or [])


ARCHITECTURE = SRC.parents[0] / "docs" / "architecture.md"


def documented_layers() -> list[set[str]]:
    """The layer order of docs/architecture.md (section "Layers"), lowest first: each
    numbered line names the packages and modules of one layer."""
    text = ARCHITECTURE.read_text().split("## Layers", 1)[1].split("\n## ", 1)[0]
    layers = []
    for line in text.splitlines():
        head, dot, rest = line.partition(". ")
        if dot and head.strip().isdigit():
            layers.append({name.strip(" `") for name in rest.split(",")})
    return layers


def unit(module: str) -> str:
    """The package or top-level module a module belongs to (``rte`` for the package)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "rte"


def upward_imports(graph: dict[str, set[str]], layers: list[set[str]]) -> list[str]:
    """Every import of a module from a layer above its own."""
    level = {name: i for i, layer in enumerate(layers) for name in layer}
    return sorted(
        f"{a} (layer {level[unit(a)] + 1}) imports {b} (layer {level[unit(b)] + 1})"
        for a, targets in graph.items()
        for b in targets
        if level[unit(b)] > level[unit(a)]
    )


def test_every_module_imports_only_its_own_layer_or_below() -> None:
    layers = documented_layers()
    graph = import_graph()
    unplaced = sorted({unit(m) for m in graph} - set().union(*layers))
    assert not unplaced, f"docs/architecture.md places no layer for {unplaced}"
    upward = upward_imports(graph, layers)
    assert not upward, "imports against the layer order:\n" + "\n".join(upward)


def test_an_upward_import_is_found() -> None:
    layers = [{"tasks"}, {"models"}, {"bench"}]
    graph = {"rte.tasks.bank": {"rte.models.x"}, "rte.models.x": {"rte.tasks.bank"}}
    assert upward_imports(graph, layers) == [
        "rte.tasks.bank (layer 1) imports rte.models.x (layer 2)"
    ]
    assert upward_imports({"rte.bench.a": {"rte.tasks.bank"}}, layers) == []
