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
from dfc.errors import DfcError
from dfc.platform import parse_platform


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
        if not _same_os_and_arch(image.platform, expected):
            yield Hit(stage.node.span, f"Base image {stage.base.name} was pulled with platform "
                      f"{image.platform}, expected {expected} for current build")


def _same_os_and_arch(image: str, build: str) -> bool:
    """Variants are not judged (an arm/v6 base runs on arm/v7); aliases are the same."""
    try:
        offered, wanted = parse_platform(image), parse_platform(build)
    except DfcError:
        return False
    return (offered.os, offered.architecture) == (wanted.os, wanted.architecture)
