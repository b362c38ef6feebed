"""Empty continuation line (BuildKit: NoEmptyContinuation).

An empty line inside a backslash-continued instruction is dropped by the parser today, but
BuildKit will make it an error; it usually means a continuation was left behind.

Catches:

    RUN apt-get update && \

        apt-get install -y curl

Fix (safe): the empty line is removed.
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.fixes import replace
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.source import Span


def empty_continuation(lint: Lint) -> Iterator[Hit]:
    for warning in lint.tree.warnings:
        if warning.code == "NoEmptyContinuation":
            line = warning.span.line
            yield Hit(warning.span, "Empty continuation line",
                      replace(Span(line, 1, line + 1, 1), "", "remove the empty line"))
