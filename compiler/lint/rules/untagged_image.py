"""FROM image has no tag (hadolint DL3006).

Without a tag the build takes whatever `latest` is today, so two builds of the same
Dockerfile can get different bases. The image is judged after expanding global ARGs
with their defaults: `ARG BASE=debian` / `FROM $BASE` is caught, `ARG BASE=debian:12`
is not; an ARG without a value makes the image unresolvable (see DFC111), and is not
guessed about. Earlier stage names, `scratch` and digests are fine.

Catches:

    FROM debian

Instead:

    FROM debian:12
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.imageref import judged, shown
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint


def untagged_image(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        found = judged(lint, stage)
        if found is None:
            continue
        resolved, name = found
        if not name.tag and not name.digest:
            yield Hit(stage.node.span,
                      f"Always tag the version of an image explicitly: {shown(resolved)}")
