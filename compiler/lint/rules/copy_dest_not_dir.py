"""COPY of several sources needs a destination ending in `/` (hadolint DL3021).

With several sources the destination must be a folder; without the slash BuildKit
writes every source to the same file, the last one winning.

Catches:

    COPY package.json yarn.lock /app

Fix (safe): `COPY package.json yarn.lock /app/`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfc.compiler.lint.fixes import find_in, replace
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast


def copy_dest_not_dir(lint: Lint) -> Iterator[Hit]:
    for _, node in lint.nodes(ast.Copy):
        count = len(node.sources) + len(node.heredocs)
        if count < 2 or node.dest.endswith("/") or node.dest.startswith("$"):
            continue
        fix = None
        if not node.json:
            span = find_in(lint, node.span, rf"\s({re.escape(node.dest)})\s*$")
            if span is not None:
                fix = replace(span, node.dest + "/", "end the destination with /")
        yield Hit(node.span, f"COPY with more than 2 arguments requires the last argument to "
                  f"end with /: {node.dest}", fix)
