"""Which parts of a shell-form RUN are shell scripts, and with which shell.

`RUN <<EOF` runs its body (with the interpreter of its `#!` line, else the stage's
shell); `RUN bash <<EOF` and `RUN <<EOF bash` feed the body to bash; `RUN cat <<EOF >f`
writes data. Lint reads the command line and every script body; body offsets follow
the command text (`len(text) + 1 + ...`), so one offset space locates anything in the
RUN.
"""

from __future__ import annotations

import re

import msgspec

from dfc.compiler.lint.shell import read_script
from dfc.grammar import ast

LONE_HEREDOC = re.compile(r"^\d*<<-?\s*\S+$")
POSIX_SHELLS = frozenset({"sh", "bash", "dash", "ash", "ksh", "mksh", "busybox", "zsh"})


class Body(msgspec.Struct, frozen=True):
    """A heredoc body that is a script: `shell` is its interpreter's base name, or None
    for the stage's shell; `base` is its offset in the RUN's offset space."""

    doc: ast.Heredoc
    shell: str | None
    base: int


def interpreter(argv0: str, rest: str = "") -> str:
    """The base name of an interpreter (`/usr/bin/env -S python3 -u` -> `python3`)."""
    name = argv0.rsplit("/", 1)[-1]
    if name == "env":
        words = [w for w in rest.split() if not w.startswith("-")]
        name = words[0].rsplit("/", 1)[-1] if words else name
    return name


def shebang(body: str) -> str | None:
    if not body.startswith("#!"):
        return None
    words = body[2:].split("\n", 1)[0].split(maxsplit=1)
    return interpreter(words[0], words[1] if len(words) > 1 else "") if words else None


def is_lone_heredoc(run: ast.Run) -> bool:
    return bool(run.heredocs) and isinstance(run.command, ast.ShellForm) and \
        LONE_HEREDOC.match(run.command.text.strip()) is not None


def bodies(run: ast.Run) -> list[Body]:
    """The heredoc bodies of `run` that are scripts."""
    if not isinstance(run.command, ast.ShellForm) or not run.heredocs:
        return []
    text = run.command.text
    if is_lone_heredoc(run):
        doc = run.heredocs[0]
        return [Body(doc, shebang(doc.body), len(text) + 1)]
    commands = read_script(text).commands
    words = [w.value for w in commands[0].words] if commands else []
    feeder = interpreter(words[0], " ".join(words[1:])) if words else ""
    if feeder not in POSIX_SHELLS or re.search(r"\s-\w*c\b", text):
        return []
    out: list[Body] = []
    base = len(text) + 1
    for doc in run.heredocs:
        out.append(Body(doc, feeder, base))
        base += len(doc.body)
    return out
