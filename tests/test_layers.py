"""Imports go one way only: grammar -> compiler -> cache -> runtime -> dfc (CLI, API).

`dfc.source`, `dfc.errors`, `dfc.version`, `dfc.reference` and `dfc.platform` are the
foundation every layer may use; they import nothing but each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["grammar", "compiler", "cache", "runtime", "dfc"]
FOUNDATION = {"dfc.source", "dfc.errors", "dfc.version", "dfc.reference", "dfc.platform"}
FOLDERS = {"grammar": "grammar", "compiler": "compiler", "cache": "cache", "runtime": "runtime",
           "dfc": "src/dfc"}


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "dfc":
        return None
    if module in FOUNDATION or any(module.startswith(f + ".") for f in FOUNDATION):
        return None
    if len(parts) > 1 and parts[1] in ORDER[:-1]:
        return parts[1]
    return "dfc"


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, node.module)]
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return found


def test_no_module_imports_to_its_right() -> None:
    wrong: list[str] = []
    for layer, folder in FOLDERS.items():
        own = ORDER.index(layer)
        for path in (ROOT / folder).rglob("*.py"):
            if path.parent == ROOT / "src/dfc" and f"dfc.{path.stem}" in FOUNDATION:
                own_rank = -1
            else:
                own_rank = own
            for line, module in imports_of(path):
                target = layer_of(module)
                if target is not None and ORDER.index(target) > own_rank:
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not wrong, "\n".join(wrong)


def test_bare_folder_imports_are_banned() -> None:
    wrong: list[str] = []
    for folder in FOLDERS.values():
        for path in (ROOT / folder).rglob("*.py"):
            for line, module in imports_of(path):
                if module.split(".")[0] in {"grammar", "compiler", "cache", "runtime"}:
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not wrong, "\n".join(wrong)


IO_MODULES = {"os", "sys", "io", "pathlib", "subprocess", "shutil", "tempfile", "glob",
              "socket", "urllib", "http", "tomllib", "yaml", "pathspec"}
IO_BUILTINS = {"open", "print", "input"}


def test_lint_analysis_does_no_io() -> None:
    """compiler/lint/ is analysis over the AST and Plan: files, processes, the
    environment and rendering are the front end's (dfc.lint)."""
    wrong: list[str] = []
    for path in (ROOT / "compiler" / "lint").rglob("*.py"):
        where = path.relative_to(ROOT)
        for line, module in imports_of(path):
            if module.split(".")[0] in IO_MODULES:
                wrong.append(f"{where}:{line} imports {module}")
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                    node.func.id in IO_BUILTINS:
                wrong.append(f"{where}:{node.lineno} calls {node.func.id}()")
    assert not wrong, "\n".join(wrong)


# Inside runtime/: what each sub-package or top module may import (the map in
# docs/design-notes.md). Everything not listed (executor, contexts, explain) may use all.
RUNTIME_MAY_IMPORT: dict[str, set[str]] = {
    "linux": set(),
    "fetch": set(),
    "events": set(),
    "secrets": set(),
    "waiting": set(),
    "fs": {"linux"},
    "network": {"linux"},
    "images": {"fs", "fetch", "linux"},
    "registry": {"images", "fs", "fetch", "linux", "events", "waiting"},
    "sandbox": {"fs", "network", "linux"},
    "steps": {"sandbox", "network", "fs", "images", "fetch", "secrets", "linux"},
    "containers": {"sandbox", "network", "images", "registry", "fs", "linux", "events",
                   "emulation"},
    "emulation": {"linux"},
}


def _runtime_part(module: str) -> str | None:
    parts = module.split(".")
    if parts[:2] != ["dfc", "runtime"] or len(parts) < 3:
        return None
    return parts[2]


def test_runtime_rooms_import_downwards_only() -> None:
    wrong: list[str] = []
    runtime = ROOT / "runtime"
    for path in runtime.rglob("*.py"):
        rel = path.relative_to(runtime)
        own = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        allowed = RUNTIME_MAY_IMPORT.get(own)
        if allowed is None:
            continue
        for line, module in imports_of(path):
            target = _runtime_part(module)
            if target is not None and target != own and target not in allowed \
                    and ((runtime / target).exists() or (runtime / f"{target}.py").exists()):
                wrong.append(f"{path.relative_to(ROOT)}:{line} ({own}) imports {module}")
    assert not wrong, "\n".join(wrong)


def test_runtime_map_names_every_room() -> None:
    """A new sub-package must get a line in the map (and in the design notes)."""
    rooms = {p.name for p in (ROOT / "runtime").iterdir()
             if p.is_dir() and (p / "__init__.py").exists()}
    top = {p.stem for p in (ROOT / "runtime").glob("*.py")} - {"__init__"}
    unlisted = rooms - set(RUNTIME_MAY_IMPORT)
    assert not unlisted, f"runtime sub-packages missing from RUNTIME_MAY_IMPORT: {unlisted}"
    assert len(top) <= 10, f"runtime/ has {len(top)} top-level modules: {sorted(top)}"
