"""WORKDIR is a relative path (hadolint DL3000, BuildKit: WorkdirRelativePath).

A relative WORKDIR is joined to whatever the previous WORKDIR was, which may come
from a base image you do not control. Paths starting with a variable are allowed.

Catches:

    WORKDIR app

Instead:

    WORKDIR /app
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast

ABSOLUTE = re.compile(r'^(?:["\']?/|\$|["\']?[A-Za-z]:[\\/])')


def relative_workdir(lint: Lint) -> Iterator[Hit]:
    for _, node in lint.nodes(ast.Workdir):
        if not ABSOLUTE.match(node.path):
            yield Hit(node.span, f"Use absolute WORKDIR: relative {node.path!r} depends on the "
                      "previous WORKDIR")
