"""COPY of an archive that a later RUN extracts: use ADD (hadolint DL3010).

ADD unpacks a local archive in one layer; COPY + `tar x` ships the archive and its
contents in two.

Catches:

    COPY app.tar.gz /tmp/
    RUN tar -xzf /tmp/app.tar.gz -C /opt

Instead:

    ADD app.tar.gz /opt/
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from dfc.compiler.lint.model import Hit
from dfc.compiler.lint.rule import Lint
from dfc.compiler.lint.shell import Command
from dfc.grammar import ast

ARCHIVE = re.compile(r"\.(?:tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|zip)$", re.IGNORECASE)


# Decompressors hadolint counts as extracting too (ADD would have unpacked the archive).
UNPACKERS = frozenset({"unzip", "gunzip", "bunzip2", "unlzma", "unxz", "zgz", "uncompress",
                       "zcat", "gzcat"})


def _extracts(command: Command) -> bool:
    """`unzip` and the decompressors, or `tar` with `x` in its (possibly old-style,
    dash-less) first option word or in a short option, or `--extract`/`--get`."""
    if command.name in UNPACKERS:
        return True
    if command.name != "tar":
        return False
    args = command.args
    return "--extract" in args or "--get" in args or any(
        "x" in arg and ((arg.startswith("-") and not arg.startswith("--")) or index == 0)
        for index, arg in enumerate(args))


def copy_then_extract(lint: Lint) -> Iterator[Hit]:
    for stage in lint.stages:
        copied: dict[str, ast.Copy] = {}
        for node in stage.instructions:
            if isinstance(node, ast.Copy) and node.from_ is None:
                for source in node.sources:
                    if ARCHIVE.search(source):
                        copied[posixpath.basename(source)] = node
            elif isinstance(node, ast.Run):
                for command in lint.commands(node):
                    if not _extracts(command):
                        continue
                    for arg in command.args:
                        node_copy = copied.pop(posixpath.basename(arg), None)
                        if node_copy is not None:
                            yield Hit(node_copy.span, f"Use ADD for extracting archives into an "
                                      f"image ({posixpath.basename(arg)} is extracted on line "
                                      f"{node.span.line})")
