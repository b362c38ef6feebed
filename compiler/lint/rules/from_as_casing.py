"""`AS` should have the casing of `FROM` (BuildKit: FromAsCasing).

Catches:

    FROM alpine:3.20 as build

Fix (safe): `as` is rewritten as `AS` (or the reverse for a lowercase `from`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfc.compiler.lint.fixes import find_in, replace
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast


def from_as_casing(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        node: ast.From = stage.node
        if node.name is None:
            continue
        span = find_in(lint, node.span, rf"\s(as)\s+{re.escape(node.name)}\s*$", re.IGNORECASE)
        if span is None:
            continue
        word = lint.source.line_text(span.line)[span.column - 1:span.end_column - 1]
        if node.keyword.isupper() and word != "AS":
            yield Hit(span, f"'{word}' and '{node.keyword}' keywords' casing do not match",
                      replace(span, "AS", "write `AS`"))
        elif node.keyword.islower() and word != "as":
            yield Hit(span, f"'{word}' and '{node.keyword}' keywords' casing do not match",
                      replace(span, "as", "write `as`"))
