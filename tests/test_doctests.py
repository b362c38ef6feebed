"""Every module's docstring examples run as tests (the sqlglot habit of DESIGN.md)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import tomllib
from pathlib import Path

import pytest

PYPROJECT = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())


def all_modules() -> list[str]:
    names = set()
    for package in PYPROJECT["tool"]["setuptools"]["packages"]:
        module = importlib.import_module(package)
        names.add(package)
        names.update(f"{package}.{info.name}" for info in pkgutil.iter_modules(module.__path__)
                     if not info.ispkg)
    return sorted(names)


@pytest.mark.parametrize("name", all_modules())
def test_module_doctests(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
