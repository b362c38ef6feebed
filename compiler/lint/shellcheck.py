"""The ShellCheck pass: the scripts of every shell-form RUN, and every finding
`shellcheck` reports on them located exactly in the Dockerfile.

Running `shellcheck` is the front end's job (`dfc.lint.shellcheck`): the engine hands
it each file's `Job`s and gets `ScHit`s back (a `ScriptCheck`). A script starts with
`#!<shell>` (the stage's SHELL, or the heredoc's `#!`) and `export NAMES` for the
ARG/ENV names in scope, so SC2154 does not fire for them while quoting advice still
does (their values are not constants). Positions come back through the source map:
continuation lines and heredoc bodies map to their own lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import msgspec

from dfc.compiler.lint.model import Hit, Severity
from dfc.compiler.lint.rule import Lint
from dfc.compiler.lint.runtext import bodies, interpreter, is_lone_heredoc
from dfc.compiler.lint.shell import NAME
from dfc.compiler.lint.sourcemap import heredoc_position
from dfc.compiler.lint.variables import PROXIES, names_before, shell_at
from dfc.grammar import ast
from dfc.source import Span

DIALECTS = {"sh": "sh", "bash": "bash", "dash": "dash", "ksh": "ksh", "mksh": "ksh",
            "ash": "dash", "busybox": "dash"}
PRELUDE_LINES = 2


class ScHit(msgspec.Struct, frozen=True):
    """A located ShellCheck finding."""

    code: str
    severity: Severity
    hit: Hit


class Job:
    """One script for shellcheck and how to map its positions back."""

    def __init__(self, text: str, dialect: str, names: set[str],
                 locate: Callable[[int, int, int, int], Span], constants: bool = False) -> None:
        exports = sorted(n + ("=1" if constants else "") for n in names if NAME.fullmatch(n))
        self.text = f"#!/bin/{dialect}\n" + (f"export {' '.join(exports)}" if exports else "") \
            + "\n" + text + ("" if text.endswith("\n") else "\n")
        self.locate = locate


def _dialect(argv0: str) -> str | None:
    return DIALECTS.get(interpreter(argv0))


def jobs(lint: Lint, constants: bool = False) -> Iterator[Job]:
    """The scripts of every shell-form RUN of a file (exec form is not a script).
    `constants` (the hadolint mode) exports the ARG/ENV names with a constant value, as
    hadolint does, so ShellCheck gives no quoting advice for them either."""
    for stage, run in lint.runs():
        command = run.command
        if not isinstance(command, ast.ShellForm):
            continue
        shell = shell_at(lint, stage, run)
        stage_dialect = _dialect(shell[0]) if shell else None
        names = names_before(lint, stage, run) | PROXIES
        if not is_lone_heredoc(run) and stage_dialect is not None:
            text = command.text + "".join(f"\n{d.body}{d.name}" for d in run.heredocs)
            yield Job(text, stage_dialect, names, _text_locator(lint, run), constants)
        for body in bodies(run):
            dialect = _dialect(body.shell) if body.shell else stage_dialect
            if dialect is not None:
                yield Job(body.doc.body, dialect, names, _body_locator(body.doc), constants)


def _text_locator(lint: Lint, run: ast.Run) -> Callable[[int, int, int, int], Span]:
    assert isinstance(run.command, ast.ShellForm)
    command = run.command
    docs = run.heredocs

    def point(line: int, column: int) -> tuple[int, int]:
        if line <= 1:
            span = lint.source_map.text_span(command, column - 1, column - 1)
            return span.line, span.column
        line -= 2
        for doc in docs:
            count = doc.body.count("\n") + 1
            if line < count:
                return heredoc_position(doc, line + 1, column)
            line -= count
        return run.span.end_line, column

    def locate(line: int, column: int, end_line: int, end_column: int) -> Span:
        start = point(line, column)
        end = point(end_line, end_column)
        return Span(*start, *end) if end >= start else Span(*start, start[0], start[1] + 1)

    return locate


def _body_locator(doc: ast.Heredoc) -> Callable[[int, int, int, int], Span]:
    def locate(line: int, column: int, end_line: int, end_column: int) -> Span:
        start = heredoc_position(doc, line, column)
        end = heredoc_position(doc, end_line, end_column)
        return Span(*start, *end)

    return locate


ScriptCheck = Callable[[Sequence[Sequence[Job]]], list[list[ScHit]]]
"""Check every file's scripts; per file, its located findings."""

LEVELS = {"error": Severity.error, "warning": Severity.warning, "info": Severity.info,
          "style": Severity.style}


def located(job: Job, comment: dict[str, Any]) -> ScHit | None:
    """One comment of `shellcheck --format=json1` on `job`, at its place in the
    Dockerfile (None for the prelude's lines)."""
    line = comment["line"] - PRELUDE_LINES
    if line < 1:
        return None
    end_line = max(comment["endLine"] - PRELUDE_LINES, line)
    span = job.locate(line, comment["column"], end_line, comment["endColumn"])
    return ScHit(f"SC{comment['code']}", LEVELS.get(comment["level"], Severity.info),
                 Hit(span, comment["message"]))
