"""The directories of `RUN --mount=type=cache`: persistent under the store, outside every
layer and every cache key, kept from one build to the next.

A cache is named by its id and its seed (the mode/uid/gid of a new directory, or the content
a `from=` source gives it), as BuildKit names it by id and source ref. Sharing works on
instances of that cache: `shared` and `locked` use the first, the one with locks held shared
or exclusive; `private` takes the first instance nobody holds, making a new one if needed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path

from dfc.cache.fsutil import locked

Seed = Callable[[Path], None]
"""Fills a new, empty cache directory."""


@contextlib.contextmanager
def _try_exclusive(path: Path) -> Iterator[bool]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


class CacheDirs:
    """Cache mount directories of one store (`<store>/cachemounts/<name>/<instance>`)."""

    def __init__(self, store_root: Path):
        self.root = store_root / "cachemounts"

    @contextlib.contextmanager
    def use(self, name: str, sharing: str, seed: Seed) -> Iterator[Path]:
        """The directory of cache `name` for the duration, held as `sharing` asks."""
        base = self.root / hashlib.sha256(name.encode()).hexdigest()
        base.mkdir(parents=True, exist_ok=True)
        if sharing != "private":
            with locked(base / "0.lock", shared=sharing == "shared"):
                yield self._instance(base, 0, seed)
            return
        for number in count():
            with _try_exclusive(base / f"{number}.lock") as held:
                if held:
                    yield self._instance(base, number, seed)
                    return

    @staticmethod
    def _instance(base: Path, number: int, seed: Seed) -> Path:
        """Instance `number`, made and seeded first if it does not exist yet (atomically:
        a half-seeded cache is never used)."""
        path = base / str(number)
        with locked(base / "create.lock"):
            if not path.exists():
                fresh = base / f".new-{uuid.uuid4().hex}"
                fresh.mkdir()
                try:
                    seed(fresh)
                except BaseException:
                    shutil.rmtree(fresh, ignore_errors=True)
                    raise
                fresh.rename(path)
        return path
