"""The ShellCheck pass: every finding `shellcheck` reports on RUN scripts, located
exactly in the Dockerfile.

All scripts of a file go to one `shellcheck --format=json1` call, one temp file each;
a lint run makes one call per group of files (one group per CPU on large runs). A
script starts with `#!<shell>` (the stage's SHELL, or the heredoc's `#!`) and
`export NAMES` for the ARG/ENV names in scope, so SC2154 does not fire for them while
quoting advice still does (their values are not constants). Positions come back
through the source map: continuation lines and heredoc bodies map to their own lines.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
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

EXCLUDED = ("SC1090", "SC1091", "SC2187")
DIALECTS = {"sh": "sh", "bash": "bash", "dash": "dash", "ksh": "ksh", "mksh": "ksh",
            "ash": "dash", "busybox": "dash"}
PRELUDE_LINES = 2
MIN_BATCH = 100  # scripts per extra parallel shellcheck call


class ScHit(msgspec.Struct, frozen=True):
    """A located ShellCheck finding."""

    code: str
    severity: Severity
    hit: Hit


class Job:
    """One script for shellcheck and how to map its positions back."""

    def __init__(self, text: str, dialect: str, names: set[str],
                 locate: Callable[[int, int, int, int], Span]) -> None:
        exports = sorted(n for n in names if NAME.fullmatch(n))
        self.text = f"#!/bin/{dialect}\n" + (f"export {' '.join(exports)}" if exports else "") \
            + "\n" + text + ("" if text.endswith("\n") else "\n")
        self.locate = locate


def available() -> bool:
    return shutil.which("shellcheck") is not None


def _dialect(argv0: str) -> str | None:
    return DIALECTS.get(interpreter(argv0))


def jobs(lint: Lint) -> Iterator[Job]:
    """The scripts of every shell-form RUN of a file (exec form is not a script)."""
    for stage, run in lint.runs():
        command = run.command
        if not isinstance(command, ast.ShellForm):
            continue
        shell = shell_at(lint, stage, run)
        stage_dialect = _dialect(shell[0]) if shell else None
        names = names_before(lint, stage, run) | PROXIES
        if not is_lone_heredoc(run) and stage_dialect is not None:
            text = command.text + "".join(f"\n{d.body}{d.name}" for d in run.heredocs)
            yield Job(text, stage_dialect, names, _text_locator(lint, run))
        for body in bodies(run):
            dialect = _dialect(body.shell) if body.shell else stage_dialect
            if dialect is not None:
                yield Job(body.doc.body, dialect, names, _body_locator(body.doc))


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


LEVELS = {"error": Severity.error, "warning": Severity.warning, "info": Severity.info,
          "style": Severity.style}


def _groups(jobs: Sequence[Sequence[Job]], count: int) -> list[list[int]]:
    """Split file indexes into `count` groups of similar script counts (a file's scripts
    always stay in one shellcheck call)."""
    groups: list[list[int]] = [[] for _ in range(count)]
    sizes = [0] * count
    for index in sorted(range(len(jobs)), key=lambda i: -len(jobs[i])):
        smallest = sizes.index(min(sizes))
        groups[smallest].append(index)
        sizes[smallest] += len(jobs[index])
    return [sorted(g) for g in groups if g]


def check(per_file: Sequence[Sequence[Job]]) -> list[list[ScHit]]:
    """Run shellcheck over every file's scripts: one call per file group, the groups in
    parallel (one per CPU, for large runs); per file, its located findings."""
    results: list[list[ScHit]] = [[] for _ in per_file]
    total = sum(len(jobs) for jobs in per_file)
    if not total:
        return results
    count = max(1, min(os.cpu_count() or 1, total // MIN_BATCH))
    with tempfile.TemporaryDirectory(prefix="dfc-sc-") as tmp:
        running = []
        for number, group in enumerate(_groups(per_file, count)):
            names: dict[str, tuple[int, Job]] = {}
            for file in group:
                for index, job in enumerate(per_file[file]):
                    path = Path(tmp) / f"{number}-{file}-{index}.sh"
                    path.write_text(job.text)
                    names[path.name] = (file, job)
            proc = subprocess.Popen(
                ["shellcheck", "--format=json1", "--norc", "-e", ",".join(EXCLUDED),
                 *names], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                cwd=tmp)
            running.append((proc, names))
        for proc, names in running:
            out, _ = proc.communicate()
            for comment in json.loads(out or '{"comments": []}')["comments"]:
                file, job = names[comment["file"]]
                hit = _located(job, comment)
                if hit is not None:
                    results[file].append(hit)
    return results


def _located(job: Job, comment: dict[str, Any]) -> ScHit | None:
    line = comment["line"] - PRELUDE_LINES
    if line < 1:
        return None
    end_line = max(comment["endLine"] - PRELUDE_LINES, line)
    span = job.locate(line, comment["column"], end_line, comment["endColumn"])
    return ScHit(f"SC{comment['code']}", LEVELS.get(comment["level"], Severity.info),
                 Hit(span, comment["message"]))
