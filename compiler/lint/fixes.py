"""Building and applying fixes: edits are source spans and replacement text.

Fixes edit the text where the finding is (a word inserted after `install`, a keyword
replaced), so comments, continuations and layout elsewhere stay byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable

from dfc.compiler.lint.model import Edit, Fix
from dfc.compiler.lint.rule import Lint
from dfc.compiler.lint.shell import Word
from dfc.grammar import ast
from dfc.source import Span


def insert_after(lint: Lint, run: ast.Run, word: Word, text: str, description: str) -> Fix:
    """Insert `text` right after a word of a RUN."""
    at = lint.span_in(run, word.end, word.end)
    return Fix(description, (Edit(Span(at.line, at.column, at.line, at.column), text),))


def replace(span: Span, text: str, description: str) -> Fix:
    return Fix(description, (Edit(span, text),))


def keyword_span(node: ast.Instruction) -> Span:
    """The span of an instruction's keyword (instructions start with it)."""
    line, column = node.span.line, node.span.column
    return Span(line, column, line, column + len(node.keyword))


def _offsets(text: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    return starts


def apply_edits(text: str, edits: Iterable[Edit]) -> tuple[str, int]:
    """Apply non-overlapping edits (later ones that overlap an applied one are skipped);
    returns the new text and how many edits were applied.

    >>> edits = [Edit(Span(2, 5, 2, 6), "c"), Edit(Span(1, 1, 1, 4), "run")]
    >>> apply_edits("RUN a\\nRUN b\\n", edits)
    ('run a\\nRUN c\\n', 2)
    """
    starts = _offsets(text)

    def offset(line: int, column: int) -> int:
        if line > len(starts):
            return len(text)
        return min(starts[line - 1] + column - 1, len(text))

    ranges = sorted(((offset(e.span.line, e.span.column),
                      offset(e.span.end_line, e.span.end_column), e.text) for e in edits),
                    key=lambda r: (r[0], r[1]))
    chosen: list[tuple[int, int, str]] = []
    for start, end, new in ranges:
        if chosen and start < chosen[-1][1]:
            continue
        if chosen and start == chosen[-1][0] == chosen[-1][1] == end:
            continue
        chosen.append((start, end, new))
    for start, end, new in reversed(chosen):
        text = text[:start] + new + text[end:]
    return text, len(chosen)


def find_in(lint: Lint, span: Span, pattern: str, flags: int = 0) -> Span | None:
    """The span of group 1 of the first match of `pattern` on the source lines of
    `span` (each line searched on its own, from the span's start)."""
    import re

    regex = re.compile(pattern, flags)
    for line in range(span.line, span.end_line + 1):
        text = lint.source.line_text(line)
        start = span.column - 1 if line == span.line else 0
        match = regex.search(text, start)
        if match:
            return Span(line, match.start(1) + 1, line, match.end(1) + 1)
    return None
