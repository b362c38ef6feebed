"""npm install without versions (hadolint DL3016).

`pkg@version` (scoped packages too), local paths, tarballs and git URLs count as
pinned; `npm install` and `npm ci` without packages install the lock file.

Catches:

    RUN npm install -g typescript

Instead:

    RUN npm install -g typescript@5.6.3
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.packages import NPM, unpinned
from dfc.compiler.lint.rule import Lint


def _pinned(word: str) -> bool:
    return (
        bool(re.search(r"^@?[^@]+@", word))
        or word.startswith((".", "/", "~", "git", "http", "file:"))
        or word.endswith((".tgz", ".tar.gz"))
    )


def npm_pin(lint: Lint) -> Iterator[Hit]:
    return unpinned(
        lint, NPM, _pinned, r"Pin versions in npm: use `npm install <package>@<version>`"
    )
