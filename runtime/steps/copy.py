"""COPY and ADD: the layer entries a copy produces, built straight from the sources.

No container is involved: the destination image is read through a RootView (for the
destination rules and `--chown` names) and each selected source file becomes a layer entry
that streams from where it already is. BuildKit's rules (reference section 7): a
directory source copies its contents; a trailing `/`, or an existing directory, makes the
destination a directory; missing destination folders are created 0755 and owned by the
`--chown` user (`--chmod` applies to what is copied, not to them; neither applies to
what an archive holds); context files are owned
0:0, stage and image files keep their owners; modes and mtimes are kept; ADD extracts
local tar archives (detected by content).
"""

from __future__ import annotations

import os
import posixpath
import stat
import time
from collections.abc import Callable, Iterator

from dfc.cache.inputs import Match, Origin, select, walk
from dfc.cache.patterns import IgnoreMatcher
from dfc.compiler import ir
from dfc.errors import DfcError
from dfc.runtime.fs.archives import archive_entries, is_archive
from dfc.runtime.fs.layer import Entry, stat_entry
from dfc.runtime.fs.modes import apply_chmod, parse_chmod
from dfc.runtime.fs.rootview import RootView
from dfc.runtime.fs.users import chown_ids

Fetch = Callable[[ir.UrlSource | ir.GitSource, str, str, bool], tuple[Origin, str]]
"""Fetch a remote ADD source into the scratch folder (source, scratch, checksum,
keep_git_dir): the origin to copy from and the path in it."""


class CopyError(DfcError):
    """A COPY/ADD that cannot be carried out as written."""


def existing_dir(view: RootView, rel: str) -> Entry | None:
    """The entry of a directory the image already has, as it is. A layer that adds a file
    below it must carry it (tar extraction, like an overlay diff, needs every parent), and
    a parent with made-up attributes would reset its owner and mode (`/tmp` 1777 -> 755)."""
    found = view.locate(rel)
    if found is None or not stat.S_ISDIR(found[1].st_mode):
        return None
    return stat_entry(rel, str(found[0]), found[1])


class Target:
    """Where the copy lands: the resolved destination and whether it is a directory."""

    def __init__(self, view: RootView, dest: str, many: bool):
        self.view = view
        rel = view.resolve(dest.strip("/"), follow_last=True)
        self.rel = rel
        self.is_dir = dest.endswith("/") or dest in ("", "/") or view.is_dir(rel)
        self.many = many

    def path_for(self, name: str) -> str:
        """The destination of a top-level file called `name`."""
        return posixpath.join(self.rel, name) if self.is_dir else self.rel


class Copier:
    """Collects the entries of one COPY/ADD step, later ones replacing earlier ones."""

    def __init__(self, step: ir.Copy, view: RootView, epoch: int | None,
                 names: RootView | None = None):
        """`view` is the tree the copy lands on; `names` the image whose /etc/passwd and
        /etc/group resolve `--chown` (the same image, unless --link copies onto nothing)."""
        self.step = step
        self.view = view
        self.entries: dict[str, Entry] = {}
        self.now = epoch if epoch is not None else int(time.time())
        self.mode = parse_chmod(step.chmod) if step.chmod else None
        self.owner = chown_ids(step.chown, names or view) if step.chown else None
        self.exclude = IgnoreMatcher.from_lines(step.exclude) if step.exclude else None

    def add(self, entry: Entry) -> None:
        """A copied entry: `--chown` and `--chmod` apply."""
        if self.owner is not None:
            entry = _replace(entry, uid=self.owner[0], gid=self.owner[1])
        if self.mode is not None and entry.kind in ("file", "dir"):
            entry = _replace(entry, mode=apply_chmod(self.mode, entry.mode, entry.kind == "dir"))
        self.entries[entry.path] = entry

    def parents(self, path: str) -> None:
        """Create the missing parent directories of `path`; existing ones go into the layer
        as they are."""
        parts = path.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            self.add_dir("/".join(parts[:depth]))

    def add_dir(self, path: str) -> None:
        """A destination directory: made 0755 and owned by the `--chown` user when missing
        (`--chmod` is for what is copied into it, as in BuildKit), kept when present."""
        if not path or path in self.entries:
            return
        existing = existing_dir(self.view, path)
        if existing is not None:
            self.entries[path] = existing
            return
        self.parents(path)
        uid, gid = self.owner or (0, 0)
        self.entries[path] = Entry(path=path, kind="dir", mode=0o755, uid=uid, gid=gid,
                                   mtime=self.now)

    def copy_tree(self, origin: Origin, match: str, dest: str, *, top_is_dest: bool) -> None:
        """Copy `match` (a file or a directory's contents) from `origin` to `dest`."""
        for rel, st in walk(origin, match):
            inside = posixpath.relpath(rel, match) if rel != match else ""
            if inside and self._excluded(inside):
                continue
            if not inside and stat.S_ISDIR(st.st_mode):
                if top_is_dest:
                    self.add_dir(dest)
                continue
            target = posixpath.join(dest, inside) if inside else dest
            self.parents(target)
            self.add(_entry(origin, rel, target, st))

    def _excluded(self, inside: str) -> bool:
        return self.exclude is not None and self.exclude.excluded(inside)


