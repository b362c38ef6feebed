"""The shell a RUN needs is not in the base image.

A shell-form RUN runs `/bin/sh -c` (or the stage's SHELL); on `scratch`, a
distroless image or an Alpine image asked for bash, it fails with "no such file".
Known for scratch and for base images in the store; COPYs that could bring the shell
in are taken into account.

Catches:

    FROM scratch
    RUN echo hi
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.ir import Scratch
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.compiler.lint.variables import shell_at
from dfc.grammar import ast


def shell_missing(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        chain = lint.chain(stage)
        image = lint.base_image(stage)
        if image is None and not isinstance(chain[-1].base, Scratch):
            continue
        own = {id(n) for n in stage.instructions}
        for node in (n for s in reversed(chain) for n in s.instructions):
            if isinstance(node, ast.Copy | ast.Add):
                break
            if id(node) not in own or not isinstance(node, ast.Run) or \
                    not isinstance(node.command, ast.ShellForm):
                continue
            shell = shell_at(lint, stage, node)[0]
            if image is None or not image.exists(shell):
                where = "scratch" if image is None else "the base image"
                yield Hit(node.span, f"RUN needs {shell}, which {where} does not have")
            break
