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
import re
import stat

import msgspec

from dfc.cache.patterns import IgnoreMatcher, glob_regex, has_wildcard
from dfc.cache.statcache import StatCache
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
    temporary: bool = False
    """A tree made for one build: no stat cache is kept for it."""

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


def _children(origin: Origin, parent: str, segment: str,
              regex: re.Pattern[str] | None) -> list[Match]:
    full = os.path.join(origin.root, parent)
    if not os.path.isdir(full):
        return []
    names = sorted(os.listdir(full)) if regex is not None else [segment]
    out = []
    for name in names:
        if regex is not None and not regex.match(name):
            continue
        rel = posixpath.join(parent, name) if parent else name
        real = resolve_in_root(origin, rel)
        if real is not None:
            out.append(Match(rel, real))
    return out


def walk(origin: Origin, rel: str) -> list[tuple[str, os.stat_result]]:
    """`rel` and, for a directory, everything below it that is not excluded, parents
    first, sorted; symlinks below the top are not followed. A directory that
    `.dockerignore` excludes is still entered when exceptions could re-include files.

    A rebuild walks every selected file, so this is built for speed: one list, and each
    entry stat'ed relative to its open directory (no path lookup from the root)."""
    full = os.path.join(origin.root, rel)
    st = os.stat(full) if rel == "" else os.lstat(full)
    if stat.S_ISLNK(st.st_mode):
        st = os.stat(full)
    out = [(rel, st)]
    if stat.S_ISDIR(st.st_mode):
        ignore = origin.ignore if origin.ignore is not None and origin.ignore.patterns else None
        _walk_dir(full, None, rel, ignore, out)
    return out


def _walk_dir(path: str, dir_fd: int | None, rel: str, ignore: IgnoreMatcher | None,
              out: list[tuple[str, os.stat_result]]) -> None:
    """Append what is below the directory `rel` to `out`. `path` is the directory's name
    in the open directory `dir_fd` (not followed if it became a symlink), or its full
    path when `dir_fd` is None."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
    fd = os.open(path, flags if dir_fd is None else flags | os.O_NOFOLLOW, dir_fd=dir_fd)
    try:
        with os.scandir(fd) as it:
            entries = sorted(it, key=_name)
        prefix = rel + "/" if rel else ""
        for entry in entries:
            child = prefix + entry.name
            st = entry.stat(follow_symlinks=False)
            is_dir = stat.S_ISDIR(st.st_mode)
            if ignore is not None and ignore.excluded(child):
                if is_dir and ignore.has_exceptions:
                    _kept_below(entry.name, fd, child, st, ignore, out)
                continue
            out.append((child, st))
            if is_dir:
                _walk_dir(entry.name, fd, child, ignore, out)
    finally:
        os.close(fd)


def _kept_below(name: str, dir_fd: int, rel: str, st: os.stat_result, ignore: IgnoreMatcher,
                out: list[tuple[str, os.stat_result]]) -> None:
    """Entries re-included under an excluded directory, with the directory itself first
    when anything below it is kept (BuildKit keeps such parents)."""
    kept: list[tuple[str, os.stat_result]] = []
    _walk_dir(name, dir_fd, rel, ignore, kept)
    if kept:
        out.append((rel, st))
        out += kept


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def entry_digest(base: str, rel: str, st: os.stat_result, owner: str, content: str) -> str:
    """One entry's header (type, mode, owner, size, link target, device) and `content`,
    the content digest of a regular file; `owner` is "uid gid", or "" to take the file's."""
    mode = st.st_mode
    owner = owner or f"{st.st_uid} {st.st_gid}"
    if stat.S_ISREG(mode):
        return f"{mode:o} {owner} {st.st_size} {content}"
    extra = ""
    if stat.S_ISLNK(mode):
        extra = os.readlink(base + rel)
        mode = stat.S_IFLNK | 0o777
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        extra = f"{os.major(st.st_rdev)},{os.minor(st.st_rdev)}"
    return f"{mode:o} {owner} 0 {extra}"


def selection_digest(origin: Origin, sources: list[str], cache: StatCache,
                     listing: list[tuple[str, str]] | None = None) -> str:
    """The digest of everything `sources` select in `origin` (relative names included).
    `listing`, when given, receives (path in origin, entry digest) for every entry, so a
    later build can say which file made its key change."""
    selected = [(source, match, walk(origin, match.real))
                for source in sources for match in select(origin, source)]
    base = os.path.join(origin.root, "")
    contents = iter(cache.digests(base, [(rel, st) for _, _, found in selected
                                         for rel, st in found if stat.S_ISREG(st.st_mode)]))
    owner = "0 0" if origin.reset_owner else ""
    digest = hashlib.sha256()
    last: tuple[str, Match] | None = None
    for source, match, found in selected:
        if (source, match) != last:
            digest.update(b"source\0" + source.encode() + b"\0")
            for part in (match.name, match.real):
                digest.update(b"match\0" + part.encode("utf-8", "surrogateescape") + b"\0")
            last = (source, match)
        # Every `rel` but the first lies below `match.real`: a slice, not relpath.
        skip = len(match.real) + 1 if match.real else 0
        entries = [entry_digest(base, rel, st, owner,
                                next(contents) if stat.S_ISREG(st.st_mode) else "")
                   for rel, st in found]
        if listing is not None:
            listing += zip([rel for rel, _ in found], entries, strict=True)
        digest.update("".join([f"{rel[skip:] if rel != match.real else '.'}\0{entry}\n"
                               for (rel, _), entry in zip(found, entries, strict=True)]
                              ).encode("utf-8", "surrogateescape"))
    return "sha256:" + digest.hexdigest()
