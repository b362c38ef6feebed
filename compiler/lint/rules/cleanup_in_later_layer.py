"""Files deleted in a later RUN than the one that made them.

Each instruction is a layer; deleting in RUN n+1 what RUN n (or a COPY) wrote only
hides it: the bytes still ship in the earlier layer. Delete in the same RUN, or use a
cache/tmpfs mount, or a multi-stage build.

Catches:

    RUN apt-get update && apt-get install -y --no-install-recommends curl
    RUN rm -rf /var/lib/apt/lists/*
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from dfc.compiler.lint.commands import positionals
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.compiler.lint.writes import stage_writes
from dfc.grammar import ast


def _target(path: str) -> str:
    return posixpath.normpath(path.rstrip("*").rstrip("/") or "/")


def cleanup_in_later_layer(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        writes = [w for w in stage_writes(lint, stage).writes if w.specific]
        for node in stage.instructions:
            if not isinstance(node, ast.Run):
                continue
            for command in lint.commands(node):
                if command.name != "rm":
                    continue
                for word in positionals(command):
                    target = _target(word.value)
                    if not target.startswith("/") or target == "/":
                        continue
                    earlier = [w for w in writes if w.line < node.span.line and
                               (w.path == target or w.path.startswith(target + "/"))]
                    if earlier:
                        yield Hit(node.span, f"Deleting {word.value} here does not make the "
                                  f"image smaller: line {earlier[0].line} wrote it in an earlier "
                                  "layer; delete it in that same instruction")
                        break
