"""Fixtures: lint a Dockerfile text the way `dfc lint` does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from dfc.compiler.lint.config import LintConfig, Overrides, options
from dfc.compiler.lint.engine import FileReport
from dfc.compiler.lint.model import Finding
from dfc.compiler.lint.rule import Surroundings
from dfc.lint.engine import lint_text


def lint(text: str, *, select: tuple[str, ...] = ("ALL",), shellcheck: bool = False,
         surroundings: Surroundings | None = None, config: dict[str, Any] | None = None,
         **overrides: Any) -> FileReport:
    raw = {key.replace("_", "-"): value for key, value in (config or {}).items()}
    conf = msgspec.convert(raw, LintConfig)
    opts = options(conf, Overrides(select=select, shellcheck=shellcheck, **overrides))
    return lint_text(text, opts, "Dockerfile", surroundings)


def findings(text: str, code: str, **kwargs: Any) -> list[Finding]:
    """The findings of one rule (selected alone, so other rules cannot interfere)."""
    return [f for f in lint(text, select=(code,), **kwargs).findings if f.code == code]


@pytest.fixture(name="lint")
def lint_fixture() -> Callable[..., FileReport]:
    return lint


@pytest.fixture(name="findings")
def findings_fixture() -> Callable[..., list[Finding]]:
    return findings
