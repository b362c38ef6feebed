"""FROM image uses the `latest` tag (hadolint DL3007).

`latest` moves: the same Dockerfile builds on a different base next month. Judged on
the ARG-expanded image, like DFC100. A digest next to the tag pins it, so
`image:latest@sha256:...` is fine.

Catches:

    FROM node:latest

Instead:

    FROM node:22.11
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.imageref import judged, shown
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint


def latest_tag(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        found = judged(lint, stage)
        if found is None:
            continue
        resolved, name = found
        if name.tag == "latest" and not name.digest:
            yield Hit(stage.node.span, "Using latest is prone to errors if the image will ever "
                      f"update. Pin the version explicitly to a release tag: {shown(resolved)}")
