"""apt-get install without package versions (hadolint DL3008).

Unpinned packages make the image change whenever the archive does. `pkg=version`,
`pkg/release` and `.deb` files count as pinned.

Catches:

    RUN apt-get install -y curl

Instead:

    RUN apt-get install -y curl=7.88.1-10+deb12u8
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.packages import APT_GET, unpinned
from dfc.compiler.lint.rule import Lint


def _pinned(word: str) -> bool:
    return "=" in word or "/" in word or word.endswith(".deb")


def apt_get_pin(lint: Lint) -> Iterator[Hit]:
    return unpinned(lint, APT_GET, _pinned, "Pin versions in apt-get install: use "
                    "`apt-get install <package>=<version>`")
