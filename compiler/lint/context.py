"""The build context as lint sees it: files COPY would send, after `.dockerignore`."""

from __future__ import annotations

import fnmatch
import os
import posixpath
from collections.abc import Iterator
from pathlib import Path

from dfc.compiler.lint.rule import Surroundings

MAX_FILES = 20000
CREDENTIALS = (".npmrc", ".pypirc", ".netrc", ".git-credentials", "id_rsa", "id_dsa",
               "id_ecdsa", "id_ed25519", "*.pem", "*.key", "*.p12", "*.pfx", ".env",
               ".env.*", "credentials", "credentials.json", ".htpasswd", "*.kdbx",
               "service-account*.json", ".dockercfg")
HARMLESS = (".env.example", ".env.sample", ".env.template", ".env.dist", "*.pub")


def is_credential(rel: str) -> bool:
    """Does a context path name a credential file?

    >>> [is_credential(p) for p in ("a/.npmrc", ".env", ".env.example", "src/app.py")]
    [True, True, False, False]
    """
    name = posixpath.basename(rel)
    if any(fnmatch.fnmatch(name, p) for p in HARMLESS):
        return False
    if rel.endswith((".aws/credentials", ".docker/config.json")):
        return True
    return any(fnmatch.fnmatch(name, p) for p in CREDENTIALS)


def context_files(surroundings: Surroundings, below: str = "") -> Iterator[str]:
    """Relative paths of the context files under `below` that `.dockerignore` keeps
    (excluded folders are not entered; at most MAX_FILES)."""
    root = surroundings.context
    if root is None:
        return
    ignored = surroundings.ignored or (lambda _: False)
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
