"""The error hierarchy. `cli.py` is the one place a DfcError becomes an exit code."""

from __future__ import annotations

import errno

from dfc.source import Source, Span, excerpt


class DfcError(Exception):
    """An error the user caused or can fix: shown as one line (plus an excerpt), exit 1."""

    exit_code = 1

    def __init__(self, message: str, span: Span | None = None, source: Source | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.source = source

    def located(self, span: Span | None, source: Source | None) -> DfcError:
        """Fill in a location if the error does not have one yet; returns self."""
        if self.span is None:
            self.span = span
        if self.source is None:
            self.source = source
        return self

    def render(self) -> str:
        """`FILE:LINE:COL: error: message` and, when the text is known, a caret excerpt."""
        if self.span is None:
            where = f"{self.source.name}: " if self.source else ""
            return f"{where}error: {self.message}"
        name = self.source.name if self.source else "Dockerfile"
        head = f"{name}:{self.span.line}:{self.span.column}: error: {self.message}"
        if self.source is None:
            return head
        return head + "\n" + excerpt(self.source, self.span)

    def __str__(self) -> str:
        return self.render()


class ParseError(DfcError):
    """The Dockerfile text is not a valid Dockerfile."""


class CompileError(DfcError):
    """The Dockerfile parses but cannot be lowered (bad stage reference, bad value...)."""


class UsageError(DfcError):
    """A command-line or configuration mistake: docker's 125, as for a bad flag value."""

    exit_code = 125


class StorageError(DfcError):
    """The disk refused a write: the store (or a work folder) is read-only, full, or owned
    by someone else. Not a bug, so one line and docker's exit 1 instead of exit 70."""

    REASONS = {errno.EROFS: "read-only file system", errno.ENOSPC: "no space left on device",
               errno.EDQUOT: "disk quota exceeded"}

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    @classmethod
    def of(cls, exc: BaseException, exit_code: int = 1) -> StorageError | None:
        """The storage error an OSError stands for, or None for any other failure."""
        if not isinstance(exc, OSError) or exc.errno not in cls.REASONS:
            return None
        where = f"{exc.filename}: " if exc.filename else ""
        return cls(f"{where}{cls.REASONS[exc.errno]}", exit_code)
