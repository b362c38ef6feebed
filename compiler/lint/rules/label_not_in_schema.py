"""A label that is not in the label schema (hadolint DL3050; with `strict-labels`).

Catches, with `strict-labels = true` and a schema without `foo`:

    LABEL foo=bar
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.labelschema import labels
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint


def label_not_in_schema(lint: Lint) -> Iterator[Hit]:
    schema = lint.settings.label_schema
    if not lint.settings.strict_labels:
        return
    for stage in lint.stages:
        for key, (_, span) in labels(lint, stage).items():
            if key not in schema and span.line > stage.node.span.line:
                yield Hit(span, f"Superfluous label `{key}` present")
