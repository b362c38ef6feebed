"""yarn install without `yarn cache clean` (hadolint DL3060).

Yarn's cache ships in the layer unless the same RUN cleans it. Checked for the stages
whose layers ship (the final one, or one a later FROM builds on); a cache mount of the
yarn cache exempts the RUN.

Catches:

    RUN yarn install --frozen-lockfile

Instead:

    RUN yarn install --frozen-lockfile && yarn cache clean
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.commands import positionals
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.packages import cache_mounted, cleans
from dfc.compiler.lint.rule import Lint

CACHES = ("/usr/local/share/.cache/yarn", "/root/.cache/yarn", "/root/.yarn")


def yarn_cache_clean(lint: Lint) -> Iterator[Hit]:
    for stage, run in lint.runs():
        if not lint.layers_ship(stage) or cache_mounted(run, *CACHES):
            continue
        commands = lint.commands(run)
        for command in commands:
            words = [w.value for w in positionals(command)]
            if command.name != "yarn" or (words and words[0] not in ("install", "add")):
                continue
            later = [c for c in commands if c.start > command.start]
            if not cleans(later, frozenset({"yarn"}), (("cache", "clean"),), CACHES):
                yield Hit(lint.span_in(run, command.start, command.end),
                          "`yarn cache clean` missing after `yarn install` was run.")
            break
