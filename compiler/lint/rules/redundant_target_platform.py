"""`FROM --platform=$TARGETPLATFORM` is the default (hadolint DL3065, BuildKit:
RedundantTargetPlatform).

Every stage builds for the target platform unless told otherwise.

Catches:

    FROM --platform=$TARGETPLATFORM alpine:3.20

Fix (safe): the flag is removed.
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.fixes import find_in, replace
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint

REDUNDANT = ("$TARGETPLATFORM", "${TARGETPLATFORM}")


def redundant_target_platform(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        if stage.node.platform not in REDUNDANT:
            continue
        flag = find_in(lint, stage.node.span, r"(--platform=\S+\s+)")
        fix = replace(flag, "", "remove --platform") if flag else None
        yield Hit(flag or stage.node.span, "Setting platform to predefined $TARGETPLATFORM in "
                  "FROM is redundant as this is the default behavior", fix)
