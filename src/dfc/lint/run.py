"""A `dfc lint` run: read the inputs, apply or show fixes, lint, render, and say whether
the findings fail the run. Output goes through the caller's `say` (stdout) and `note`
(stderr), so the CLI keeps its own echo."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import msgspec

from dfc.compiler.lint.config import Overrides
from dfc.lint.engine import lint_files
from dfc.lint.fixing import fixed, unified_diff
from dfc.lint.formats import FORMATS, tty
from dfc.lint.inputs import inputs
from dfc.lint.store import image_lookup


class LintRequest(msgspec.Struct, frozen=True, kw_only=True):
    """What the command line asks for (`fmt` is a key of FORMATS)."""

    paths: list[str]
    overrides: Overrides
    fmt: str = "tty"
    config: Path | None = None
    context: Path | None = None
    root: Path | None = None
    fix: bool = False
    diff: bool = False
    color: bool | None = None  # None: when stdout is a terminal and NO_COLOR is unset


def run(request: LintRequest, say: Callable[[str], None], note: Callable[[str], None]) -> int:
    """Lint as asked; the exit code: 1 when a finding is at or above the threshold (a
    result, not an error), else 0."""
    items = inputs(request.paths, request.config, request.overrides, request.context,
                   image_lookup(request.root))
    if request.fix or request.diff:
        for index, item in enumerate(items):
            text, count = fixed(item)
            if count and request.diff:
                say(unified_diff(item.name, item.text, text))
            if count and request.fix:
                if item.name == "-":
                    say(text)
                else:
                    Path(item.name).write_text(text)
                    note(f"fixed {count} problem{'s' if count != 1 else ''} in {item.name}")
            if request.fix:
                items[index] = msgspec.structs.replace(item, text=text)
        if request.diff:
            return 0
    reports = lint_files(items, note)
    color = request.color if request.color is not None else \
        sys.stdout.isatty() and "NO_COLOR" not in os.environ
    if request.overrides.codes == "hadolint":
        from dfc.lint.hadolint.report import exit_status, render

        say(render(reports, request.fmt, color))
        return exit_status(reports, request.fmt)
    if request.fmt == "tty":
        say(tty(reports, color))
    else:
        say(FORMATS[request.fmt](reports))
    return 1 if any(report.failed() for report in reports) else 0
