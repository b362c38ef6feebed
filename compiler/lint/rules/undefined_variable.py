"""A variable is used but never defined (BuildKit: UndefinedVar, extended to RUN).

Checks the names the builder expands (COPY, ENV, WORKDIR...) and the `$NAMES` of
shell-form RUNs against what is in scope there: the stage's ARGs and ENVs (and those
of the stages it builds on), the base image's Env when the image is in the store, the
shell's own variables and the names the script assigns itself. Misspellings get a
did-you-mean. When the base image is not known, only likely typos of known names are
reported (the base might define the others). `${NAME:-default}` is never reported.

Catches:

    ENV APP_VERSION=1.0
    RUN echo "$APP_VERISON"

(`did you mean $APP_VERSION?`)
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.compiler.lint.suggest import closest
from dfc.compiler.lint.variables import ALWAYS, PROXIES, names_before, uses
from dfc.grammar import ast


def undefined_variable(lint: Lint) -> Iterator[Hit]:
    globals_ = {d.name for arg in lint.prelude for d in arg.args}
    for stage in lint.stages:
        known_base = lint.base_known(stage)
        for node in stage.instructions:
            if isinstance(node, ast.Onbuild):
                continue
            visible = names_before(lint, stage, node) | ALWAYS
            if isinstance(node, ast.Run):
                visible |= PROXIES
            for use in uses(lint, node):
                name = use.name
                if name in visible or name in globals_ or use.guarded:
                    continue
                suggestion = closest(name, visible - ALWAYS | {"PATH", "HOME"})
                if suggestion is None and not known_base:
                    continue
                hint = f" (did you mean ${suggestion}?)" if suggestion else ""
                yield Hit(use.span, f"Usage of undefined variable '${name}'{hint}")
