"""A secret ARG is used by a RUN of a shipped stage.

Every RUN after an ARG records the ARG's value in the image history
(`|1 NPM_TOKEN=... /bin/sh -c npm ci`), so a token passed with `--build-arg` ships
with the image and `docker history` shows it. Builder stages that do not ship are
exempt (their history stays in the build cache). Use a secret mount.

Catches:

    FROM node:22
    ARG NPM_TOKEN
    RUN npm ci

Instead:

    RUN --mount=type=secret,id=npm,env=NPM_TOKEN npm ci
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.compiler.lint.secrets import secret_name
from dfc.grammar import ast


def secret_arg_in_run(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        if not stage.shipped:
            continue
        secret: list[str] = []
        for current in reversed(lint.chain(stage)):
            for node in current.instructions:
                if isinstance(node, ast.Arg):
                    secret += [d.name for d in node.args if secret_name(d.name)]
                elif isinstance(node, ast.Run) and secret:
                    names = ", ".join(secret)
                    yield Hit(node.span, f"This RUN records the secret ARG {names} in the "
                              "history of the final image: use RUN --mount=type=secret")
                    secret = []
