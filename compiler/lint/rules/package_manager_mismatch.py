"""The package manager does not match the base image's OS.

`apt-get` on an Alpine base, `apk` on Debian, `yum` on an image that only has
microdnf: the build fails at that RUN. Known only when the base image is in the store
(its /etc/os-release); otherwise nothing is said.

Catches, with `alpine:3.20` in the store:

    FROM alpine:3.20
    RUN apt-get update
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.images import os_family
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint

FAMILY = {"apt-get": "debian", "apt": "debian", "dpkg": "debian", "apk": "alpine",
          "yum": "rhel", "dnf": "rhel", "microdnf": "rhel", "rpm": "rhel", "zypper": "suse"}


def package_manager_mismatch(lint: Lint) -> Iterator[Hit]:
    for stage, run in lint.runs():
        image = lint.base_image(stage)
        family = os_family(image) if image is not None else None
        if image is None or family is None:
            continue
        for command in lint.commands(run):
            wanted = FAMILY.get(command.name)
            if wanted is not None and wanted != family and not image.exists(
                    f"/usr/bin/{command.name}") and not image.exists(f"/sbin/{command.name}"):
                yield Hit(lint.span_in(run, command.start, command.end),
                          f"`{command.name}` is a {wanted} package manager but the base image "
                          f"of stage {stage.id} is {family}")
                break
