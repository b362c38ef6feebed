"""ADD of local files or folders: use COPY (hadolint DL3020).

ADD also fetches URLs and unpacks archives; for plain files that magic only surprises
(a `.tar` that was meant to be copied gets unpacked). URLs, git sources and archives
are fine.

Catches:

    ADD app.py /srv/

Fix (safe when ADD has no ADD-only flags): `COPY app.py /srv/`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfc.compiler.copying import classify
from dfc.compiler.ir import PathSource
from dfc.compiler.lint.fixes import keyword_span, replace
from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.grammar import ast

ARCHIVE = re.compile(r"\.(?:tar|tgz|tbz2?|txz|tzst|gz|bz2|xz|zst|zip|lz|lzma|lzo|z|7z)$",
                     re.IGNORECASE)


def add_instead_of_copy(lint: Lint) -> Iterator[Hit]:
    for _, node in lint.nodes(ast.Add):
        if node.heredocs or not node.sources:
            continue
        if not all(isinstance(classify(s), PathSource) and not ARCHIVE.search(s)
                   and "$" not in s for s in node.sources):
            continue
        fix = None
        if node.checksum is None and node.keep_git_dir is None and node.unpack is None:
            word = "COPY" if node.keyword.isupper() else "copy"
            fix = replace(keyword_span(node), word, "use COPY")
        yield Hit(node.span, "Use COPY instead of ADD for files and folders", fix)
