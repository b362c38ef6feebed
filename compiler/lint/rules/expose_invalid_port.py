"""EXPOSE port outside 0-65535 (hadolint DL3011).

Catches:

    EXPOSE 80000
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast


def expose_invalid_port(lint: Lint) -> Iterator[Hit]:
    for _, node in lint.nodes(ast.Expose):
        for spec in node.ports:
            if "$" in spec:
                continue
            port = spec.split("/", 1)[0].rsplit(":", 1)[-1]
            numbers = [int(n) for n in re.findall(r"\d+", port)]
            if any(n > 65535 for n in numbers):
                yield Hit(node.span, f"Valid UNIX ports range from 0 to 65535 ({spec})")
