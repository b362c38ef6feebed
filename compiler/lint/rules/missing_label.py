"""A label required by the label schema is missing (hadolint DL3049).

Active when `label-schema` is configured; checked on the image that ships (the
target stage, with the labels of the stages it builds on), not on builder stages.

Catches, with `label-schema = { "org.opencontainers.image.source" = "url" }`:

    FROM alpine:3.20
    CMD ["app"]
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.labelschema import labels, shipped
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint


def missing_label(lint: Lint) -> Iterator[Hit]:
    schema = lint.settings.label_schema
    stage = shipped(lint)
    if not schema or stage is None:
        return
    present = labels(lint, stage)
    for key in schema:
        if key not in present:
            yield Hit(stage.node.span, f"Label `{key}` is missing")
