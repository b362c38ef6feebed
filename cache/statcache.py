"""Content digests of context files without reading them: a persistent map from a file's
path and stat fields to the digest of its content, so a rebuild with nothing changed
reads no file (and rewrites nothing). Each context folder has its own map, keyed by
paths relative to it, so a build loads only the entries of its own context.

A file counts as unchanged while its size, mtime, ctime, inode and mode are as recorded.
Every change moves ctime (writing, replacing, `chmod`, `chown`, even `touch`), so a
changed file is always hashed again; a touched one hashes to the same digest.

Each record is one bytes value (the packed stat fields, then the raw digest) rather
than a tuple: bytes are not tracked by the garbage collector, so loading a map of
thousands of files costs a fifth as much (no collections run while it decodes).
"""

from __future__ import annotations

import hashlib
import os
import struct
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import msgspec

_STAT = struct.Struct("<QqqQQ")
"""size, mtime_ns, ctime_ns, inode, mode."""

_RECORD = _STAT.size + 32

Entries = dict[str, bytes]
"""path relative to the context -> packed stat fields + the sha256 of the content."""

_DECODER = msgspec.msgpack.Decoder(Entries)


class StatCache:
    """(path, size, mtime_ns, ctime_ns, inode, mode) -> content digest, persistent when
    given a file."""

    def __init__(self, path: Path | None = None):
        self.path = path
        self.entries: Entries = {}
        self.dirty = False
        if path is not None:
            try:
                self.entries = _DECODER.decode(path.read_bytes())
            except (msgspec.DecodeError, OSError):
                self.entries = {}

    def digests(self, base: str, files: list[tuple[str, os.stat_result]]) -> list[str]:
        """The content digests of `files` (path below `base`, lstat), in order: recorded
        ones as they are, the others hashed several at a time (hashlib releases the GIL on
        large buffers, so threads use every core)."""
        entries = self.entries
        pack = _STAT.pack
        out: list[str] = []
        missing: list[tuple[int, str, bytes | None]] = []
        for rel, st in files:
            try:
                key: bytes | None = pack(st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino,
                                         st.st_mode)
            except struct.error:  # a time outside 1677-2262: never recorded, always hashed
                key = None
            cached = entries.get(rel)
            if key is not None and cached is not None and len(cached) == _RECORD \
                    and cached.startswith(key):
                out.append(cached[_STAT.size:].hex())
            else:
                missing.append((len(out), rel, key))
                out.append("")
        if missing:
            if len(missing) == 1:
                hashed = [hash_file(base + missing[0][1])]
            else:
                with ThreadPoolExecutor(max_workers=min(8, (os.cpu_count() or 2) * 2)) as pool:
                    hashed = list(pool.map(lambda item: hash_file(base + item[1]), missing))
            for (i, rel, key), digest in zip(missing, hashed, strict=True):
                if key is not None:
                    entries[rel] = key + bytes.fromhex(digest)
                out[i] = digest
            self.dirty = True
        return out

    def save(self) -> None:
        """Write the map if this build added to it (a no-op rebuild writes nothing)."""
        if self.path is None or not self.dirty:
            return
        from dfc.cache.fsutil import atomic_write

        if self.path.parent.is_file():
            self.path.parent.unlink()  # the one map of every context, before per-context maps
        self.path.parent.mkdir(exist_ok=True)
        atomic_write(self.path, msgspec.msgpack.encode(self.entries))
        self.dirty = False


def context_stats(store_root: Path, context_root: str) -> StatCache:
    """The persistent stat cache of one context folder (by its real path)."""
    real = os.path.realpath(context_root).encode("utf-8", "surrogateescape")
    return StatCache(store_root / "statcache" / hashlib.sha256(real).hexdigest())


def hash_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
