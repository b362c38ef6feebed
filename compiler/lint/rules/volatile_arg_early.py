"""A per-build ARG is used early, invalidating every later step.

An ARG is part of the environment of every RUN after it, so its value is in their
cache keys: an ARG that changes on every build (`BUILD_DATE`, `GIT_SHA`, `VCS_REF`,
`BUILD_NUMBER`...) declared at the top of a stage reruns every RUN below it. Declare
it right before the step that uses it (usually a final LABEL).

Catches:

    FROM python:3.12
    ARG GIT_SHA
    RUN pip install -r requirements.txt
    LABEL org.opencontainers.image.revision=$GIT_SHA
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.compiler.lint.variables import uses
from dfc.grammar import ast

VOLATILE = re.compile(r"^(BUILD_(DATE|TIME|TIMESTAMP|NUMBER|ID)|TIMESTAMP|(GIT_)?(SHA|COMMIT)"
                      r"(_SHA)?|GIT_(REV|REVISION|HASH)|VCS_REF|SOURCE_COMMIT|REVISION|"
                      r"CI_PIPELINE_ID|CI_COMMIT_SHA|GITHUB_SHA|GITHUB_RUN_ID|BUILD_TAG)$",
                      re.IGNORECASE)


def volatile_arg_early(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        for index, node in enumerate(stage.instructions):
            if not isinstance(node, ast.Arg):
                continue
            for decl in node.args:
                if not VOLATILE.match(decl.name):
                    continue
                wasted = [n for n in stage.instructions[index + 1:] if isinstance(n, ast.Run)
                          and decl.name not in {u.name for u in uses(lint, n)}]
                if wasted:
                    lines = ", ".join(str(n.span.line) for n in wasted[:5])
                    yield Hit(decl.span, f"ARG {decl.name} changes every build and reruns the "
                              f"RUNs after it that do not use it (lines {lines}): declare it "
                              "right before the step that needs it")
