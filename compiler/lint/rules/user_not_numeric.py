"""USER by name rather than numeric id (hadolint DL3066).

Kubernetes `runAsNonRoot` and other host-side policies can only verify a numeric uid.
Checked on the last USER of the shipped stage (as hadolint PR #1239 does); a USER set
from a variable is left alone.

Catches:

    USER app

Instead:

    USER 10001
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast


def user_not_numeric(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        if not stage.shipped:
            continue
        users = [n for n in stage.instructions if isinstance(n, ast.User)]
        if not users:
            continue
        uid = users[-1].user.split(":", 1)[0]
        if "$" not in uid and not uid.isdigit():
            yield Hit(users[-1].span, f"Non-numeric user-id {uid!r} may not be resolvable by "
                      "the host system")
