"""Instruction keywords should all have one casing (BuildKit: ConsistentInstructionCasing).

Keywords are case-insensitive, but a file mixing `RUN` and `run`, or writing `Run`,
is harder to read. The file's majority casing wins (uppercase on a tie).

Catches:

    FROM alpine:3.20
    run echo hi

Fix (safe): the keyword is rewritten in the majority casing.
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.fixes import keyword_span, replace
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast


def _keywords(lint: Lint) -> Iterator[ast.Instruction]:
    for node in lint.tree.instructions:
        yield node
        if isinstance(node, ast.Onbuild) and node.trigger is not None:
            yield node.trigger


def instruction_casing(lint: Lint) -> Iterator[Hit]:
    nodes = list(_keywords(lint))
    lower = sum(1 for n in nodes if n.keyword.islower())
    upper = sum(1 for n in nodes if n.keyword.isupper())
    want_upper = upper >= lower
    for node in nodes:
        word = node.keyword
        good = word.isupper() if want_upper else word.islower()
        if not good:
            fixed = word.upper() if want_upper else word.lower()
            casing = "uppercase" if want_upper else "lowercase"
            span = keyword_span(node)
            yield Hit(span, f"Command '{word}' should match the case of the command majority "
                      f"({casing})", replace(span, fixed, f"write `{fixed}`"))

