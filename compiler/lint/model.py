"""What lint produces: findings with a severity, an exact span and an optional fix.

A rule yields `Hit`s (where and what); the engine turns them into `Finding`s by adding
the code, the effective severity, the file and the stage, so a rule never repeats its
own metadata.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec

from dfc.source import Span


class Severity(StrEnum):
    """Finding levels, most severe first; `off` disables a rule."""

    error = "error"
    warning = "warning"
    info = "info"
    style = "style"
    off = "off"

    @property
    def rank(self) -> int:
        """Higher is more severe: error 4 ... style 1, off 0."""
        return {"error": 4, "warning": 3, "info": 2, "style": 1, "off": 0}[self.value]


class Edit(msgspec.Struct, frozen=True):
    """Replace the source text under `span` (end exclusive) with `text`."""

    span: Span
    text: str


class Fix(msgspec.Struct, frozen=True):
    """A safe rewrite of the source: applying every edit keeps the build's meaning
    except for the problem the finding names."""

    description: str
    edits: tuple[Edit, ...]


class Hit(msgspec.Struct, frozen=True):
    """One problem a rule found: where, what, and how to fix it when that is safe;
    `alias` names the hadolint code of this hit when the rule has several."""

    span: Span
    message: str
    fix: Fix | None = None
    alias: str | None = None  # the hadolint code, when the rule stands for several


class Finding(msgspec.Struct, frozen=True, omit_defaults=True):
    """A reported problem. `stage` is the stage id it belongs to (None: the global
    scope); `shipped` tells whether that stage is the final image."""

    code: str
    name: str
    severity: Severity
    message: str
    file: str
    span: Span
    stage: str | None = None
    shipped: bool | None = None
    fix: Fix | None = None
    alias: str | None = None
