"""RUN with a pipe but no `-o pipefail` (hadolint DL4006).

A pipeline's status is its last command's: `curl ... | tar x` succeeds when curl
fails. Set `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` (busybox ash also has
pipefail), or `set -o pipefail` at the start of the RUN. Shells that are not POSIX
shells (pwsh, cmd) are left alone.

Catches:

    RUN curl -fsSL https://example.com/x.tgz | tar -xz
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.compiler.lint.runtext import POSIX_SHELLS, interpreter
from dfc.compiler.lint.variables import shell_at


def pipefail(lint: Lint) -> Iterator[Hit]:
    for stage, run in lint.runs():
        script = lint.script(run)
        if script is None:
            continue
        piped = [c for c in script.commands if c.separator == "|"]
        if not piped:
            continue
        shell = shell_at(lint, stage, run)
        if not shell or interpreter(shell[0]) not in POSIX_SHELLS:
            continue
        flags = " ".join(shell[1:])
        if "pipefail" in flags:
            continue
        if any(c.name == "set" and "pipefail" in c.args for c in script.commands
               if c.start < piped[0].start):
            continue
        yield Hit(lint.span_in(run, piped[0].start, piped[0].end),
                  "Set the SHELL option -o pipefail before RUN with a pipe in it")
