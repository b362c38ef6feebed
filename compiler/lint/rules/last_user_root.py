"""The last USER of the shipped stage is root (hadolint DL3002).

A container running as root turns an escape or a bad volume mount into host root.
Only the stage that ships matters: builder stages may run as root (hadolint fires on
every stage, #405, #1068).

Catches:

    FROM alpine:3.20
    USER root
    CMD ["app"]
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast


def is_root(user: str) -> bool:
    return user.split(":", 1)[0] in ("root", "0")


def last_user_root(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        if not stage.shipped:
            continue
        users = [n for s in reversed(lint.chain(stage)) for n in s.instructions
                 if isinstance(n, ast.User)]
        if users and is_root(users[-1].user):
            yield Hit(users[-1].span, "Last USER should not be root")
