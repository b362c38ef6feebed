"""`sudo` in RUN (hadolint DL3004).

RUN already runs as the current USER; sudo needs a tty and a sudoers entry and makes
the result depend on both. Switch USER, or use `gosu`/`su-exec` at runtime. The
command behind sudo is still checked by the other rules.

Catches:

    RUN sudo apt-get install -y curl
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint


def sudo(lint: Lint) -> Iterator[Hit]:
    for _, run in lint.runs():
        script = lint.script(run)
        for command in script.commands if script else ():
            if command.name in ("sudo", "doas"):
                yield Hit(lint.span_in(run, command.start, command.end),
                          "Do not use sudo as it leads to unpredictable behavior. Use a tool "
                          "like gosu to enforce root")
