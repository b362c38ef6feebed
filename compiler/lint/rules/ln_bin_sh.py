"""Replacing /bin/sh with ln: use SHELL (hadolint DL4005).

Relinking /bin/sh changes the shell for every later RUN and for whatever runs in the
container, behind the reader's back. `SHELL ["/bin/bash", "-c"]` says it openly.

Catches:

    RUN ln -sf /bin/bash /bin/sh
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint


def ln_bin_sh(lint: Lint) -> Iterator[Hit]:
    for _, run in lint.runs():
        for command in lint.commands(run):
            if command.name == "ln" and "/bin/sh" in command.args[-1:]:
                yield Hit(lint.span_in(run, command.start, command.end),
                          "Use SHELL to change the default shell")
