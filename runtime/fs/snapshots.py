"""Layers unpacked for use: overlay lowerdirs cached by chain id, and flattened trees.

Extraction never trusts a name. Every parent directory is opened component by component
with O_NOFOLLOW relative to the one above it, so a symlink (from this layer or an earlier
one) can never redirect a write outside the target; `..` is refused; hardlinks must name a
file already inside the target, reached the same way.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tarfile
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, BinaryIO, Literal, Protocol

from dfc.cache.oci import Descriptor, chain_ids
from dfc.cache.store import Store
from dfc.errors import DfcError
from dfc.runtime.fs.layer import (
    OPAQUE,
    WHITEOUT,
    Entry,
    clean_path,
    content,
    prepare,
    tarinfo,
)
from dfc.runtime.fs.tarstream import TarStream

Mode = Literal["overlay", "apply"]
_CHUNK = 1 << 20
_SKIPPED_XATTRS = ("trusted.overlay.", "user.overlay.")
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class _Contents(Protocol):
    """Where the extractor reads file contents: a layer's tar, or layer entries directly."""

    def write_to(self, m: tarfile.TarInfo, fd: int, /) -> None: ...


def _open_child(fd: int, part: str, *, create: bool, path: str,
                made: set[str] | None = None) -> int:
    """The directory `part` inside the directory `fd` (made when `create`, and then its
    `path` added to `made`), never through a symlink."""
    try:
        try:
            return os.open(part, _DIR_FLAGS, dir_fd=fd)
        except FileNotFoundError:
            if not create:
                raise
            os.mkdir(part, 0o755, dir_fd=fd)
            if made is not None:
                made.add(path)
            return os.open(part, _DIR_FLAGS, dir_fd=fd)
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.ENOTDIR):
            raise DfcError(f"layer path /{path} goes through a symlink or a file") from None
        raise DfcError(f"layer path /{path}: {e.strerror}") from None


def _remove(dir_fd: int, name: str) -> bool:
    """Remove `name` whatever it is; True when it was a directory."""
    try:
        st = os.lstat(name, dir_fd=dir_fd)
    except FileNotFoundError:
        return False
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(name, dir_fd=dir_fd)
        return True
    os.unlink(name, dir_fd=dir_fd)
    return False


class _Directories:
    """Open directory fds by path, so a layer's members do not each walk from the root.

    Each fd was opened component by component without following a symlink. Anything
    removed may have been one of them (or above one), so a removal forgets them all."""

    _LIMIT = 512

    def __init__(self, root_fd: int) -> None:
        self.root_fd = root_fd
        self.fds: dict[str, int] = {}
        self.made: set[str] = set()
        """Parents made because a member needed them (no member of their own yet)."""

    def get(self, path: str, *, create: bool) -> int:
        """A borrowed fd for `path` (relative, no leading slash); do not close it."""
        if not path:
            return self.root_fd
        fd = self.fds.get(path)
        if fd is not None:
            return fd
        parent, _, base = path.rpartition("/")
        parent_fd = self.get(parent, create=create)
        fd = _open_child(parent_fd, base, create=create, path=path, made=self.made)
        self.fds[path] = fd
        return fd

    def trim(self) -> None:
        """Bound the open fds; only between members, when none is borrowed."""
        if len(self.fds) >= self._LIMIT:
            self.forget()

    def forget(self) -> None:
        for fd in self.fds.values():
            os.close(fd)
        self.fds.clear()

    def remove(self, dir_fd: int, name: str) -> None:
        """Remove `name` in `dir_fd`; a directory gone may have held cached fds, so they
        are all forgotten then (`dir_fd` too: get it again)."""
        if _remove(dir_fd, name):
            self.forget()


