"""Source text and locations: what every error and finding points at.

This module and errors.py are the foundation layer: every folder may import them.
"""

from __future__ import annotations

import msgspec


class Span(msgspec.Struct, frozen=True, array_like=True):
    """A region of the source: 1-based lines and columns, `end_column` exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"


class Source(msgspec.Struct, frozen=True):
    """A named text whose lines can be shown under an error."""

    name: str
    text: str

    def line_text(self, line: int) -> str:
        lines = self.text.split("\n")  # only \n ends a Dockerfile line
        if 1 <= line <= len(lines):
            return lines[line - 1].removesuffix("\r")
        return ""


def excerpt(source: Source, span: Span) -> str:
    """The source line of `span` with a caret underline, in rustc/ruff style.

    >>> print(excerpt(Source("Dockerfile", "FROM x\\nRUNN echo hi\\n"), Span(2, 1, 2, 5)))
      |
    2 | RUNN echo hi
      | ^^^^
    """
    text = source.line_text(span.line).expandtabs(1)
    gutter = " " * len(str(span.line))
    start = max(span.column, 1)
    if span.end_line == span.line and span.end_column > start:
        width = span.end_column - start
    else:
        width = max(len(text) - start + 1, 1)
    width = max(1, min(width, max(len(text) - start + 1, 1)))
    return (
        f"{gutter} |\n"
        f"{span.line} | {text}\n"
        f"{gutter} | {' ' * (start - 1)}{'^' * width}"
    )
