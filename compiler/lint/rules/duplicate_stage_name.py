"""Two stages have the same name (hadolint DL3024, BuildKit: DuplicateStageName).

Stage names are case-insensitive; `COPY --from` and `--target` could only ever reach
one of them.

Catches:

    FROM alpine:3.20 AS build
    FROM debian:12 AS Build
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint


def duplicate_stage_name(lint: Lint) -> Iterator[Hit]:
    seen: dict[str, int] = {}
    for stage in lint.stages:
        if stage.name is None:
            continue
        if stage.name in seen:
            yield Hit(stage.node.span, f"Duplicate stage name {stage.node.name!r}, stage names "
                      f"should be unique (first used on line {seen[stage.name]})")
        else:
            seen[stage.name] = stage.node.span.line
