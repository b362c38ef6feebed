"""ENV refers to a variable it defines itself (hadolint DL3044).

All pairs of one ENV see the environment from before the instruction, so
`ENV A=1 B=$A` sets B to the *old* A (usually empty). Split it in two ENVs.

Catches:

    ENV PREFIX=/opt/app BIN=$PREFIX/bin

Instead:

    ENV PREFIX=/opt/app
    ENV BIN=$PREFIX/bin
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.compiler.lint.variables import names_before
from dfc.errors import DfcError
from dfc.grammar import ast
from dfc.grammar.words import expand_word


def env_self_reference(lint: Lint) -> Iterator[Hit]:
    escape = lint.tree.directives.escape
    for stage, node in lint.nodes(ast.Env):
        before = names_before(lint, stage, node)
        defined: list[str] = []
        for pair in node.pairs:
            try:
                used = expand_word(pair.value, {}, escape).used
            except DfcError:
                used = frozenset()
            for name in sorted(used & set(defined) - before):
                yield Hit(pair.span, f"Do not refer to an environment variable within the same "
                          f"`ENV` statement where it is defined: ${name} is the value from "
                          "before this ENV")
            defined.append(pair.key)
