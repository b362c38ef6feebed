"""FROM image depends on an ARG without a value: image rules cannot judge it.

`ARG BASE` / `FROM $BASE` is whatever the build passes with `--build-arg BASE=...`.
Tag, `latest`, digest and registry rules (DFC100-DFC103) say nothing about such an
image rather than guess (hadolint skips `$`-leading names silently and flags
`img${X}` falsely). Give the ARG a default, or lint with `--build-arg`.

Catches:

    ARG BASE
    FROM $BASE
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.imageref import resolve_from
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint


def unresolvable_image(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        if resolve_from(lint, stage).value is None:
            yield Hit(stage.node.span, f"Image {stage.node.image} depends on an ARG without a "
                      "value: its tag and registry are unknown (give the ARG a default or "
                      "pass --build-arg)")
