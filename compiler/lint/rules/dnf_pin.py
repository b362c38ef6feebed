"""dnf/microdnf install without versions (hadolint DL3041).

As in hadolint, a name with a `-` counts as pinned (`name-version`) and so do
`.rpm` files.

Catches:

    RUN dnf install -y httpd && dnf clean all

Instead:

    RUN dnf install -y httpd-2.4.62 && dnf clean all
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.packages import DNF, rpm_pinned, unpinned
from dfc.compiler.lint.rule import Lint


def dnf_pin(lint: Lint) -> Iterator[Hit]:
    return unpinned(
        lint, DNF, rpm_pinned, r"Specify version with `dnf install -y <package>-<version>`"
    )
