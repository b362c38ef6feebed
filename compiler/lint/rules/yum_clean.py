"""yum install without `yum clean all` (hadolint DL3032).

The package cache ships in the layer unless the same RUN removes it (a later RUN
cannot: the earlier layer keeps it). A cache mount of the cache folder exempts it.

Catches:

    RUN yum install -y httpd-2.4.6
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.packages import YUM, missing_clean
from dfc.compiler.lint.rule import Lint


def yum_clean(lint: Lint) -> Iterator[Hit]:
    return missing_clean(
        lint,
        YUM,
        (("clean", "all"),),
        ("/var/cache/yum",),
        r"`yum clean all` missing after yum command",
    )