class _Extractor:
    """Applies one layer's members to a directory, in overlay or plain form."""

    def __init__(self, dest: Path, mode: Mode, *, empty: bool = False) -> None:
        self.root_fd = os.open(dest, _DIR_FLAGS)
        self.dirs = _Directories(self.root_fd)
        self.mode = mode
        self.created: set[str] = set()
        # Directories this extraction made (the root too when `dest` starts empty): a name
        # in one that this layer has not created yet cannot exist, so no lstat is needed.
        self.made_dirs: set[str] = {""} if empty else set()
        # Directories whose new files get this process's gid, so a file owned by this
        # process's uid and gid needs no fchown there: known for the root and those this
        # extraction made and chowned, when of our gid without the setgid bit (then a new
        # file gets our gid whether the filesystem gives the creator's or the folder's).
        self.own_ids = (os.geteuid(), os.getegid())
        self.plain_dirs: set[str] = set()
        root = os.fstat(self.root_fd)
        if not root.st_mode & stat.S_ISGID and root.st_gid == self.own_ids[1]:
            self.plain_dirs.add("")
        self.dir_times: list[tuple[str, int]] = []

    def member(self, tar: _Contents, m: tarfile.TarInfo) -> None:
        path = clean_path(m.name)
        if not path:
            return  # the root entry ("./"): the target directory already exists
        parent, _, base = path.rpartition("/")
        self.dirs.trim()
        pfd = self.dirs.get(parent, create=True)
        if base == OPAQUE:
            self._opaque(pfd, parent)
        elif base.startswith(WHITEOUT):
            self._whiteout(pfd, parent, base.removeprefix(WHITEOUT))
        else:
            self._create(pfd, path, base, tar, m)
            self.created.add(path)

    def _opaque(self, pfd: int, parent: str) -> None:
        if self.mode == "overlay":
            os.setxattr(pfd, "trusted.overlay.opaque", b"y")
            return
        stale = [name for name in os.listdir(pfd)
                 if f"{parent}/{name}".lstrip("/") not in self.created]
        self.dirs.forget()
        pfd = self.dirs.get(parent, create=False)
        for name in stale:
            _remove(pfd, name)
        self.plain_dirs &= {""}  # a path removed may come back made another way

    def _whiteout(self, pfd: int, parent: str, name: str) -> None:
        if self.mode == "overlay":
            os.mknod(name, stat.S_IFCHR, os.makedev(0, 0), dir_fd=pfd)
        elif f"{parent}/{name}".lstrip("/") not in self.created:
            self.dirs.remove(pfd, name)  # whiteouts hide lower layers only
            self.plain_dirs &= {""}

    def _create(self, pfd: int, path: str, base: str, tar: _Contents,
                m: tarfile.TarInfo) -> None:
        old = None
        if (path.rpartition("/")[0] not in self.made_dirs or path in self.created
                or path in self.dirs.made):
            with contextlib.suppress(FileNotFoundError):
                old = os.lstat(base, dir_fd=pfd)
        if old is not None and not (m.isdir() and stat.S_ISDIR(old.st_mode)):
            self.dirs.remove(pfd, base)
            self.plain_dirs &= {""}
            pfd = self.dirs.get(path.rpartition("/")[0], create=True)
        if m.islnk():
            target = clean_path(m.linkname)
            tparent, _, tbase = target.rpartition("/")
            tfd = self.dirs.get(tparent, create=False)
            try:
                os.link(tbase, base, src_dir_fd=tfd, dst_dir_fd=pfd, follow_symlinks=False)
            except FileNotFoundError:
                raise DfcError(f"hardlink /{path} points at missing /{target}") from None
            return  # same inode as its target: its attributes are the target's
        if m.isreg():
            plain = path.rpartition("/")[0] in self.plain_dirs
            self._write_file(pfd, base, tar, m, plain=plain)
            return
        if m.isdir():
            if old is None or not stat.S_ISDIR(old.st_mode):
                os.mkdir(base, 0o700, dir_fd=pfd)
                self.made_dirs.add(path)
        elif m.issym():
            os.symlink(m.linkname, base, dir_fd=pfd)
        elif m.ischr() or m.isblk():
            kind = stat.S_IFCHR if m.ischr() else stat.S_IFBLK
            os.mknod(base, kind | 0o600, os.makedev(m.devmajor, m.devminor), dir_fd=pfd)
        elif m.isfifo():
            os.mkfifo(base, 0o600, dir_fd=pfd)
        else:
            raise DfcError(f"unsupported tar entry type {m.type!r} at /{path}")
        self._attributes(pfd, path, base, m)

    def _write_file(self, pfd: int, base: str, tar: _Contents, m: tarfile.TarInfo, *,
                    plain: bool) -> None:
        """Create, fill and finish a regular file through its own fd: no path lookups
        after the create."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(base, flags, 0o600, dir_fd=pfd)
        try:
            tar.write_to(m, fd)
            if not plain or (m.uid, m.gid) != self.own_ids:
                os.fchown(fd, m.uid, m.gid)
            os.fchmod(fd, m.mode)  # after chown, which clears setuid
            for name, value in _xattrs(m):
                os.setxattr(fd, name, value)
            os.utime(fd, (m.mtime, m.mtime))
        except OSError as exc:
            if exc.filename is None:  # calls on the fd name no file: say which one
                exc.filename = base
            raise
        finally:
            os.close(fd)

    def _attributes(self, pfd: int, path: str, base: str, m: tarfile.TarInfo) -> None:
        os.chown(base, m.uid, m.gid, dir_fd=pfd, follow_symlinks=False)
        if not m.issym():
            os.chmod(base, m.mode, dir_fd=pfd)  # after chown, which clears setuid
        for name, value in _xattrs(m):
            os.setxattr(f"/proc/self/fd/{pfd}/{base}", name, value, follow_symlinks=False)
        if m.isdir():
            self.dir_times.append((path, int(m.mtime)))  # children would change it
            if (path in self.made_dirs and not m.mode & stat.S_ISGID
                    and m.gid == self.own_ids[1]):
                self.plain_dirs.add(path)
            else:
                self.plain_dirs.discard(path)
        else:
            os.utime(base, (m.mtime, m.mtime), dir_fd=pfd, follow_symlinks=False)

    def finish(self) -> None:
        try:
            for path, mtime in reversed(self.dir_times):
                os.utime(self.dirs.get(path, create=False), (mtime, mtime))
        finally:
            self.dirs.forget()
            os.close(self.root_fd)


def _xattrs(m: tarfile.TarInfo) -> list[tuple[str, bytes]]:
    """The member's extended attributes (PAX SCHILY.xattr.*), less overlay's own."""
    found = []
    for key, value in m.pax_headers.items():
        name = key.removeprefix("SCHILY.xattr.")
        if name != key and not name.startswith(_SKIPPED_XATTRS):
            found.append((name, value.encode("utf-8", "surrogateescape")))
    return found


def extract_layer(stream: BinaryIO, dest: Path, *, mode: Mode, empty: bool = False) -> str:
    """Unpack a layer (tar, maybe compressed) into `dest`; returns its diff_id.

    `overlay` keeps deletions as overlayfs reads them (char 0/0, opaque xattr); `apply`
    performs them, giving the plain result of stacking this layer on what `dest` holds."""
    tar = TarStream(stream)
    try:
        extractor = _Extractor(dest, mode, empty=empty)
        try:
            for m in tar:
                extractor.member(tar, m)
        finally:
            extractor.finish()
        return tar.digest()
    finally:
        tar.close()


def snapshot_dirs(store: Store, layers: Sequence[Descriptor],
                  diff_ids: Sequence[str]) -> list[Path]:
    """One overlay lowerdir per layer, bottom first, under `snapshots/<chain id>/`.

    Each is built in a temp dir and renamed into place, so a snapshot either exists whole
    or not at all; a layer whose bytes do not match its diff_id is refused."""
    if len(layers) != len(diff_ids):
        raise DfcError("an image needs one diff_id per layer")
    base = store.root / "snapshots"
    base.mkdir(exist_ok=True)
    out: list[Path] = []
    for layer, diff_id, chain in zip(layers, diff_ids, chain_ids(diff_ids), strict=True):
        target = base / chain.removeprefix("sha256:")
        if not target.is_dir():
            _build_snapshot(store, layer, diff_id, target)
        out.append(target)
    return out


def adopt_snapshot(store: Store, diff_ids: Sequence[str], folder: Path) -> None:
    """Keep a RUN step's overlay upper dir as the snapshot of the layer made from it (it
    is already in lowerdir form), so the next step need not unpack that layer again."""
    target = store.root / "snapshots" / chain_ids(diff_ids)[-1].removeprefix("sha256:")
    if target.is_dir():
        return
    target.parent.mkdir(exist_ok=True)
    os.chmod(folder, 0o755)
    try:
        os.rename(folder, target)
    except OSError:
        if not target.is_dir():
            raise


class _EntryContents:
    """Stands in for a tarfile when layer entries are unpacked directly."""

    def __init__(self, by_path: dict[str, Entry]):
        self.by_path = by_path

    def write_to(self, m: tarfile.TarInfo, fd: int) -> None:
        entry = self.by_path[m.name]
        if entry.source is not None:  # a file's bytes (COPY, ADD): copied in the kernel
            _copy_in_kernel(entry.source, fd, m.size)
        else:
            _copy_stream(content(entry), fd, m.size)


def _copy_stream(src: IO[bytes], fd: int, size: int) -> None:
    left = size
    while left > 0:
        chunk = src.read(min(left, _CHUNK))
        if not chunk:
            break
        view = memoryview(chunk)
        while view:
            view = view[os.write(fd, view):]
        left -= len(chunk)


def _copy_in_kernel(source: str, fd: int, size: int) -> None:
    """Copy `size` bytes of the file `source` to `fd` without passing them through
    Python (sendfile between two regular files)."""
    src = os.open(source, os.O_RDONLY | os.O_CLOEXEC)
    try:
        sent = 0
        while sent < size:
            n = os.sendfile(fd, src, sent, size - sent)
            if n == 0:
                raise DfcError(f"{source} shrank while it was copied")
            sent += n
    finally:
        os.close(src)


def unpack_entries(entries: Iterable[Entry], dest: Path, *, mode: Mode,
                   epoch: int | None = None, empty: bool = False) -> None:
    """Unpack layer entries into `dest` as extract_layer unpacks a tar, without one
    (`empty`: `dest` holds nothing yet)."""
    prepared = prepare(entries, epoch)
    extractor = _Extractor(dest, mode, empty=empty)
    contents = _EntryContents({e.path: e for e in prepared})
    try:
        for e in prepared:
            extractor.member(contents, tarinfo(e))
    finally:
        extractor.finish()


def snapshot_from_entries(store: Store, diff_ids: Sequence[str], entries: Sequence[Entry],
                          epoch: int | None) -> None:
    """Unpack a layer's entries (as `write_layer` wrote them) straight into its snapshot,
    so the next step need not decompress and untar the blob just written."""
    target = store.root / "snapshots" / chain_ids(diff_ids)[-1].removeprefix("sha256:")
    if target.is_dir():
        return
    target.parent.mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target.parent))
    try:
        os.chmod(tmp, 0o755)
        unpack_entries(entries, tmp, mode="overlay", epoch=epoch, empty=True)
        try:
            os.rename(tmp, target)
        except OSError:
            if not target.is_dir():
                raise
            shutil.rmtree(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _build_snapshot(store: Store, layer: Descriptor, diff_id: str, target: Path) -> None:
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target.parent))
    try:
        os.chmod(tmp, 0o755)
        with store.open_blob(layer.digest) as f:
            got = extract_layer(f, tmp, mode="overlay", empty=True)
        if got != diff_id:
            raise DfcError(f"layer {layer.digest} has diff_id {got}, the image says {diff_id}")
        try:
            os.rename(tmp, target)
        except OSError:
            if not target.is_dir():
                raise
            shutil.rmtree(tmp)  # another build made the same snapshot first
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def flatten(store: Store, layers: Sequence[Descriptor], dest: Path) -> None:
    """Apply every layer in order to `dest`: the image's root filesystem as plain files
    (for `--output type=local`)."""
    dest.mkdir(parents=True, exist_ok=True)
    for layer in layers:
        with store.open_blob(layer.digest) as f:
            extract_layer(f, dest, mode="apply")
