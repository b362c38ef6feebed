"""The final image has no HEALTHCHECK (hadolint DL3057; off by default).

Base-aware: a HEALTHCHECK inherited from the base image counts (when the base is in
the store); when the base is not known, nothing is said.

Catches:

    FROM scratch
    COPY app /app
    CMD ["/app"]
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast


def missing_healthcheck(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        if not stage.shipped:
            continue
        chain = lint.chain(stage)
        if any(isinstance(n, ast.Healthcheck) for s in chain for n in s.instructions):
            continue
        image = lint.base_image(stage)
        if image is not None and image.config.healthcheck is not None:
            continue
        if lint.base_known(stage):
            yield Hit(stage.node.span, f"The final image (stage {stage.id}) has no HEALTHCHECK")
