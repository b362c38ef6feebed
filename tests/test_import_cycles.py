"""No two dfc modules import each other, directly or through others, lazily or not.

A cycle hidden in a function-level import still ties the modules into one unit that
cannot be read, tested or loaded alone, so every `import` statement counts wherever it
is written (inside functions and `if TYPE_CHECKING:` blocks too). `from X import Y`
is an edge to X, and to X.Y when Y is a module. Only explicit imports count: a module's
own parent packages, which Python loads first, are not edges (their `__init__` files
import nothing but `dfc`'s lazy public API).
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIRS: dict[str, str] = tomllib.loads((ROOT / "pyproject.toml").read_text())[
    "tool"]["setuptools"]["package-dir"]


def dfc_modules() -> dict[str, Path]:
    """Every module of dfc by its dotted name, from the folders pyproject maps."""
    modules: dict[str, Path] = {}
    for package, folder in PACKAGE_DIRS.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join((package, *parts))] = path
    return modules


def imported_names(module: str, path: Path) -> set[str]:
    """The dotted names `module` imports, relative imports made absolute."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            names.add(source)
            names.update(f"{source}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> nx.DiGraph:
    modules = dfc_modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for module, path in modules.items():
        graph.add_edges_from((module, name) for name in imported_names(module, path)
                             if name in modules and name != module)
    return graph


def test_the_graph_sees_every_kind_of_import() -> None:
    """The walk finds lazy, TYPE_CHECKING and submodule imports (or the test proves
    nothing)."""
    graph = import_graph()
    assert graph.has_edge("dfc.cli", "dfc.commands.daemon")  # inside a function
    assert graph.has_edge("dfc.client", "dfc.daemon.wire")  # `from dfc.daemon import wire`
    assert graph.has_edge("dfc.commands.daemon", "dfc.daemon.server")  # lazy + TYPE_CHECKING
    assert graph.number_of_nodes() > 200


def test_no_import_cycles() -> None:
    cycles = sorted(" -> ".join([*cycle, cycle[0]])
                    for cycle in nx.simple_cycles(import_graph()))
    assert not cycles, "import cycles:\n" + "\n".join(cycles)
