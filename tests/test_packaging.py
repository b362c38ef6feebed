"""The package layout of DESIGN.md: every package folder is declared, and importable."""

from __future__ import annotations

import importlib
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PACKAGE_DIRS = PYPROJECT["tool"]["setuptools"]["package-dir"]


def package_folders() -> dict[str, Path]:
    """Every folder with an __init__.py under a mapped root, by its dotted package name."""
    found: dict[str, Path] = {}
    for package, folder in PACKAGE_DIRS.items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            rel = init.parent.relative_to(base)
            name = ".".join((package, *rel.parts)) if rel.parts else package
            found[name] = init.parent
    return found


def test_every_package_folder_is_listed() -> None:
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert set(package_folders()) == listed


def test_every_listed_package_imports() -> None:
    for name in PYPROJECT["tool"]["setuptools"]["packages"]:
        module = importlib.import_module(name)
        assert module.__doc__, f"{name} needs a docstring saying what it is for"


def test_console_script_points_at_the_client() -> None:
    """`dfc` starts in the daemon client, which loads the CLI only when no daemon serves."""
    assert PYPROJECT["project"]["scripts"]["dfc"] == "dfc.client:main"


def test_the_client_loads_no_library_before_choosing() -> None:
    """Every command pays for what the client imports: the interpreter's C modules only."""
    heavy = {"typer", "click", "rich", "msgspec", "lark", "networkx", "httpx", "typing",
             "socket", "signal", "json", "struct"}
    code = ("import sys, dfc.client; "
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {heavy!r}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout == "[]\n"


def test_the_package_says_it_is_typed() -> None:
    """PEP 561: type checkers read dfc's annotations only when py.typed is installed."""
    from importlib.resources import files

    assert files("dfc").joinpath("py.typed").is_file()
