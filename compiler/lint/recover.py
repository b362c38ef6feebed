"""Parse what can be parsed: a syntax error costs one instruction, not the whole file.

On a ParseError the failing instruction's lines are blanked (line numbers stay) and the
file is parsed again, until it parses; every error becomes a finding. An unterminated
heredoc swallows the rest of the file, as it would in a build.
"""

from __future__ import annotations

from dfc.compiler.checks import parse_checked
from dfc.errors import ParseError
from dfc.grammar import ast
from dfc.grammar.lines import prelex

MAX_ERRORS = 100


def _lines_of(text: str, line: int) -> tuple[int, int]:
    """First and last source line of the instruction that holds `line`."""
    try:
        logical_lines = prelex(text).lines
    except ParseError:
        return line, line
    for logical in logical_lines:
        first = logical.places[0][0]
        if first <= line <= logical.end[0]:
            return first, logical.end[0]
    return line, line


def parse_recovering(text: str, filename: str
                     ) -> tuple[ast.Dockerfile | None, str, list[ParseError]]:
    """The AST of every instruction that parses, the text it was parsed from (failing
    instructions blanked, same line numbers), and the errors of the others.

    >>> tree, _, errors = parse_recovering("FROM a\\nRUNN x\\nRUN y\\n", "Dockerfile")
    >>> [type(i).__name__ for i in tree.instructions], [str(e.span) for e in errors]
    (['From', 'Run'], ['2:1'])
    """
    lines = text.split("\n")
    errors: list[ParseError] = []
    while len(errors) < MAX_ERRORS:
        current = "\n".join(lines)
        try:
            return parse_checked(current, filename), current, errors
        except ParseError as exc:
            errors.append(exc)
            if exc.span is None or not any(line.strip() for line in lines):
                return None, current, errors
            if exc.message == "unterminated heredoc":
                first, last = exc.span.line, len(lines)
            else:
                first, last = _lines_of("\n".join(lines), exc.span.line)
            for index in range(first - 1, min(last, len(lines))):
                lines[index] = ""
    return None, "\n".join(lines), errors
