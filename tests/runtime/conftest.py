"""Fixtures for reading stored layers back as plain tuples, for exact assertions.

(Fixtures rather than a helper module: pytest runs in importlib mode, tests import nothing
from each other.)
"""

from __future__ import annotations

import tarfile
from collections.abc import Callable

import pytest

from dfc.cache.store import Store
from dfc.runtime.fs.layer import decompressed

Row = tuple[str, str, int, int, int, int, str]
_LETTERS = {tarfile.REGTYPE: "-", tarfile.DIRTYPE: "d", tarfile.SYMTYPE: "l",
            tarfile.LNKTYPE: "h", tarfile.CHRTYPE: "c", tarfile.BLKTYPE: "b",
            tarfile.FIFOTYPE: "p"}


def _members(store: Store, digest: str) -> list[tarfile.TarInfo]:
    with store.open_blob(digest) as f, tarfile.open(fileobj=decompressed(f), mode="r|") as tar:
        return list(tar)


@pytest.fixture
def members() -> Callable[[Store, str], list[tarfile.TarInfo]]:
    """The TarInfo of every entry of a stored layer, in archive order."""
    return _members


@pytest.fixture
def listing() -> Callable[[Store, str], list[Row]]:
    """(name, type letter, mode, uid, gid, mtime, link) per entry, in archive order."""
    def rows(store: Store, digest: str) -> list[Row]:
        return [(m.name, _LETTERS[m.type], m.mode, m.uid, m.gid, m.mtime, m.linkname)
                for m in _members(store, digest)]
    return rows
