"""More than one HEALTHCHECK in a stage (hadolint DL3012, BuildKit: MultipleInstructionsDisallowed).

Only the last HEALTHCHECK of a stage takes effect; the others are dead code, often a leftover
from copy and paste.

Catches:

    HEALTHCHECK CMD ["a"]
    HEALTHCHECK CMD ["b"]
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.repeats import repeated
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast


def multiple_healthcheck(lint: Lint) -> Iterator[Hit]:
    return repeated(lint, ast.Healthcheck, "`HEALTHCHECK`")
