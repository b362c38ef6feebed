"""A global ARG is used in a stage that did not redeclare it.

ARGs before the first FROM are visible only to FROM lines. Inside a stage the name is
empty until `ARG NAME` (no value needed) brings it in, so `RUN echo $VERSION`
silently prints nothing. Neither hadolint nor BuildKit report this in a RUN.

Catches:

    ARG VERSION=1.2.3
    FROM alpine:3.20
    RUN echo "building $VERSION"

Instead:

    FROM alpine:3.20
    ARG VERSION
    RUN echo "building $VERSION"
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.compiler.lint.variables import declared_by, names_before, uses
from dfc.grammar import ast


def global_arg_not_redeclared(lint: Lint) -> Iterator[Hit]:
    globals_ = {d.name for arg in lint.prelude for d in arg.args}
    if not globals_:
        return
    for stage in lint.stages:
        reported: set[str] = set()
        for node in stage.instructions:
            if isinstance(node, ast.Onbuild):
                continue
            visible = names_before(lint, stage, node)
            for use in uses(lint, node):
                if use.name in globals_ and use.name not in visible and \
                        use.name not in reported:
                    reported.add(use.name)
                    yield Hit(use.span, f"Global ARG {use.name} is not visible in stage "
                              f"{stage.id}: it expands to an empty string here; redeclare it "
                              f"with `ARG {use.name}` in the stage")
            reported -= declared_by(node)
