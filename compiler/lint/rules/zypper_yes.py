"""zypper install without -n/-y (hadolint DL3034).

Without it the package manager asks for confirmation and the build aborts.

Catches:

    RUN zypper install curl

Fix (safe): `-y` is added after the subcommand.
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.packages import ZYPPER, missing_option
from dfc.compiler.lint.rule import Lint


def zypper_yes(lint: Lint) -> Iterator[Hit]:
    return missing_option(
        lint,
        ZYPPER,
        "yn",
        ("non-interactive", "no-confirm"),
        r"Non-interactive switch missing from `zypper` command: `zypper install -y`",
        "-y",
    )
