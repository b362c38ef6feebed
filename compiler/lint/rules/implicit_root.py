"""The final image runs as root by default (off by default).

No USER in the shipped stage or the stages under it, and the base image's config
sets none (known when the base is in the store, or scratch): containers start as
root (hadolint #328, #650). DFC219 covers an explicit `USER root`.

Catches:

    FROM scratch
    COPY app /app
    ENTRYPOINT ["/app"]
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast


def implicit_root(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        if not stage.shipped:
            continue
        if any(isinstance(n, ast.User) for s in lint.chain(stage) for n in s.instructions):
            continue
        image = lint.base_image(stage)
        if image is not None and image.config.user not in ("", "root", "0"):
            continue
        if lint.base_known(stage):
            yield Hit(stage.node.span, f"The final image (stage {stage.id}) runs as root: no "
                      "USER is set here or in the base image")
