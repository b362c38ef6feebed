"""The stage is never built for the target.

Only stages the target needs (as a base, through `COPY --from` or
`RUN --mount=from=`) are built; the others are dead code and their errors never
show. With `--target` the report is for that target.

Catches:

    FROM alpine:3.20 AS tests
    RUN make test
    FROM alpine:3.20
    COPY app /app

(`tests` is never built by a plain `docker build`.)
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint


def unreachable_stage(lint: Lint) -> Iterator[Hit]:
    if lint.plan is None:
        return
    target = lint.stages[lint.plan.target].id
    for stage in lint.stages:
        if not stage.reachable:
            yield Hit(stage.node.span, f"Stage {stage.id} is never built for target {target}: "
                      "nothing the target needs depends on it")
