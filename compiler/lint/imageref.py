"""Image references as FROM and `COPY --from` write them, expanded with the global ARGs.

Image rules judge the reference the build would pull: `FROM $BASE` is judged on the
value `$BASE` has by default; a reference that needs an ARG without a value is
"unresolvable" and no image rule guesses about it.
"""

from __future__ import annotations

import msgspec

from dfc.compiler.lint.rule import Lint, StageFacts
from dfc.compiler.scope import global_args
from dfc.errors import DfcError
from dfc.grammar.words import expand_word
from dfc.reference import Reference, parse_named

AUTOMATIC = ("BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT", "TARGETPLATFORM",
             "TARGETOS", "TARGETARCH", "TARGETVARIANT", "TARGETSTAGE")


def parse_image(reference: str) -> Reference | None:
    """The reference as written (no default tag); None when it is not a valid one.

    >>> parse_image("ghcr.io/o/app:1.2@sha256:" + "a" * 64).registry
    'ghcr.io'
    >>> parse_image("alpine").tag, parse_image("Bad Name")
    (None, None)
    """
    try:
        return parse_named(reference)
    except DfcError:
        return None


def meta_args(lint: Lint) -> dict[str, str]:
    """The values FROM lines see: global ARG defaults (and --build-arg values)."""
    if lint.plan is not None:
        return dict(lint.plan.globals)
    try:
        return global_args(lint.prelude, lint.settings.build_args, {}, lint.tree.directives.escape)
    except DfcError:
        return {}


def valueless_globals(lint: Lint) -> set[str]:
    """Global ARGs declared without a default and not given as build args."""
    names = {d.name for arg in lint.prelude for d in arg.args if d.default is None}
    return names - set(lint.settings.build_args)


class Resolved(msgspec.Struct, frozen=True):
    """The image a FROM pulls: `value` is None when it cannot be known."""

    text: str
    value: str | None
    stage: bool = False

    @property
    def changed(self) -> bool:
        return self.value is not None and self.value != self.text


def resolve_from(lint: Lint, stage: StageFacts) -> Resolved:
    """What `stage`'s FROM names once expanded; `stage` is True for earlier stages."""
    text = stage.node.image
    if "$" not in text:
        value: str | None = text
    else:
        try:
            expansion = expand_word(text, meta_args(lint), lint.tree.directives.escape)
        except DfcError:
            return Resolved(text, None)
        value = None if expansion.used & valueless_globals(lint) else expansion.value
    earlier = {s.name for s in lint.stages[: stage.index] if s.name}
    return Resolved(text, value, value in earlier)


def judged(lint: Lint, stage: StageFacts) -> tuple[Resolved, Reference] | None:
    """The resolved, parsed image of a FROM that image rules should judge: not scratch,
    not an earlier stage, resolvable and valid."""
    resolved = resolve_from(lint, stage)
    if resolved.value is None or resolved.stage or resolved.value == "scratch":
        return None
    name = parse_image(resolved.value)
    return (resolved, name) if name is not None else None


def shown(resolved: Resolved) -> str:
    """`image` or `$BASE (= image)`, for messages."""
    return f"{resolved.text} (= {resolved.value})" if resolved.changed else resolved.text
