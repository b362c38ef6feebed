"""apt-get lists not removed in the same RUN (hadolint DL3009).

`apt-get update` leaves ~20-40 MB in /var/lib/apt/lists; removed in a later RUN they
still ship in the earlier layer. Checked for the stages that ship or that a later
FROM builds on; a cache or tmpfs mount of the lists exempts the RUN.

Catches:

    RUN apt-get update && apt-get install -y --no-install-recommends curl

Fix (safe): `... && rm -rf /var/lib/apt/lists/*` appended to the same RUN.
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.fixes import insert_after
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.packages import cache_mounted, cleans
from dfc.compiler.lint.rule import Lint
from dfc.compiler.lint.shell import Word

LISTS = "/var/lib/apt/lists"


def apt_lists_cleanup(lint: Lint) -> Iterator[Hit]:
    for stage, run in lint.runs():
        if not lint.layers_ship(stage) or cache_mounted(run, LISTS):
            continue
        commands = lint.commands(run)
        updates = [c for c in commands if c.name in ("apt-get", "apt") and "update" in c.args]
        if not updates:
            continue
        later = [c for c in commands if c.start > updates[0].start]
        if cleans(later, frozenset(), (), (LISTS,)):
            continue
        script = lint.script(run)
        fix = None
        if script is not None and not run.heredocs and script.commands and \
                script.commands[-1].separator == "":
            last = script.commands[-1]
            end = Word("", last.end, last.end)
            fix = insert_after(lint, run, end, f" && rm -rf {LISTS}/*",
                               "remove the apt lists in the same RUN")
        yield Hit(lint.span_in(run, updates[0].start, updates[0].end),
                  "Delete the apt-get lists after installing something: "
                  f"`rm -rf {LISTS}/*` in the same RUN", fix)
