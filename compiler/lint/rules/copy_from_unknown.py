"""COPY --from names no earlier stage and does not look like an image (hadolint DL3022).

A bare word that is not a stage name is pulled as an image: usually a misspelt stage
name. Image references with a registry, a path, a tag or a digest are accepted.

Catches:

    FROM golang:1.22 AS build
    FROM alpine:3.20
    COPY --from=biuld /out/app /app

(`did you mean build?`)
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.compiler.lint.suggest import hint
from dfc.grammar import ast


def copy_from_unknown(lint: Lint) -> Iterator[Hit]:
    for stage, node in lint.nodes(ast.Copy):
        value = node.from_
        if value is None or "$" in value or any(c in value for c in ":/@"):
            continue
        if value.isdigit() or lint.stage_named(value) is not None:
            continue
        names = [s.name for s in lint.stages[: stage.index] if s.name]
        yield Hit(node.span, f"`COPY --from={value}` should reference a previously defined "
                  "`FROM` alias" + hint(value.lower(), names))
