"""COPY --from of a path the source stage never writes.

The source stage's writes are known from its COPY/ADD destinations, WORKDIRs and the
RUN commands whose effect is known (mkdir, cp, `wget -O`, `tar -C`, `go build -o`,
package managers...), plus the base image's files when the base is in the store. If
the stage runs a command whose effect is not known, or its base image is not in the
store, nothing is said.

Catches:

    FROM golang:1.22 AS build
    WORKDIR /src
    COPY . .
    RUN mkdir -p /out && go build -o /out/app .
    FROM scratch
    COPY --from=build /bin/app /app
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from dfc.compiler.ir import ImageRef, Scratch
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint, StageFacts
from dfc.compiler.lint.writes import covers, stage_writes
from dfc.errors import DfcError
from dfc.grammar import ast
from dfc.grammar.words import expand_word


def _literal_prefix(path: str) -> str:
    """The part of a source path before its first wildcard."""
    match = re.search(r"[*?\[]", path)
    head = path[: match.start()] if match else path
    return posixpath.normpath("/" + (head.rsplit("/", 1)[0] if match else head).lstrip("/"))


def _base_has(lint: Lint, source: StageFacts, path: str) -> bool | None:
    """Does the root image under `source` have `path`? None when unknown."""
    root = lint.chain(source)[-1]
    if isinstance(root.base, Scratch):
        return False
    if not isinstance(root.base, ImageRef):
        return None
    image = lint.base_image(root)
    return None if image is None else image.exists(path)


def copy_from_missing_path(lint: Lint) -> Iterator[Hit]:
    for _, node in lint.nodes(ast.Copy):
        if node.from_ is None:
            continue
        source = lint.stage_named(node.from_)
        if source is None:
            continue
        writes = stage_writes(lint, source)
        if not writes.bounded:
            continue
        for raw in node.sources:
            try:
                text = expand_word(raw, {}, lint.tree.directives.escape).value
            except DfcError:
                continue
            path = _literal_prefix(text)
            if path == "/" or any(covers(w.path, path) for w in writes.writes):
                continue
            if _base_has(lint, source, path) is not False:
                continue
            yield Hit(node.span, f"COPY --from={node.from_} {raw}: stage {source.id} never "
                      f"writes {path}")
