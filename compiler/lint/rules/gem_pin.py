"""gem install without versions (hadolint DL3028).

`gem:version` and `-v`/`--version` count as pinned.

Catches:

    RUN gem install rails

Instead:

    RUN gem install rails:7.2.1
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.commands import has_option
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.packages import GEM, installs, packages
from dfc.compiler.lint.rule import Lint


def gem_pin(lint: Lint) -> Iterator[Hit]:
    for _, run, command in installs(lint, GEM):
        if has_option(command, "v", ("version",)):
            continue
        loose = [w for w in packages(command, GEM)
                 if ":" not in w.value and not w.value.endswith(".gem")]
        if loose:
            names = ", ".join(f"`{w.value}`" for w in loose)
            yield Hit(lint.span_in(run, loose[0].start, loose[-1].end),
                      f"Pin versions in gem install: use `gem install <gem>:<version>` ({names})")
