"""ARG/ENV name looks like a secret (hadolint DL3064, BuildKit: SecretsUsedInArgOrEnv).

ARG values are recorded in the image history and ENV values in its config: anyone who
can pull the image can read them. Use `RUN --mount=type=secret` instead. Names that
point at a secret rather than hold it (`*_FILE`, `*_PATH`, `*_VERSION`, `PUBLIC_*`) are
fine. (DFC403 looks at values; DFC404 follows a secret ARG into a shipped RUN.)

Catches:

    ARG GITHUB_TOKEN
    ENV DB_PASSWORD=hunter2
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.compiler.lint.secrets import secret_name as looks_secret
from dfc.grammar import ast


def secret_name(lint: Lint) -> Iterator[Hit]:
    nodes: list[ast.Instruction] = list(lint.prelude)
    nodes += [n for s in lint.stages for n in s.instructions]
    for node in nodes:
        if isinstance(node, ast.Arg):
            names = [(d.name, d.span) for d in node.args]
        elif isinstance(node, ast.Env):
            names = [(p.key, p.span) for p in node.pairs]
        else:
            continue
        for name, span in names:
            if looks_secret(name):
                yield Hit(span, f"Do not use ARG or ENV instructions for sensitive data "
                          f"({node.keyword.upper()} \"{name}\"): use RUN --mount=type=secret")
