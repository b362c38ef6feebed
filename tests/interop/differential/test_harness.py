"""The harness's own examples (the docstrings of conftest.py beside this file): how Docker
20.10's history spellings map to the current ones must itself be right."""

from __future__ import annotations

import doctest
import importlib.util
from pathlib import Path


def test_harness_doctests() -> None:
    spec = importlib.util.spec_from_file_location(
        "difftest_harness", Path(__file__).with_name("conftest.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = doctest.testmod(module)
    assert result.attempted >= 2 and result.failed == 0
