"""wget without --progress: bloated build logs (hadolint DL3047).

wget's default progress bar prints thousands of lines into non-interactive logs.

Catches:

    RUN wget https://example.com/app.tgz

Instead:

    RUN wget --progress=dot:giga https://example.com/app.tgz
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.commands import has_option
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint


def wget_progress(lint: Lint) -> Iterator[Hit]:
    for _, run in lint.runs():
        for command in lint.commands(run):
            if command.name != "wget" or "-nv" in command.args:
                continue
            if has_option(command, "qoa", ("progress", "quiet", "no-verbose", "output-file",
                                           "append-output")):
                continue
            yield Hit(lint.span_in(run, command.start, command.end),
                      "Avoid use of wget without progress bar. Use `wget --progress=dot:giga "
                      "<url>`. Or consider using `-q` or `-nv` (shorthands for `--quiet` or "
                      "`--no-verbose`).")
