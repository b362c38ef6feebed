"""The comment above a stage or ARG should start with its name (BuildKit:
InvalidDefinitionDescription; off by default, as in BuildKit).

`docker buildx build --call=outline` shows such comments as descriptions.

Catches:

    # compiles the app
    FROM golang:1.22 AS build

Instead:

    # build compiles the app
    FROM golang:1.22 AS build
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast


def definition_description(lint: Lint) -> Iterator[Hit]:
    for node in lint.tree.instructions:
        if not node.comments:
            continue
        first = node.comments[0].split()[0] if node.comments[0].split() else ""
        if isinstance(node, ast.From) and node.name and first != node.name:
            yield Hit(node.span, f"Comment for build stage or argument should follow the "
                      f"format: `# {node.name} <description>`. If this is not intended to be "
                      "a description comment, add an empty line or comment between the "
                      "instruction and the comment.")
        elif isinstance(node, ast.Arg) and len(node.args) == 1 and first != node.args[0].name:
            yield Hit(node.span, f"Comment for build stage or argument should follow the "
                      f"format: `# {node.args[0].name} <description>`. If this is not "
                      "intended to be a description comment, add an empty line or comment "
                      "between the instruction and the comment.")
