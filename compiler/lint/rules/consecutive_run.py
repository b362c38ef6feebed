"""Consecutive RUNs that could be one (hadolint DL3059).

Each RUN is a layer; two simple RUNs in a row with the same flags usually belong
together. Comments in between do not break the sequence; a RUN that already chains
several commands does (it was split on purpose).

Catches:

    RUN apt-get update
    RUN apt-get install -y curl
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast


def _simple(lint: Lint, run: ast.Run) -> bool:
    script = lint.script(run)
    return script is not None and len(script.commands) <= 1 and not run.heredocs


def _flags(run: ast.Run) -> tuple[object, ...]:
    return (run.mounts and tuple((m.type, m.options) for m in run.mounts), run.network,
            run.security, run.devices)


def consecutive_run(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        previous: ast.Run | None = None
        for node in stage.instructions:
            if isinstance(node, ast.Run):
                if previous is not None and _simple(lint, previous) and _simple(lint, node) \
                        and _flags(previous) == _flags(node):
                    yield Hit(node.span, "Multiple consecutive `RUN` instructions. Consider "
                              "consolidation.")
                previous = node
            else:
                previous = None
