"""A credential file of the build context reaches the final image.

A broad COPY (`COPY . .`, a folder) sends whatever the context holds; an `.npmrc`
with a token, an `id_rsa` or a `.env` that `.dockerignore` does not exclude lands in
a layer of the image that ships (deleting it in a later RUN does not remove it from
that layer). Checked when the context folder is known (`dfc lint` uses the
Dockerfile's folder, or `--context`), for the stages that ship.

Catches, with a `.env` file next to the Dockerfile and no `.dockerignore`:

    COPY . /app

Instead: add `.env` to `.dockerignore` (and mount secrets at build or run time).
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.compiler.lint.credentials import is_credential
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast


def credential_file_copied(lint: Lint) -> Iterator[Hit]:
    context_files = lint.surroundings.context_files
    if context_files is None:
        return
    for stage in lint.stages:
        if not stage.shipped:
            continue
        for current in reversed(lint.chain(stage)):
            for node in current.instructions:
                if not isinstance(node, ast.Copy | ast.Add) or getattr(node, "from_", None):
                    continue
                found = sorted({f for source in node.sources if "$" not in source and
                                "*" not in source and "://" not in source
                                for f in context_files(source.strip("./"))
                                if is_credential(f)})
                if found:
                    shown = ", ".join(found[:5]) + (" ..." if len(found) > 5 else "")
                    yield Hit(node.span, f"{node.keyword.upper()} sends credential files of "
                              f"the context into the final image: {shown}; exclude them in "
                              ".dockerignore")
