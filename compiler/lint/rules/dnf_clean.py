"""dnf/microdnf install without `dnf clean all` (hadolint DL3040).

The package cache ships in the layer unless the same RUN removes it (a later RUN
cannot: the earlier layer keeps it). A cache mount of the cache folder exempts it.

Catches:

    RUN dnf install -y httpd-2.4.62
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.packages import DNF, missing_clean
from dfc.compiler.lint.rule import Lint


def dnf_clean(lint: Lint) -> Iterator[Hit]:
    return missing_clean(
        lint,
        DNF,
        (("clean", "all"),),
        ("/var/cache/dnf", "/var/cache/yum"),
        r"`dnf clean all` missing after dnf command",
    )
