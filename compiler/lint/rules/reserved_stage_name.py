"""Stage named `scratch` or `context` (hadolint DL3063, BuildKit: ReservedStageName).

`FROM scratch` means the empty image and `context` names the build context in
`--mount=from=`, so a stage with those names cannot be referenced.

Catches:

    FROM alpine:3.20 AS scratch
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint

RESERVED = ("scratch", "context")


def reserved_stage_name(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        if stage.name in RESERVED:
            yield Hit(stage.node.span, f"'{stage.node.name}' is reserved and should not be "
                      "used as a stage name")
