"""With the default ARG values, the FROM reference is empty or invalid (BuildKit:
InvalidDefaultArgInFrom).

A build without `--build-arg` then fails; give the ARG a default that makes a valid
reference.

Catches:

    ARG TAG
    FROM alpine:$TAG

(`alpine:` is not a valid reference.)
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.imageref import meta_args, parse_image
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.errors import DfcError
from dfc.grammar.words import expand_word


def invalid_default_arg_in_from(lint: Lint) -> Iterator[Hit]:
    meta = meta_args(lint)
    for stage in lint.stages:
        text = stage.node.image
        if "$" not in text:
            continue
        try:
            value = expand_word(text, meta, lint.tree.directives.escape).value
        except DfcError:
            continue
        if value == "scratch" or any(value == s.name for s in lint.stages[: stage.index]):
            continue
        if not value or parse_image(value) is None:
            yield Hit(stage.node.span, f"Default value for FROM {text} results in "
                      f"{'an empty' if not value else 'an invalid'} reference"
                      + (f" ({value!r})" if value else ""))
