"""EXPOSE with an IP address or a host-port mapping (BuildKit: ExposeInvalidFormat).

EXPOSE documents container ports only; publishing to the host is `docker run -p`.

Catches:

    EXPOSE 127.0.0.1:8080:80
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast


def expose_invalid_format(lint: Lint) -> Iterator[Hit]:
    for _, node in lint.nodes(ast.Expose):
        for spec in node.ports:
            if ":" in spec and "$" not in spec:
                yield Hit(node.span, f"EXPOSE instruction should not define an IP address or "
                          f"host-port mapping, found '{spec}'")
