"""zypper install without versions (hadolint DL3037).

`pkg=version` (or a `<`/`>` bound) and `.rpm` files count as pinned.

Catches:

    RUN zypper install -y curl && zypper clean

Instead:

    RUN zypper install -y curl=8.6.0 && zypper clean
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.packages import ZYPPER, unpinned
from dfc.compiler.lint.rule import Lint


def _pinned(word: str) -> bool:
    return bool(re.search(r"[=<>]", word)) or word.endswith(".rpm")


def zypper_pin(lint: Lint) -> Iterator[Hit]:
    return unpinned(
        lint, ZYPPER, _pinned, r"Specify version with `zypper install -y <package>=<version>`"
    )
