"""A label value does not match its type in the label schema (hadolint DL3051-DL3056,
DL3058: empty, url, rfc3339, spdx, hash, semver, email).

Selecting or ignoring any of those DL codes selects or ignores this whole check.

Catches, with `label-schema = { "org.opencontainers.image.created" = "rfc3339" }`:

    LABEL org.opencontainers.image.created="yesterday"
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.labelschema import CHECKS, LABEL_VALUE_CODES, labels
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint


def invalid_label_value(lint: Lint) -> Iterator[Hit]:
    schema = lint.settings.label_schema
    if not schema:
        return
    for stage in lint.stages:
        for key, (value, span) in labels(lint, stage).items():
            kind = schema.get(key)
            if kind is None or span.line < stage.node.span.line or "$" in value:
                continue
            if not value:
                yield Hit(span, f"Label `{key}` is empty", alias=LABEL_VALUE_CODES["empty"])
            elif not CHECKS[kind](value):
                yield Hit(span, f"Label `{key}` is not a valid {kind}: {value!r}",
                          alias=LABEL_VALUE_CODES[kind])
