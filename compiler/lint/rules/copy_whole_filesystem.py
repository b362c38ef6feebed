"""`COPY --from=X / /` copies a whole filesystem (hadolint DL3067).

It overlays another image's entire root (passwd, package database, libraries) on
this one; copy the directories you need instead.

Catches:

    COPY --from=build / /
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast


def copy_whole_filesystem(lint: Lint) -> Iterator[Hit]:
    for _, node in lint.nodes(ast.Copy):
        if node.from_ is not None and node.dest.rstrip("/") == "" and \
                any(s.rstrip("/") in ("", ".") for s in node.sources):
            yield Hit(node.span, "Do not copy an entire filesystem from another stage or image")
