"""apk add without versions (hadolint DL3018).

`pkg=version` and `pkg~version` count as pinned; `pkg>=version` does not (it still
floats).

Catches:

    RUN apk add --no-cache curl

Instead:

    RUN apk add --no-cache curl=8.11.1-r0
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.packages import APK, unpinned
from dfc.compiler.lint.rule import Lint


def _pinned(word: str) -> bool:
    return bool(re.search(r"(?<![<>])=|~", word)) or word.endswith(".apk")


def apk_pin(lint: Lint) -> Iterator[Hit]:
    return unpinned(
        lint, APK, _pinned, r"Pin versions in apk add: use `apk add <package>=<version>`"
    )
