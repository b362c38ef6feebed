"""apk add without --no-cache (hadolint DL3019).

Without it the package index stays in /var/cache/apk and ships in the layer. A cache
mount of /var/cache/apk makes it moot.

Catches:

    RUN apk add curl

Fix (safe): `apk add --no-cache curl`.
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.packages import APK, missing_option
from dfc.compiler.lint.rule import Lint


def apk_no_cache(lint: Lint) -> Iterator[Hit]:
    return missing_option(lint, APK, "", ("no-cache",), "Use the --no-cache switch to avoid "
                          "the need to use --update and remove `/var/cache/apk/*` when done "
                          "installing packages", "--no-cache", ("/var/cache/apk",))
