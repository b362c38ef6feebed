"""FROM image is not pinned by digest (off by default; hadolint #773, #1227).

A tag can be moved to another image; only `@sha256:...` names exactly one image.
Select this rule where supply-chain reproducibility matters.

Catches:

    FROM debian:12

Instead:

    FROM debian:12@sha256:<digest>
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.imageref import judged, shown
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint


def unpinned_digest(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        found = judged(lint, stage)
        if found is not None and not found[1].digest:
            yield Hit(stage.node.span, f"Pin the image by digest: {shown(found[0])}")
