"""chmod/chown RUN after COPY duplicates the files.

Changing mode or owner in a RUN copies every touched file into a new layer, so the
files ship twice. `COPY --chmod=` and `COPY --chown=` set them in the COPY's layer.

Catches:

    COPY app/ /srv/app/
    RUN chown -R app:app /srv/app

Instead:

    COPY --chown=app:app app/ /srv/app/
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from dfc.compiler.lint.commands import positionals
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.compiler.lint.writes import Write, stage_writes
from dfc.grammar import ast


def chmod_after_copy(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        copies = {n.span.line for n in stage.instructions if isinstance(n, ast.Copy | ast.Add)}
        copied: list[Write] = [w for w in stage_writes(lint, stage).writes if w.line in copies]
        for node in stage.instructions:
            if not isinstance(node, ast.Run):
                continue
            commands = lint.commands(node)
            if not commands or any(c.name not in ("chmod", "chown") for c in commands):
                continue
            for command in commands:
                paths = [posixpath.normpath(w.value) for w in positionals(command)[1:]]
                hits = [w for w in copied if w.line < node.span.line and any(
                    p == w.path or p.startswith(w.path + "/") or w.path.startswith(p + "/")
                    for p in paths)]
                if hits:
                    flag = "--chmod" if command.name == "chmod" else "--chown"
                    yield Hit(node.span, f"`{command.name}` in its own RUN duplicates the files "
                              f"COPY'd on line {hits[0].line}: use `COPY {flag}=...` there")
                    break
