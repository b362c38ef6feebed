"""COPY to a relative path while no WORKDIR is set (hadolint DL3045).

A relative destination lands under the current WORKDIR; with none set in this stage
or the stages it builds on, that is the base image's WorkingDir. When the base image is
in the store its WorkingDir is known and used; when it is not, the finding says that
the base's WORKDIR is unknown rather than pretending it is `/`.

Catches:

    FROM python:3.12
    COPY app.py app/

Instead:

    WORKDIR /srv
    COPY app.py app/
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast


def _absolute(dest: str) -> bool:
    return dest.startswith(("/", "$", "\\")) or (len(dest) > 1 and dest[1] == ":")


def relative_copy_dest(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        chain = lint.chain(stage)
        workdir = any(isinstance(n, ast.Workdir) for s in chain[1:] for n in s.instructions)
        image = lint.base_image(stage)
        if image is not None and image.config.working_dir not in ("", "/"):
            workdir = True
        for node in stage.instructions:
            if isinstance(node, ast.Workdir):
                workdir = True
            if not isinstance(node, ast.Copy | ast.Add) or workdir or _absolute(node.dest):
                continue
            known = "the base image sets none" if lint.base_known(stage) else \
                "the base image's WORKDIR is unknown (not in the store)"
            yield Hit(node.span, f"`{node.keyword.upper()}` to a relative destination without "
                      f"`WORKDIR` set: {known}")
