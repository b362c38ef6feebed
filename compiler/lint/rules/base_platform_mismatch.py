"""The base image in the store is for another platform (BuildKit:
InvalidBaseImagePlatform).

Checked only when the image is in the store (`--root`); a RUN on the wrong platform
needs emulation or fails with "exec format error".

Catches, for a linux/amd64 build with an arm64 `alpine:3.20` in the store:

    FROM alpine:3.20
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.ir import ImageRef
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint


def base_platform_mismatch(lint: Lint) -> Iterator[Hit]:
    if lint.plan is None:
        return
    for stage in lint.stages:
        if not isinstance(stage.base, ImageRef):
            continue
        image = lint.base_image(stage)
        if image is None or not image.platform:
            continue
        expected = lint.plan.stages[stage.index].platform
        if image.platform.split("/")[:2] != expected.split("/")[:2]:
            yield Hit(stage.node.span, f"Base image {stage.base.name} was pulled with platform "
                      f"{image.platform}, expected {expected} for current build")
