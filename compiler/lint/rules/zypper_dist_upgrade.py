"""zypper dist-upgrade in RUN (hadolint DL3035).

Upgrading the whole distribution belongs in the base image; in a build it makes the
result depend on the day it ran.

Catches:

    RUN zypper dist-upgrade -y
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.commands import subcommand
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint


def zypper_dist_upgrade(lint: Lint) -> Iterator[Hit]:
    for _, run in lint.runs():
        for command in lint.commands(run):
            if command.name == "zypper" and subcommand(command) in ("dist-upgrade", "dup"):
                yield Hit(lint.span_in(run, command.start, command.end),
                          "Do not use zypper dist-upgrade")
