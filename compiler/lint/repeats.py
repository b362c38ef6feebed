"""Instructions that only count once per stage (CMD, ENTRYPOINT, HEALTHCHECK)."""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast


def repeated(lint: Lint, kind: type[ast.Instruction], what: str) -> Iterator[Hit]:
    """A hit on every `kind` instruction after the first in its stage: only the last one
    takes effect."""
    for stage in lint.stages:
        nodes = [n for n in stage.instructions if isinstance(n, kind)]
        for node in nodes[1:]:
            yield Hit(node.span, f"Multiple {what} instructions found in stage {stage.id}: "
                      f"only the last one takes effect (first on line {nodes[0].span.line})")
