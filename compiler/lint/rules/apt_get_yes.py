"""apt-get install without -y (hadolint DL3014).

Without `-y` (or `-qq`) apt-get asks for confirmation and the build aborts.

Catches:

    RUN apt-get install curl

Fix (safe): `apt-get install -y curl`.
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.commands import has_option
from dfc.compiler.lint.fixes import insert_after
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.packages import APT_GET, installs, subcommand_word
from dfc.compiler.lint.rule import Lint

MESSAGE = "Use the -y switch to avoid manual input: `apt-get -y install <package>`"


def _assumes_yes(command_args: tuple[str, ...]) -> bool:
    return any(a in ("-qq", "-q=2", "--quiet=2") or (a.startswith("-") and
               not a.startswith("--") and a.count("q") >= 2) for a in command_args)


def apt_get_yes(lint: Lint) -> Iterator[Hit]:
    for _, run, command in installs(lint, APT_GET):
        if has_option(command, "y", ("yes", "assume-yes")) or _assumes_yes(command.args):
            continue
        fix = insert_after(lint, run, subcommand_word(command, APT_GET), " -y", "add -y")
        yield Hit(lint.span_in(run, command.start, command.end), MESSAGE, fix)
