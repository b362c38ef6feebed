"""pip install without versions (hadolint DL3013).

`pkg==version` (or any version specifier), requirement and constraint files (`-r`,
`-c`), local paths, archives and VCS URLs count as pinned. `python -m pip` and pip
behind sudo are checked too.

Catches:

    RUN pip install flask

Instead:

    RUN pip install flask==3.0.3
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfc.compiler.lint.commands import has_option
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.packages import PIP, installs, packages
from dfc.compiler.lint.rule import Lint

LOCAL = re.compile(r"^(?:\.|/|~|\w+\+|https?://)|\.(?:whl|tar\.gz|zip|tgz)$")


def _pinned(word: str) -> bool:
    return bool(re.search(r"[=<>~!@]", word)) or LOCAL.search(word) is not None


def pip_pin(lint: Lint) -> Iterator[Hit]:
    for _, run, command in installs(lint, PIP):
        if has_option(command, "rc", ("requirement", "constraint")):
            continue
        loose = [w for w in packages(command, PIP) if not _pinned(w.value)]
        if loose:
            names = ", ".join(f"`{w.value}`" for w in loose)
            yield Hit(lint.span_in(run, loose[0].start, loose[-1].end),
                      f"Pin versions in pip: use `pip install <package>==<version>` or "
                      f"`pip install --requirement <file>` ({names})")
