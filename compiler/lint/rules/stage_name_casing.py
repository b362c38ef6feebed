"""Stage name is not lowercase (BuildKit: StageNameCasing).

Stage names are matched case-insensitively by `COPY --from` but exactly by `FROM`
(after lowercasing), so `FROM Build` does not find the stage `Build`.

Catches:

    FROM alpine:3.20 AS Build
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint


def stage_name_casing(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        name = stage.node.name
        if name is not None and name != name.lower():
            yield Hit(stage.node.span, f"Stage name '{name}' should be lowercase")
