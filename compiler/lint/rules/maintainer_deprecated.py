"""MAINTAINER is deprecated (hadolint DL4000, BuildKit: MaintainerDeprecated).

Use the OCI label instead; it is what registries and tools read.

Catches:

    MAINTAINER Jane Doe <jane@example.com>

Fix (safe):

    LABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.fixes import replace
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast
from dfc.source import Span


def _quoted(text: str) -> str:
    """A double-quoted LABEL value that expands to `text` (`"`, backslash, `$` escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'


def maintainer_deprecated(lint: Lint) -> Iterator[Hit]:
    for _, node in lint.nodes(ast.Maintainer):
        keyword = "LABEL" if node.keyword.isupper() else "label"
        whole = Span(node.span.line, node.span.column, node.span.end_line, node.span.end_column)
        text = f"{keyword} org.opencontainers.image.authors={_quoted(node.name)}"
        yield Hit(node.span, "MAINTAINER instruction is deprecated in favor of using label",
                  replace(whole, text, "use LABEL org.opencontainers.image.authors"))
