"""A value looks like a credential.

ARG defaults, ENV and LABEL values are stored in the image (history, config) for
anyone who can pull it. Values are matched against the token formats of GitHub,
GitLab, AWS, Slack, Stripe, OpenAI, Google, npm and PyPI, private keys, JWTs and
passwords in URLs. The message says whether the stage ships in the final image.

Catches:

    ENV GH_AUTH=ghp_0123456789abcdefghijklmnopqrstuvwxyz

Instead: `RUN --mount=type=secret,id=gh ...` and `--secret id=gh,env=GH_AUTH` at build
time.
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.compiler.lint.secrets import secret_value as credential_kind
from dfc.grammar import ast


def secret_value(lint: Lint) -> Iterator[Hit]:
    nodes = [(None, n) for n in lint.prelude] + \
        [(s, n) for s in lint.stages for n in s.instructions]
    for stage, node in nodes:
        if isinstance(node, ast.Arg):
            values = [(d.default, d.span) for d in node.args if d.default]
        elif isinstance(node, ast.Env | ast.Label):
            values = [(p.value, p.span) for p in node.pairs]
        else:
            continue
        where = "the global scope (build history)" if stage is None else \
            f"stage {stage.id}, " + ("which ships in the final image" if stage.shipped
                                     else "a builder stage (kept in its cache and history)")
        for value, span in values:
            kind = credential_kind(value)
            if kind is not None:
                yield Hit(span, f"{node.keyword.upper()} value looks like a {kind}, in {where}: "
                          "use RUN --mount=type=secret instead")
