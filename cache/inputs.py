"""What a COPY/ADD reads: the source paths it selects, and a digest of exactly those.

Selection follows BuildKit: sources are cleaned and rooted (`../x` is `/x` of the
source), wildcards are Go `filepath.Match` per segment, a wildcard that matches nothing is
fine while a missing literal path or a missing wildcard parent is an error, and symlinks
on the way to a source are resolved inside the source root (never on the host).
Context files excluded by `.dockerignore` do not exist.

The digest covers names, file types, modes, owners, sizes, link targets and contents,
never times, so touching a file keeps the cache while `chmod +x` or a rename does not.
File contents are hashed through a persistent stat cache, so a rebuild with nothing
changed reads no file.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import msgspec

from dfc.cache.patterns import IgnoreMatcher, glob_regex, has_wildcard
from dfc.errors import DfcError

MAX_LINKS = 255


class SourceNotFound(DfcError):
    """A COPY/ADD source does not exist in its origin."""


class Origin(msgspec.Struct, frozen=True):
    """A tree that sources are read from: the build context (with its `.dockerignore`,
    owners reset to 0:0 as the Docker client does) or a stage/image root filesystem."""

    root: str
    ignore: IgnoreMatcher | None = None
    reset_owner: bool = False

    def excluded(self, rel: str) -> bool:
        return self.ignore is not None and bool(rel) and self.ignore.excluded(rel)


def clean_source(path: str) -> str:
    """A source path made relative to its origin's root: `../x`, `/x`, `./x/` -> `x`.

    >>> [clean_source(p) for p in ["../x", "/a/./b/", ".", "a/../../c"]]
    ['x', 'a/b', '', 'c']
    """
    cleaned = posixpath.normpath("/" + path).lstrip("/")
    return "" if cleaned == "." else cleaned


def resolve_in_root(origin: Origin, rel: str, *, follow_last: bool = True) -> str | None:
    """Resolve symlinks in `rel` as if `origin.root` were `/`: the relative real path, or
    None when a component does not exist (or is excluded)."""
    parts = [p for p in rel.split("/") if p]
    done: list[str] = []
    links = 0
    while parts:
        name = parts.pop(0)
        if name == "..":
            if done:
                done.pop()
            continue
        candidate = "/".join([*done, name])
        if origin.excluded(candidate):
            return None
        full = os.path.join(origin.root, candidate)
        try:
            st = os.lstat(full)
        except FileNotFoundError:
            return None
        except NotADirectoryError:
            return None
        if stat.S_ISLNK(st.st_mode) and (parts or follow_last):
            links += 1
            if links > MAX_LINKS:
                raise DfcError(f"too many levels of symbolic links resolving {rel}")
            target = os.readlink(full)
            if target.startswith("/"):
                done = []
            parts = [p for p in target.split("/") if p] + parts
            continue
        done.append(name)
    return "/".join(done)


class Match(msgspec.Struct, frozen=True):
    """One selected source: `name` is the path as the source names it (parent symlinks
    resolved, the last one not: it gives the copy its name), `real` where its content is."""

    name: str
    real: str


def select(origin: Origin, source: str) -> list[Match]:
    """What one source selects, resolved inside the root. A source that is a symlink is
    followed but keeps its own name (`COPY link.txt /d/` writes `/d/link.txt`).

    A literal path must exist; a wildcard may match nothing, but its non-wildcard
    parent directory must exist.
    """
    rel = clean_source(source)
    if not has_wildcard(rel):
        real = resolve_in_root(origin, rel)
        name = resolve_in_root(origin, rel, follow_last=False)
        if real is None or name is None:
            raise SourceNotFound(f'"/{rel}": not found')
        return [Match(name, real)]
    segments = rel.split("/")
    first = next(i for i, seg in enumerate(segments) if has_wildcard(seg))
    prefix = "/".join(segments[:first])
    base = resolve_in_root(origin, prefix)
    if base is None or not os.path.isdir(os.path.join(origin.root, base)):
        raise SourceNotFound(f'"/{prefix}": not found')
    found = [Match(base, base)]
    for segment in segments[first:]:
        regex = glob_regex(segment) if has_wildcard(segment) else None
        following: list[Match] = []
        for parent in found:
            following += _children(origin, parent.real, segment, regex)
        found = following
    return sorted(found, key=lambda m: m.name)


def _children(origin: Origin, parent: str, segment: str, regex: object) -> list[Match]:
    full = os.path.join(origin.root, parent)
    if not os.path.isdir(full):
        return []
    names = sorted(os.listdir(full)) if regex is not None else [segment]
    out = []
    for name in names:
        if regex is not None and not regex.match(name):  # type: ignore[attr-defined]
            continue
        rel = posixpath.join(parent, name) if parent else name
        real = resolve_in_root(origin, rel)
        if real is not None:
            out.append(Match(rel, real))
    return out


def walk(origin: Origin, rel: str) -> Iterator[tuple[str, os.stat_result]]:
    """`rel` and, for a directory, everything below it that is not excluded, parents
    first, sorted; symlinks below the top are not followed. A directory that
    `.dockerignore` excludes is still entered when exceptions could re-include files."""
    full = os.path.join(origin.root, rel)
    st = os.stat(full) if rel == "" else os.lstat(full)
    if stat.S_ISLNK(st.st_mode):
        st = os.stat(full)
    yield rel, st
    if stat.S_ISDIR(st.st_mode):
        yield from _walk_dir(origin, rel)


def _walk_dir(origin: Origin, rel: str) -> Iterator[tuple[str, os.stat_result]]:
    full = os.path.join(origin.root, rel)
    with os.scandir(full) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        child = posixpath.join(rel, entry.name) if rel else entry.name
        st = entry.stat(follow_symlinks=False)
        is_dir = stat.S_ISDIR(st.st_mode)
        if origin.excluded(child):
            if is_dir and origin.ignore is not None and origin.ignore.has_exceptions:
                yield from _kept_below(origin, child, st)
            continue
        yield child, st
        if is_dir:
            yield from _walk_dir(origin, child)


def _kept_below(
    origin: Origin, rel: str, st: os.stat_result
) -> Iterator[tuple[str, os.stat_result]]:
    """Entries re-included under an excluded directory, with the directory itself first
    when anything below it is kept (BuildKit keeps such parents)."""
    kept = list(_walk_dir(origin, rel))
    if kept:
        yield rel, st
        yield from kept


class StatCache:
    """Persistent (path, size, mtime_ns, ctime_ns, inode, mode) -> content digest map."""

    def __init__(self, path: Path | None = None):
        self.path = path
        self.entries: dict[str, tuple[int, int, int, int, int, str]] = {}
        self.dirty = False
        if path is not None and path.exists():
            try:
                self.entries = msgspec.msgpack.decode(path.read_bytes(),
                                                      type=dict[str, tuple[int, int, int, int,
                                                                           int, str]])
            except (msgspec.DecodeError, OSError):
                self.entries = {}

    def content_digest(self, full: str, st: os.stat_result) -> str:
        key = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_mode)
        cached = self.entries.get(full)
        if cached is not None and cached[:5] == key:
            return cached[5]
        digest = hash_file(full)
        self.entries[full] = (*key, digest)
        self.dirty = True
        return digest

    def prefetch(self, files: list[tuple[str, os.stat_result]]) -> None:
        """Hash the files the cache cannot answer for, several at a time (hashlib releases
        the GIL on large buffers, so threads use every core)."""
        missing = [(full, st) for full, st in files
                   if (cached := self.entries.get(full)) is None
                   or cached[:5] != (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino,
                                     st.st_mode)]
        if len(missing) < 2:
            return
        with ThreadPoolExecutor(max_workers=min(8, (os.cpu_count() or 2) * 2)) as pool:
            digests = list(pool.map(lambda item: hash_file(item[0]), missing))
        for (full, st), digest in zip(missing, digests, strict=True):
            self.entries[full] = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino,
                                  st.st_mode, digest)
        self.dirty = True

    def save(self) -> None:
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


def entry_digest(origin: Origin, rel: str, st: os.stat_result, cache: StatCache) -> str:
    """One entry's header (type, mode, owner, size, link target, device) and content."""
    full = os.path.join(origin.root, rel)
    uid, gid = (0, 0) if origin.reset_owner else (st.st_uid, st.st_gid)
    mode = st.st_mode
    extra = ""
    if stat.S_ISREG(mode):
        extra = cache.content_digest(full, st)
    elif stat.S_ISLNK(mode):
        extra = os.readlink(full)
        mode = stat.S_IFLNK | 0o777
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        extra = f"{os.major(st.st_rdev)},{os.minor(st.st_rdev)}"
    size = st.st_size if stat.S_ISREG(mode) else 0
    return f"{mode:o} {uid} {gid} {size} {extra}"


