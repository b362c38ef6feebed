"""dnf/microdnf install without -y (hadolint DL3038).

Without it the package manager asks for confirmation and the build aborts.

Catches:

    RUN dnf install httpd

Fix (safe): `-y` is added after the subcommand.
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.packages import DNF, missing_option
from dfc.compiler.lint.rule import Lint


def dnf_yes(lint: Lint) -> Iterator[Hit]:
    return missing_option(
        lint,
        DNF,
        "y",
        ("assumeyes",),
        r"Use the -y switch to avoid manual input: `dnf install -y <package>`",
        "-y",
    )
