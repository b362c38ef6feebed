"""Parser directives (`# syntax=`, `# escape=`, `# check=`) and where they count.

Directives are only read at the very top of the file: scanning stops for good at the first
line that is not a recognised directive (an instruction, a blank line, a plain comment).
"""

from __future__ import annotations

import re

from dfc.errors import ParseError
from dfc.grammar.ast import Directives
from dfc.source import Span

DIRECTIVE = re.compile(r"^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$")
KNOWN = ("syntax", "escape", "check")


def scan_directives(lines: list[str]) -> tuple[Directives, int]:
    """Read the directive region; return the directives and how many lines it used.

    >>> scan_directives(["# escape=`", "FROM x"])
    (Directives(escape='`', syntax=None, check=None), 1)
    >>> scan_directives(["# hello", "# escape=`"])[0].escape
    '\\\\'
    """
    found: dict[str, str] = {}
    count = 0
    for number, line in enumerate(lines, start=1):
        match = DIRECTIVE.match(line.lstrip())
        if match is None or match.group(1).lower() not in KNOWN:
            break
        key, value = match.group(1).lower(), match.group(2)
        column = line.index("#") + 1
        span = Span(number, column, number, len(line) + 1)
        if key in found:
            raise ParseError(f"only one {key} parser directive can be used", span)
        if key == "escape" and value not in ("`", "\\"):
            raise ParseError(f"invalid escape token '{value}' does not match ` or \\", span)
        found[key] = value
        count = number
    directives = Directives(
        escape=found.get("escape", "\\"), syntax=found.get("syntax"), check=found.get("check")
    )
    if count == 0 and lines and lines[0].startswith("#!"):
        directives = _after_shebang(lines, directives)
    return directives, count


def _after_shebang(lines: list[str], directives: Directives) -> Directives:
    """BuildKit's syntax/check detector skips a first `#!` line; the escape scanner does not
    (so after a shebang `# escape=` is a plain comment, but `# syntax=`/`# check=` count).

    >>> _after_shebang(["#!/bin/x", "# check=skip=all", "# syntax=a/b"], Directives())
    Directives(escape='\\\\', syntax='a/b', check='skip=all')
    """
    found: dict[str, str] = {}
    for line in lines[1:]:
        match = DIRECTIVE.match(line)
        if match is None or match.group(1).lower() not in KNOWN:
            break
        found.setdefault(match.group(1).lower(), match.group(2))
    return Directives(escape=directives.escape, syntax=found.get("syntax"),
                      check=found.get("check"))
