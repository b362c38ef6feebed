"""An ARG is declared but can have no effect.

A global ARG that no FROM line uses and no stage redeclares is invisible everywhere.
A stage ARG matters to the instructions that expand it and, as environment, to the
RUNs after it: one declared after the last RUN of its stage (and of the stages built
on it) and never expanded does nothing. (`--build-arg` values no ARG takes are
reported by the build itself.)

Catches:

    ARG DEBIAN_VERSION=12
    FROM alpine:3.20
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint, StageFacts
from dfc.compiler.lint.variables import uses
from dfc.errors import DfcError
from dfc.grammar import ast
from dfc.grammar.words import expand_word


def _from_uses(lint: Lint) -> set[str]:
    used: set[str] = set()
    for stage in lint.stages:
        for text in (stage.node.image, stage.node.platform or ""):
            try:
                used |= expand_word(text, {}, lint.tree.directives.escape).used
            except DfcError:
                continue
    return used


def _descendants(lint: Lint, stage: StageFacts) -> list[StageFacts]:
    return [s for s in lint.stages if s is not stage and stage in lint.chain(s)]


def unused_arg(lint: Lint) -> Iterator[Hit]:
    from_uses = _from_uses(lint)
    redeclared = {d.name for s in lint.stages for n in s.instructions
                  if isinstance(n, ast.Arg) for d in n.args}
    for arg in lint.prelude:
        for decl in arg.args:
            if decl.name not in from_uses and decl.name not in redeclared:
                yield Hit(decl.span, f"Global ARG {decl.name} is never used: no FROM uses it "
                          "and no stage redeclares it")
    for stage in lint.stages:
        later_stages = _descendants(lint, stage)
        for index, node in enumerate(stage.instructions):
            if not isinstance(node, ast.Arg):
                continue
            after = list(stage.instructions[index + 1:]) + \
                [n for s in later_stages for n in s.instructions]
            if any(isinstance(n, ast.Run) for n in after):
                continue
            read = {u.name for n in after for u in uses(lint, n)}
            for decl in node.args:
                if decl.name not in read:
                    yield Hit(decl.span, f"ARG {decl.name} is never used: nothing after it "
                              "expands it and no RUN follows")