def _replace(entry: Entry, **changes: object) -> Entry:
    import msgspec

    return msgspec.structs.replace(entry, **changes)


def _entry(origin: Origin, rel: str, target: str, st: os.stat_result) -> Entry:
    """The layer entry for `rel` of the origin copied to `target`; context files are 0:0."""
    entry = stat_entry(target, os.path.join(origin.root, rel), st)
    if entry is None:
        raise CopyError(f"cannot copy {rel}: unsupported file type")
    return _replace(entry, uid=0, gid=0) if origin.reset_owner else entry


def parents_path(source: str, match: str) -> str:
    """`--parents`: the part of a match kept under the destination (after `/./` if any).

    >>> parents_path("a/./b/*.txt", "a/b/c.txt"), parents_path("x/y", "x/y")
    ('b/c.txt', 'x/y')
    """
    cleaned = source.lstrip("/")
    if "/./" in cleaned:
        prefix = posixpath.normpath(cleaned.split("/./", 1)[0])
        if match.startswith(prefix + "/"):
            return match[len(prefix) + 1:]
    return match


def copy_entries(step: ir.Copy, origin: Origin | None, view: RootView, scratch: str,
                 *, fetch: Fetch | None = None, epoch: int | None = None) -> Iterator[Entry]:
    """The entries of one COPY/ADD. `origin` serves path sources; `scratch` is an empty
    folder for extracted or downloaded content that lives until the layer is written."""
    # --link copies onto an empty tree (layered on top later), so it sees nothing of the
    # image: no existing directory, no symlink to follow. With --chmod BuildKit takes the
    # ordinary path.
    onto = RootView([]) if step.link and not step.chmod else view
    copier = Copier(step, onto, epoch, names=view)
    paths = [s for s in step.sources if isinstance(s, ir.PathSource)]
    remote = [s for s in step.sources if isinstance(s, ir.UrlSource | ir.GitSource)]
    inline = [s for s in step.sources if isinstance(s, ir.InlineSource)]
    matches: list[tuple[Origin, Match, str, bool]] = []
    for path_source in paths:
        if origin is None:
            raise CopyError(f"{step.instruction} has no origin for {path_source.path}")
        matches += [(origin, match, path_source.path, False)
                    for match in select(origin, path_source.path)]
    for remote_source in remote:
        if fetch is None:
            raise CopyError(f"{step.instruction} cannot fetch {remote_source.url} here")
        fetched_origin, fetched = fetch(remote_source, scratch, step.checksum,
                                        step.keep_git_dir)
        matches.append((fetched_origin, Match(fetched, fetched), fetched,
                        isinstance(remote_source, ir.UrlSource)))
    target = Target(onto, step.dest, len(matches) + len(inline) > 1)
    if target.is_dir:
        copier.add_dir(target.rel)
    for match_origin, match, written, downloaded in matches:
        # A local archive is extracted unless --unpack=false; a download only with --unpack.
        unpack = step.unpack is True if downloaded else step.unpack is not False
        _copy_match(copier, step, target, match_origin, match, written, scratch, unpack)
    for inline_source in inline:
        path = target.path_for(inline_source.name)
        data = inline_source.data.encode()
        copier.parents(path)
        copier.add(Entry(path=path, kind="file", mode=0o644, mtime=copier.now,
                         data=data, size=len(data)))
    yield from copier.entries.values()


def _copy_match(copier: Copier, step: ir.Copy, target: Target, origin: Origin,
                selected: Match, written: str, scratch: str, unpack: bool) -> None:
    match = selected.real
    full = os.path.join(origin.root, match)
    st = os.stat(full)
    name = posixpath.basename(selected.name)
    if step.parents:
        dest = posixpath.join(target.rel, parents_path(written, selected.name))
        copier.copy_tree(origin, match, dest, top_is_dest=True)
        return
    if stat.S_ISDIR(st.st_mode):
        copier.copy_tree(origin, match, target.rel, top_is_dest=True)
        return
    if step.instruction == "ADD" and unpack and is_archive(full):
        copier.add_dir(target.rel)
        for entry in archive_entries(full, target.rel, scratch):
            copier.parents(entry.path)
            copier.entries[entry.path] = entry  # the archive's owners and modes, as BuildKit
        return
    copier.copy_tree(origin, match, target.path_for(name), top_is_dest=False)
