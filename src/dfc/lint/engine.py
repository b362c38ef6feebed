"""The lint engine with the real ShellCheck pass: `shellcheck` runs once for all files,
or is skipped with one notice when the binary is missing."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dfc.compiler.lint import engine
from dfc.compiler.lint.config import Options
from dfc.compiler.lint.engine import FileInput, FileReport
from dfc.compiler.lint.rule import Surroundings
from dfc.lint import shellcheck


def lint_files(items: Sequence[FileInput],
               notice: Callable[[str], None] | None = None) -> list[FileReport]:
    """Lint every file, ShellCheck included when it is on and installed."""
    want = engine.wants_shellcheck(items)
    have = want and shellcheck.available()
    if want and not have and notice is not None:
        notice("shellcheck not found: the ShellCheck pass (SC codes) is skipped")
    return engine.lint_files(items, shellcheck.check if have else None)


def lint_text(text: str, options: Options, name: str = "Dockerfile",
              surroundings: Surroundings | None = None) -> FileReport:
    """Lint one Dockerfile text (the API and tests' entry point)."""
    return lint_files([FileInput(name, text, options, surroundings or Surroundings())])[0]
