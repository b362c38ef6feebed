"""Offsets inside an instruction's joined text -> exact source spans.

The pre-lexer joins continuation lines and keeps, per logical line, where each piece
came from; an instruction's argument span gives where its text starts. Together they
locate any offset of a RUN's shell text (continuations and dropped comment lines
included). Heredoc bodies are plain consecutive lines after the instruction.
"""

from __future__ import annotations

from dfc.grammar import ast
from dfc.grammar.lines import LogicalLine, prelex
from dfc.source import Span


class SourceMap:
    """The logical lines of one file, looked up by the source position of any offset."""

    def __init__(self, text: str) -> None:
        self.lines = prelex(text).lines
        self._by_line: dict[int, LogicalLine] = {}
        for logical in self.lines:
            for line, _ in logical.places:
                self._by_line.setdefault(line, logical)

    def _find(self, span: Span) -> tuple[LogicalLine, int] | None:
        """The logical line holding `span`'s start and the offset of that start."""
        logical = self._by_line.get(span.line)
        if logical is None:
            return None
        for start, (line, column) in zip(logical.starts, logical.places, strict=True):
            if line == span.line and column <= span.column:
                return logical, start + span.column - column
        return None

    def text_span(self, command: ast.ShellForm, start: int, end: int) -> Span:
        """The span of `command.text[start:end]`."""
        found = self._find(command.span)
        if found is None:
            return command.span
        logical, base = found
        return logical.span(base + start, base + end)


def heredoc_position(doc: ast.Heredoc, line: int, column: int) -> tuple[int, int]:
    """Source (line, column) of a 1-based position inside `doc.body`: the body's lines
    are the source lines right above its terminator line."""
    count = doc.body.count("\n") or (1 if doc.body else 0)
    return doc.span.end_line - count + line - 1, column
