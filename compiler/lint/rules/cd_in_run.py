"""`cd` in RUN: use WORKDIR (hadolint DL3003).

A `cd` lasts for one RUN only; WORKDIR states where the following instructions run.
A `cd` inside a subshell or `sh -c` is treated the same.

Catches:

    RUN cd /src && make

Instead:

    WORKDIR /src
    RUN make
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint


def cd_in_run(lint: Lint) -> Iterator[Hit]:
    for _, run in lint.runs():
        for command in lint.commands(run):
            if command.name == "cd":
                yield Hit(lint.span_in(run, command.start, command.end),
                          "Use WORKDIR to switch to a directory")
