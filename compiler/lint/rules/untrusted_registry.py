"""FROM image comes from a registry that is not trusted (hadolint DL3026).

Active only when `trusted-registries` is configured (wildcards such as `*.gcr.io`
allowed; Docker Hub is `docker.io`). Judged on the ARG-expanded image.

Catches, with `trusted-registries = ["my.registry"]`:

    FROM evil.example/debian:12
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from dfc.compiler.lint.imageref import judged, shown
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.reference import DOCKER_HUB, LEGACY_DOCKER_HUB


def untrusted_registry(lint: Lint) -> Iterator[Hit]:
    trusted = lint.settings.trusted_registries
    if not trusted:
        return
    for stage in lint.stages:
        found = judged(lint, stage)
        if found is None:
            continue
        registry = found[1].registry
        names = {registry} | ({"hub.docker.com", LEGACY_DOCKER_HUB}
                              if registry == DOCKER_HUB else set())
        if not any(fnmatch.fnmatchcase(n, pattern) for n in names for pattern in trusted):
            yield Hit(stage.node.span, f"Use only an allowed registry in the FROM image: "
                      f"{shown(found[0])} comes from {registry}")
