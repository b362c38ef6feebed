"""`apt` in RUN: use apt-get (hadolint DL3027).

`apt` is for people: its output and options are not stable for scripts.

Catches:

    RUN apt install -y curl
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint


def apt_not_apt_get(lint: Lint) -> Iterator[Hit]:
    for _, run in lint.runs():
        for command in lint.commands(run):
            if command.name == "apt":
                yield Hit(lint.span_in(run, command.start, command.end),
                          "Do not use apt as it is meant to be an end-user tool, use apt-get or "
                          "apt-cache instead")
