"""USER names a user that is never created.

The container fails to start ("unable to find user app") when the name is neither
created by a RUN (`useradd`, `adduser`, `addgroup`, `groupadd`) in the stage or the
stages it builds on, nor present in the base image's /etc/passwd. Checked only when
that is known: the base image is in the store (or is scratch). Numeric ids always
work.

Catches:

    FROM scratch
    COPY app /app
    USER app
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.ir import Scratch
from dfc.compiler.lint.commands import positionals
from dfc.compiler.lint.images import passwd_names
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint, StageFacts
from dfc.grammar import ast

CREATORS = frozenset({"useradd", "adduser", "groupadd", "addgroup", "usermod"})


def _created(lint: Lint, stage: StageFacts, before: ast.Instruction) -> set[str] | None:
    """Names created before `before`; None when a COPY may bring its own /etc/passwd."""
    names: set[str] = set()
    for current in reversed(lint.chain(stage)):
        for node in current.instructions:
            if node is before:
                return names
            if isinstance(node, ast.Copy | ast.Add) and node.dest.startswith(("/etc", "/")) \
                    and node.dest.rstrip("/") in ("", "/etc", "/etc/passwd"):
                return None
            if isinstance(node, ast.Run):
                for command in lint.commands(node):
                    if command.name in CREATORS:
                        names.update(w.value for w in positionals(command, {
                            "-u", "-g", "-G", "-d", "-s", "-c", "-h", "-k", "-K", "-e", "-f",
                            "-p", "-U", "--uid", "--gid", "--home", "--shell", "--gecos",
                            "--ingroup", "--home-dir", "--comment", "--groups"}))
    return names


def user_not_created(lint: Lint) -> Iterator[Hit]:
    for stage, node in lint.nodes(ast.User):
        user, _, group = node.user.partition(":")
        root = lint.chain(stage)[-1]
        if isinstance(root.base, Scratch):
            known: set[str] | None = set()
        else:
            image = lint.base_image(stage)
            known = passwd_names(image) if image is not None else None
        if known is None:
            continue
        created = _created(lint, stage, node)
        if created is None:
            continue
        for name in (user, group):
            if name and "$" not in name and not name.isdigit() and name not in known | created:
                yield Hit(node.span, f"USER {name!r} is never created: not in the base image's "
                          "/etc/passwd and no RUN adds it; the container will not start")
