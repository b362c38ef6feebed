"""yum install without -y (hadolint DL3030).

Without it the package manager asks for confirmation and the build aborts.

Catches:

    RUN yum install httpd

Fix (safe): `-y` is added after the subcommand.
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.packages import YUM, missing_option
from dfc.compiler.lint.rule import Lint


def yum_yes(lint: Lint) -> Iterator[Hit]:
    return missing_option(
        lint,
        YUM,
        "y",
        ("assumeyes",),
        r"Use the -y switch to avoid manual input: `yum install -y <package>`",
        "-y",
    )
