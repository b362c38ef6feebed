"""`ENV key value` legacy form (BuildKit: LegacyKeyValueFormat; hadolint #752).

The legacy form takes the whole rest of the line as the value, so
`ENV A B C` sets A to "B C", which is rarely what was meant; `key=value` is explicit.
The same holds for `LABEL key value`.

Catches:

    ENV APP_HOME /srv/app

Fix (safe when the value has no quotes or backslashes):

    ENV APP_HOME=/srv/app
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfc.compiler.lint.fixes import replace
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast


def _fixed(pair: ast.KeyValue) -> str | None:
    value = pair.value
    if any(c in value for c in "\"'\\") or pair.span.line != pair.span.end_line:
        return None
    if re.search(r"\s", value):
        value = f'"{value}"'
    return f"{pair.key}={value}"


def legacy_key_value(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        for node in stage.instructions:
            if not isinstance(node, ast.Env | ast.Label):
                continue
            for pair in node.pairs:
                if not pair.legacy:
                    continue
                text = _fixed(pair)
                fix = replace(pair.span, text, "use key=value") if text else None
                kind = node.keyword.upper()
                yield Hit(node.span, f'"{kind} key=value" should be used instead of legacy '
                          f'"{kind} key value" format', fix)
