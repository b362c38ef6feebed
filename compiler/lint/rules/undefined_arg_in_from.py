"""FROM uses an ARG that is not declared before it (BuildKit: UndefinedArgInFrom).

FROM lines see only global ARGs (declared before the first FROM) and the automatic
platform ARGs; anything else expands to an empty string.

Catches:

    ARG VERSION=3.20
    FROM alpine:$VERSIN

(`did you mean $VERSION?`)
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.imageref import AUTOMATIC
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.compiler.lint.suggest import hint
from dfc.errors import DfcError
from dfc.grammar.words import expand_word


def undefined_arg_in_from(lint: Lint) -> Iterator[Hit]:
    declared = [*AUTOMATIC, *(d.name for arg in lint.prelude for d in arg.args)]
    escape = lint.tree.directives.escape
    for stage in lint.stages:
        for text in (stage.node.image, stage.node.platform or ""):
            try:
                used = expand_word(text, {}, escape).used
            except DfcError:
                continue
            for name in sorted(used - set(declared)):
                yield Hit(stage.node.span, f"FROM argument '{name}' is not declared"
                          + hint(name, declared, "$"))
