"""EXPOSE protocol is not lowercase (BuildKit: ExposeProtoCasing).

Catches:

    EXPOSE 53/UDP

Fix (safe): `53/udp`.
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.fixes import find_in, replace
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast


def expose_proto_casing(lint: Lint) -> Iterator[Hit]:
    for _, node in lint.nodes(ast.Expose):
        for spec in node.ports:
            port, slash, proto = spec.partition("/")
            if slash and proto != proto.lower():
                span = find_in(lint, node.span, rf"/({proto})\b")
                fix = replace(span, proto.lower(), f"write /{proto.lower()}") if span else None
                yield Hit(span or node.span, f"Defined protocol '{spec}' in EXPOSE instruction "
                          "should be lowercase", fix)