def selection_digest(origin: Origin, sources: list[str], cache: StatCache,
                     listing: list[tuple[str, str]] | None = None) -> str:
    """The digest of everything `sources` select in `origin` (relative names included).
    `listing`, when given, receives (path in origin, entry digest) for every entry, so a
    later build can say which file made its key change."""
    selected: list[tuple[str, Match, str, os.stat_result]] = []
    for source in sources:
        for match in select(origin, source):
            selected += [(source, match, rel, st) for rel, st in walk(origin, match.real)]
    cache.prefetch([(os.path.join(origin.root, rel), st) for _, _, rel, st in selected
                    if stat.S_ISREG(st.st_mode)])
    digest = hashlib.sha256()
    last: tuple[str, Match] | None = None
    for source, match, rel, st in selected:
        if (source, match) != last:
            digest.update(b"source\0" + source.encode() + b"\0")
            for part in (match.name, match.real):
                digest.update(b"match\0" + part.encode("utf-8", "surrogateescape") + b"\0")
            last = (source, match)
        # `rel` lies below `match.real` (walk yields it first): a slice, not relpath.
        name = rel[len(match.real) + 1 if match.real else 0:] if rel != match.real else "."
        entry = entry_digest(origin, rel, st, cache)
        if listing is not None:
            listing.append((rel, entry))
        digest.update(f"{name}\0{entry}\n".encode("utf-8", "surrogateescape"))
    return "sha256:" + digest.hexdigest()
