"""A command that makes no sense in a container build (hadolint DL3001).

`ssh`, `vim`, `shutdown`, `service`, `ps`, `free`, `top`, `kill`, `mount` and
`ifconfig` do nothing useful in a RUN (no init, no terminal, no running services).

Catches:

    RUN service nginx start
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint

POINTLESS = frozenset({"ssh", "vim", "shutdown", "service", "ps", "free", "top", "kill",
                       "mount", "ifconfig"})


def pointless_command(lint: Lint) -> Iterator[Hit]:
    for _, run in lint.runs():
        for command in lint.commands(run):
            if command.name in POINTLESS:
                yield Hit(lint.span_in(run, command.start, command.end),
                          f"`{command.name}` makes no sense in a container build")
