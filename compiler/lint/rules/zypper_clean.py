"""zypper install without `zypper clean` (hadolint DL3036).

The package cache ships in the layer unless the same RUN removes it (a later RUN
cannot: the earlier layer keeps it). A cache mount of the cache folder exempts it.

Catches:

    RUN zypper install -y curl=8.6.0
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.packages import ZYPPER, missing_clean
from dfc.compiler.lint.rule import Lint


def zypper_clean(lint: Lint) -> Iterator[Hit]:
    return missing_clean(
        lint,
        ZYPPER,
        (("clean",), ("cc",)),
        ("/var/cache/zypp",),
        r"`zypper clean` missing after zypper use",
    )
