"""Content digests of context files without reading them: a persistent map from a file's
path and stat fields to the digest of its content, so a rebuild with nothing changed
reads no file (and rewrites nothing).

A file counts as unchanged while its size, mtime, ctime, inode and mode are as recorded.
Every change moves ctime (writing, replacing, `chmod`, `chown`, even `touch`), so a
changed file is always hashed again; a touched one hashes to the same digest.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import msgspec

StatKey = tuple[int, int, int, int, int]
"""size, mtime_ns, ctime_ns, inode, mode."""

Entries = dict[str, tuple[int, int, int, int, int, str]]
"""full path -> (*StatKey, content digest)."""


class StatCache:
    """Persistent (path, size, mtime_ns, ctime_ns, inode, mode) -> content digest map."""

    def __init__(self, path: Path | None = None):
        self.path = path
        self.entries: Entries = {}
        self.dirty = False
        if path is not None:
            try:
                self.entries = msgspec.msgpack.decode(path.read_bytes(), type=Entries)
            except (msgspec.DecodeError, OSError):
                self.entries = {}

    def digests(self, files: list[tuple[str, os.stat_result]]) -> list[str]:
        """The content digests of `files` (full path, lstat), in order: recorded ones as
        they are, the others hashed several at a time (hashlib releases the GIL on large
        buffers, so threads use every core)."""
        entries = self.entries
        out: list[str] = []
        missing: list[tuple[int, str, StatKey]] = []
        for full, st in files:
            key = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_mode)
            cached = entries.get(full)
            if cached is not None and cached[:5] == key:
                out.append(cached[5])
            else:
                missing.append((len(out), full, key))
                out.append("")
        if missing:
            if len(missing) == 1:
                hashed = [hash_file(missing[0][1])]
            else:
                with ThreadPoolExecutor(max_workers=min(8, (os.cpu_count() or 2) * 2)) as pool:
                    hashed = list(pool.map(lambda item: hash_file(item[1]), missing))
            for (i, full, key), digest in zip(missing, hashed, strict=True):
                entries[full] = (*key, digest)
                out[i] = digest
            self.dirty = True
        return out

    def save(self) -> None:
        """Write the map if this build added to it (a no-op rebuild writes nothing)."""
        if self.path is None or not self.dirty:
            return
        from dfc.cache.fsutil import atomic_write

        atomic_write(self.path, msgspec.msgpack.encode(self.entries))
        self.dirty = False


def hash_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
