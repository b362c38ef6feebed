"""FROM --platform is a constant (hadolint DL3029, BuildKit:
FromPlatformFlagConstDisallowed).

A fixed platform defeats multi-platform builds. Values using `$BUILDPLATFORM`,
`$TARGETPLATFORM` (or any ARG) are fine, and so is a constant whose OS or
architecture is in the stage name, as BuildKit allows (`FROM --platform=linux/amd64
debian:12 AS build-amd64`).

Catches:

    FROM --platform=linux/amd64 debian:12
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint


def constant_platform(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        platform = stage.node.platform
        if platform is None or "$" in platform:
            continue
        parts = [p for p in platform.lower().split("/") if p]
        name = stage.name or ""
        if name and any(p in name for p in parts):
            continue
        yield Hit(stage.node.span, f"FROM --platform flag should not use a constant value "
                  f"({platform})")
