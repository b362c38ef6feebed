"""The build context folder as lint's rules see it: the files COPY would send, after
`.dockerignore`, and the `.dockerignore` that decides."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from dfc.cache.ignorefile import find_ignore_file, load_ignore_file
from dfc.compiler.lint.images import ImageLookup
from dfc.compiler.lint.rule import ContextFiles, Surroundings
from dfc.errors import DfcError, UsageError

MAX_FILES = 20000


def context_files(root: Path, excluded: Callable[[str], bool] | None) -> ContextFiles:
    """The files of the context folder `root` as rules read them: relative paths under
    a path that `.dockerignore` keeps (excluded folders are not entered; at most
    MAX_FILES)."""
    return partial(_walk, root, excluded or (lambda _: False))


def _walk(root: Path, ignored: Callable[[str], bool], below: str = "") -> Iterator[str]:
    start = Path(root, below)
    if start.is_file():
        rel = below.strip("/")
        if not ignored(rel):
            yield rel
        return
    count = 0
    for folder, dirs, files in os.walk(start):
        rel_folder = Path(folder).relative_to(root).as_posix()
        rel_folder = "" if rel_folder == "." else rel_folder
        dirs[:] = [d for d in dirs if d != ".git" and not ignored(posixpath.join(rel_folder, d))]
        for name in files:
            rel = posixpath.join(rel_folder, name)
            if not ignored(rel):
                count += 1
                if count > MAX_FILES:
                    return
                yield rel


def surroundings(dockerfile: Path | None, context: Path | None,
                 images: ImageLookup | None) -> Surroundings:
    """The build context of a Dockerfile (its folder unless --context) and its
    `.dockerignore` (`<Dockerfile>.dockerignore` first, as BuildKit does)."""
    folder = context or (dockerfile.parent if dockerfile is not None else None)
    if folder is None:
        return Surroundings(images=images)
    found = find_ignore_file(folder, dockerfile)
    try:
        matcher = load_ignore_file(found) if found is not None else None
    except DfcError as exc:
        raise UsageError(f"{found}: {exc.message}") from None
    excluded = matcher.excluded if matcher else None
    return Surroundings(context_files=context_files(folder, excluded), ignored=excluded,
                        ignore_has_exceptions=bool(matcher and matcher.has_exceptions),
                        images=images)
