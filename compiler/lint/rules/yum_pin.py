"""yum install without versions (hadolint DL3033).

As in hadolint, a name with a `-` counts as pinned (`name-version`) and so do
`.rpm` files.

Catches:

    RUN yum install -y httpd && yum clean all

Instead:

    RUN yum install -y httpd-2.4.6 && yum clean all
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.packages import YUM, rpm_pinned, unpinned
from dfc.compiler.lint.rule import Lint


def yum_pin(lint: Lint) -> Iterator[Hit]:
    return unpinned(
        lint, YUM, rpm_pinned, r"Specify version with `yum install -y <package>-<version>`"
    )
