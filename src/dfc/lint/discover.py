"""Find Dockerfiles under folders, honouring `.gitignore` files.

gitignore semantics (nested files, negation, directory-only patterns, `**`) are what
users expect here and differ from `.dockerignore`'s Go rules, so they come from
`pathspec`'s GitIgnoreSpec, the implementation black, mypy and pre-commit tooling use.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator
from pathlib import Path

import pathspec

NAMES = ("Dockerfile", "Containerfile", "*.Dockerfile", "*.dockerfile", "Dockerfile.*",
         "Containerfile.*")
SKIP = frozenset({".git", ".hg", ".svn", ".venv", "node_modules", "__pycache__"})


def is_dockerfile(name: str) -> bool:
    """Is this file name a Dockerfile's?

    >>> [is_dockerfile(n) for n in ("Dockerfile", "app.Dockerfile", "Dockerfile.dev", "x")]
    [True, True, True, False]
    """
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in NAMES) and \
        not name.endswith(".dockerignore")


def _spec(folder: Path) -> pathspec.GitIgnoreSpec | None:
    path = folder / ".gitignore"
    if not path.is_file():
        return None
    try:
        return pathspec.GitIgnoreSpec.from_lines(path.read_text(errors="replace").splitlines())
    except OSError:
        return None


def discover(root: Path) -> Iterator[Path]:
    """Dockerfiles under `root` in a stable order, skipping what a `.gitignore` (in the
    folder or above it, up to `root`) ignores."""
    specs: list[tuple[Path, pathspec.GitIgnoreSpec]] = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        specs = [(base, spec) for base, spec in specs if here == base or base in here.parents]
        spec = _spec(here)
        if spec is not None:
            specs.append((here, spec))
        dirs[:] = sorted(d for d in dirs if d not in SKIP and not _ignored(specs, here / d, True))
        for name in sorted(files):
            if is_dockerfile(name) and not _ignored(specs, here / name, False):
                yield here / name


def _ignored(specs: list[tuple[Path, pathspec.GitIgnoreSpec]], path: Path, is_dir: bool) -> bool:
    """The last `.gitignore` (innermost) with a matching pattern decides, as in git."""
    verdict = False
    for base, spec in specs:
        rel = path.relative_to(base).as_posix() + ("/" if is_dir else "")
        result = spec.check_file(rel)
        if result.include is not None:
            verdict = result.include
    return verdict
