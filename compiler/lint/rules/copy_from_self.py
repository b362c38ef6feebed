"""COPY --from names its own stage (hadolint DL3023).

A stage cannot copy from itself: the build fails with a dependency cycle.

Catches:

    FROM alpine:3.20 AS app
    COPY --from=app /a /b
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast


def copy_from_self(lint: Lint) -> Iterator[Hit]:
    for stage, node in lint.nodes(ast.Copy):
        if node.from_ is not None and lint.stage_named(node.from_) is stage:
            yield Hit(node.span, "`COPY --from` cannot reference its own `FROM` alias")
