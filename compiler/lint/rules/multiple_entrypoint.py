"""More than one ENTRYPOINT in a stage (hadolint DL4004, BuildKit: MultipleInstructionsDisallowed).

Only the last ENTRYPOINT of a stage takes effect; the others are dead code, often a leftover
from copy and paste.

Catches:

    ENTRYPOINT ["a"]
    ENTRYPOINT ["b"]
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.repeats import repeated
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast


def multiple_entrypoint(lint: Lint) -> Iterator[Hit]:
    return repeated(lint, ast.Entrypoint, "`ENTRYPOINT`")
