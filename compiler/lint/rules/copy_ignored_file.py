"""COPY source excluded by .dockerignore (BuildKit: CopyIgnoredFile).

The file is not in the context the build sees, so the COPY fails (or a wildcard
silently matches less than expected). As in BuildKit, the check is skipped when the
ignore file has `!` exceptions.

Catches, with `.dockerignore` containing `*.md`:

    COPY README.md /docs/
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast


def copy_ignored_file(lint: Lint) -> Iterator[Hit]:
    ignored = lint.surroundings.ignored
    if ignored is None or lint.surroundings.ignore_has_exceptions:
        return
    # a union of classes works with isinstance, yet mypy takes no union for type[N]
    for _, node in lint.nodes(ast.Copy | ast.Add):  # type: ignore[arg-type]
        if getattr(node, "from_", None) is not None:
            continue
        for source in node.sources:
            if "$" in source or "://" in source or any(c in source for c in "*?["):
                continue
            rel = posixpath.normpath(source).lstrip("/")
            if rel not in (".", "") and ignored(rel):
                yield Hit(node.span, f"Attempting to {node.keyword.capitalize()} file "
                          f'"{source}" that is excluded by .dockerignore')
