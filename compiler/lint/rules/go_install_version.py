"""go install/get/run without @version (hadolint DL3062).

Local packages (`./cmd/app`) and `.go` files are fine; `@latest` is not a version.

Catches:

    RUN go install golang.org/x/tools/gopls

Instead:

    RUN go install golang.org/x/tools/gopls@v0.16.2
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.packages import GO, unpinned
from dfc.compiler.lint.rule import Lint


def _pinned(word: str) -> bool:
    """`@latest` is no pin: it moves (hadolint flags it too)."""
    if "@" in word:
        return not word.endswith("@latest")
    return word.startswith((".", "/")) or word.endswith(".go")


def go_install_version(lint: Lint) -> Iterator[Hit]:
    return unpinned(lint, GO, _pinned, r"Pin versions in go: use `go install <package>@<version>`")
