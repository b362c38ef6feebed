"""useradd with a large UID but without -l (hadolint DL3046).

useradd writes /var/log/lastlog and faillog as sparse files sized by the UID; a layer
tar does not keep them sparse, so a UID like 100000000 adds gigabytes. `-l`
(`--no-log-init`) skips them.

Catches:

    RUN useradd -u 123456789 app

Fix (safe): `useradd -l -u 123456789 app`.
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.commands import has_option
from dfc.compiler.lint.fixes import insert_after
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint


def _uid(args: tuple[str, ...]) -> str:
    for index, arg in enumerate(args):
        if arg in ("-u", "--uid") and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--uid="):
            return arg.split("=", 1)[1]
        if arg.startswith("-u") and len(arg) > 2 and arg[2:].isdigit():
            return arg[2:]
    return ""


def useradd_long_uid(lint: Lint) -> Iterator[Hit]:
    for _, run in lint.runs():
        for command in lint.commands(run):
            if command.name != "useradd" or has_option(command, "l", ("no-log-init",)):
                continue
            uid = _uid(command.args)
            if uid.isdigit() and len(uid) > 5:
                fix = insert_after(lint, run, command.words[0], " -l", "add -l")
                yield Hit(lint.span_in(run, command.start, command.end),
                          "`useradd` without flag `-l` and high UID will result in excessively "
                          "large Image.", fix)
