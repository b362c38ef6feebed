"""apt-get install without --no-install-recommends (hadolint DL3015).

Recommended packages are often large and not needed; ask for them explicitly.

Catches:

    RUN apt-get install -y curl

Fix (safe): `apt-get install -y --no-install-recommends curl`.
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.packages import APT_GET, missing_option
from dfc.compiler.lint.rule import Lint


def apt_no_recommends(lint: Lint) -> Iterator[Hit]:
    return missing_option(lint, APT_GET, "", ("no-install-recommends",),
                          "Avoid additional packages by specifying `--no-install-recommends`",
                          "--no-install-recommends")
