"""`located(span)`: give an error raised inside a block the span of the instruction.

The expander and helpers raise `CompileError` without a location (they do not know
which instruction they serve); lowering wraps each instruction once with this.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from dfc.errors import DfcError
from dfc.source import Span


@contextmanager
def located(span: Span) -> Iterator[None]:
    """Attach `span` to a DfcError escaping the block unless it already has one.

    >>> from dfc.errors import CompileError
    >>> try:
    ...     with located(Span(3, 1, 3, 4)):
    ...         raise CompileError("boom")
    ... except CompileError as exc:
    ...     print(exc.render())
    Dockerfile:3:1: error: boom
    """
    try:
        yield
    except DfcError as exc:
        raise exc.located(span, None) from None
