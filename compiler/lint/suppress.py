"""Suppression comments: dfc's own, hadolint's and BuildKit's, with their scopes.

    # dfc ignore=DFC301,SC2086  reason        the next instruction
    # dfc stage ignore=DFC219  reason         above FROM: the whole stage
    # dfc global ignore=DFC222  reason        the whole file
    # hadolint ignore=DL3003 / hadolint global|stage ignore=...
    # check=skip=JSONArgsRecommended // reason   the next instruction (above FROM: the stage)
    # check=skip=...  as the file's parser directive: the whole file

Codes may be given by any name of a rule (code, name, DL alias, BuildKit name).
A suppression that suppresses nothing is reported (DFC002), so stale ones go away.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import msgspec

from dfc.compiler.lint.codes import matches, resolve
from dfc.compiler.lint.model import Finding
from dfc.errors import UsageError
from dfc.grammar import ast
from dfc.grammar.directives import DIRECTIVE, KNOWN
from dfc.source import Span

PRAGMA = re.compile(r"^(\s*#\s*)(dfc|hadolint)\s+(?:(global|stage)\s+)?ignore\s*=\s*"
                    r"([A-Za-z0-9_\-]+(?:\s*,\s*[A-Za-z0-9_\-]+)*)")
CHECK = re.compile(r"^(\s*#\s*)check\s*=\s*(\S*)")


class Entry(msgspec.Struct):
    """One code of a suppression comment: as written, what it names, where it is."""

    text: str
    codes: set[str]
    span: Span
    used: bool = False


class Suppression(msgspec.Struct):
    first: int
    last: int
    entries: list[Entry]
    pragma: Span


def _skip_list(value: str) -> str:
    """The `skip=` part of a `check=` value (`skip=A,B;error=true` -> `A,B`)."""
    for part in value.split(";"):
        key, _, names = part.partition("=")
        if key.strip() == "skip":
            return names
    return ""


def _entries(line: int, column: int, text: str) -> list[Entry]:
    out = []
    for match in re.finditer(r"[A-Za-z0-9_\-]+", text):
        word = match.group(0)
        try:
            codes = resolve(word) if word.lower() != "all" else resolve("ALL") | {"SC"}
        except UsageError:
            codes = set()
        start = column + match.start()
        out.append(Entry(word, codes, Span(line, start, line, start + len(word))))
    return out


def _directive_lines(lines: list[str]) -> int:
    """How many lines the parser-directive header takes."""
    count = 0
    for line in lines:
        match = DIRECTIVE.match(line.lstrip())
        if match is None or match.group(1).lower() not in KNOWN:
            break
        count += 1
    return count


def _heredoc_lines(tree: ast.Dockerfile) -> set[int]:
    lines: set[int] = set()
    nodes: list[ast.AnyInstruction] = list(tree.instructions)
    nodes += [n.trigger for n in tree.instructions
              if isinstance(n, ast.Onbuild) and n.trigger is not None]
    for node in nodes:
        for doc in getattr(node, "heredocs", ()):
            count = doc.body.count("\n")
            lines.update(range(doc.span.end_line - count, doc.span.end_line + 1))
    return lines


def collect(text: str, tree: ast.Dockerfile, stage_ends: dict[int, int]) -> list[Suppression]:
    """Every suppression of a file. `stage_ends` maps a FROM line to its stage's last
    line."""
    lines = text.split("\n")
    heredoc = _heredoc_lines(tree)
    starts = sorted((n.span.line, n.span.end_line, isinstance(n, ast.From))
                    for n in tree.instructions)
    last_line = len(lines)
    found: list[Suppression] = []
    header = _directive_lines(lines)
    for number, line in enumerate(lines, start=1):
        if number in heredoc or not line.lstrip().startswith("#"):
            continue
        pragma = PRAGMA.match(line)
        check = CHECK.match(line)
        if pragma is not None:
            scope = pragma.group(3)
            column = pragma.start(4) + 1
            entries = _entries(number, column, pragma.group(4))
        elif check is not None:
            names = _skip_list(check.group(2))
            if not names:
                continue
            scope = "global" if number <= header else None
            column = line.index(names, check.start(2)) + 1
            entries = _entries(number, column, names)
        else:
            continue
        span = Span(number, len(line) - len(line.lstrip()) + 1, number, len(line) + 1)
        if scope == "global":
            found.append(Suppression(1, last_line, entries, span))
            continue
        following = next(((s, e, is_from) for s, e, is_from in starts if s > number), None)
        if following is None:
            found.append(Suppression(0, -1, entries, span))
            continue
        first, last, is_from = following
        if is_from and (scope == "stage" or pragma is None):
            last = stage_ends.get(first, last)
        found.append(Suppression(first, last, entries, span))
    return found


def apply(findings: Iterable[Finding], suppressions: list[Suppression]) -> list[Finding]:
    """The findings no suppression covers; marks the entries that were used."""
    kept = []
    for finding in findings:
        hit = False
        for suppression in suppressions:
            if not suppression.first <= finding.span.line <= suppression.last:
                continue
            for entry in suppression.entries:
                if matches(entry.codes, finding.code):
                    entry.used = True
                    hit = True
        if not hit:
            kept.append(finding)
    return kept
