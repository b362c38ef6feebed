"""Layers unpacked for use: overlay lowerdirs cached by chain id, and flattened trees.

Extraction never trusts a name. Every parent directory is opened component by component
with O_NOFOLLOW relative to the one above it, so a symlink (from this layer or an earlier
one) can never redirect a write outside the target; `..` is refused; hardlinks must name a
file already inside the target, reached the same way.
"""

from __future__ import annotations

import errno
import hashlib
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
    decompressed,
    prepare,
    tarinfo,
)

Mode = Literal["overlay", "apply"]
_CHUNK = 1 << 20
_SKIPPED_XATTRS = ("trusted.overlay.", "user.overlay.")
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class _Contents(Protocol):
    """Where the extractor reads file contents: a tarfile, or layer entries directly."""

    def extractfile(self, m: tarfile.TarInfo, /) -> IO[bytes] | None: ...


class _HashingReader:
    """Hashes the decompressed tar as tarfile reads it, to check the diff_id."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self.hash.update(data)
        return data


def _open_dir(root_fd: int, path: str, *, create: bool) -> int:
    """An fd for the directory `path` under root_fd, never following a symlink."""
    fd = os.dup(root_fd)
    for part in path.split("/") if path else ():
        try:
            try:
                sub = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                os.mkdir(part, 0o755, dir_fd=fd)
                sub = os.open(part, _DIR_FLAGS, dir_fd=fd)
        except OSError as e:
            os.close(fd)
            if e.errno in (errno.ELOOP, errno.ENOTDIR):
                raise DfcError(f"layer path /{path} goes through a symlink or a file") from None
            raise DfcError(f"layer path /{path}: {e.strerror}") from None
        os.close(fd)
        fd = sub
    return fd


def _remove(dir_fd: int, name: str) -> None:
    try:
        st = os.lstat(name, dir_fd=dir_fd)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(name, dir_fd=dir_fd)
    else:
        os.unlink(name, dir_fd=dir_fd)


class _Extractor:
    """Applies one layer's members to a directory, in overlay or plain form."""

    def __init__(self, dest: Path, mode: Mode) -> None:
        self.root_fd = os.open(dest, _DIR_FLAGS)
        self.mode = mode
        self.created: set[str] = set()
        self.dir_times: list[tuple[str, int]] = []

    def member(self, tar: _Contents, m: tarfile.TarInfo) -> None:
        path = clean_path(m.name)
        if not path:
            return  # the root entry ("./"): the target directory already exists
        parent, _, base = path.rpartition("/")
        pfd = _open_dir(self.root_fd, parent, create=True)
        try:
            if base == OPAQUE:
                self._opaque(pfd, parent)
            elif base.startswith(WHITEOUT):
                self._whiteout(pfd, parent, base.removeprefix(WHITEOUT))
            else:
                self._create(pfd, path, base, tar, m)
                self.created.add(path)
        finally:
            os.close(pfd)

    def _opaque(self, pfd: int, parent: str) -> None:
        if self.mode == "overlay":
            os.setxattr(pfd, "trusted.overlay.opaque", b"y")
            return
        for name in os.listdir(pfd):
            if f"{parent}/{name}".lstrip("/") not in self.created:
                _remove(pfd, name)

    def _whiteout(self, pfd: int, parent: str, name: str) -> None:
        if self.mode == "overlay":
            os.mknod(name, stat.S_IFCHR, os.makedev(0, 0), dir_fd=pfd)
        elif f"{parent}/{name}".lstrip("/") not in self.created:
            _remove(pfd, name)  # whiteouts hide lower layers only

    def _create(self, pfd: int, path: str, base: str, tar: _Contents,
                m: tarfile.TarInfo) -> None:
        try:
            old = os.lstat(base, dir_fd=pfd)
        except FileNotFoundError:
            old = None
        if old is not None and not (m.isdir() and stat.S_ISDIR(old.st_mode)):
            _remove(pfd, base)
        if m.islnk():
            target = clean_path(m.linkname)
            tparent, _, tbase = target.rpartition("/")
            tfd = _open_dir(self.root_fd, tparent, create=False)
            try:
                os.link(tbase, base, src_dir_fd=tfd, dst_dir_fd=pfd, follow_symlinks=False)
            except FileNotFoundError:
                raise DfcError(f"hardlink /{path} points at missing /{target}") from None
            finally:
                os.close(tfd)
            return  # same inode as its target: its attributes are the target's
        if m.isdir():
            if old is None or not stat.S_ISDIR(old.st_mode):
                os.mkdir(base, 0o700, dir_fd=pfd)
        elif m.isreg():
            self._write_file(pfd, base, tar, m)
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

    def _write_file(self, pfd: int, base: str, tar: _Contents, m: tarfile.TarInfo) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        src = tar.extractfile(m)
        assert src is not None
        with os.fdopen(os.open(base, flags, 0o600, dir_fd=pfd), "wb") as out:
            shutil.copyfileobj(src, out, _CHUNK)

    def _attributes(self, pfd: int, path: str, base: str, m: tarfile.TarInfo) -> None:
        os.chown(base, m.uid, m.gid, dir_fd=pfd, follow_symlinks=False)
        if not m.issym():
            os.chmod(base, m.mode, dir_fd=pfd)  # after chown, which clears setuid
        for key, value in m.pax_headers.items():
            name = key.removeprefix("SCHILY.xattr.")
            if name != key and not name.startswith(_SKIPPED_XATTRS):
                os.setxattr(f"/proc/self/fd/{pfd}/{base}", name,
                            value.encode("utf-8", "surrogateescape"), follow_symlinks=False)
        if m.isdir():
            self.dir_times.append((path, int(m.mtime)))  # children would change it
        else:
            os.utime(base, (m.mtime, m.mtime), dir_fd=pfd, follow_symlinks=False)

    def finish(self) -> None:
        for path, mtime in reversed(self.dir_times):
            fd = _open_dir(self.root_fd, path, create=False)
            try:
                os.utime(fd, (mtime, mtime))
            finally:
                os.close(fd)
        os.close(self.root_fd)


def extract_layer(stream: BinaryIO, dest: Path, *, mode: Mode) -> str:
    """Unpack a layer (tar, maybe compressed) into `dest`; returns its diff_id.

    `overlay` keeps deletions as overlayfs reads them (char 0/0, opaque xattr); `apply`
    performs them, giving the plain result of stacking this layer on what `dest` holds."""
    reader = _HashingReader(decompressed(stream))
    extractor = _Extractor(dest, mode)
    try:
        # typeshed wants a seekable, writable fileobj; stream mode "r|" only reads.
        with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
            for m in tar:
                extractor.member(tar, m)
        while reader.read(_CHUNK):
            pass  # the diff_id covers the padding after the end-of-archive blocks
    finally:
        extractor.finish()
    return "sha256:" + reader.hash.hexdigest()


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

    def extractfile(self, m: tarfile.TarInfo) -> BinaryIO:
        return content(self.by_path[m.name])


def unpack_entries(entries: Iterable[Entry], dest: Path, *, mode: Mode,
                   epoch: int | None = None) -> None:
    """Unpack layer entries into `dest` as extract_layer unpacks a tar, without one."""
    prepared = prepare(entries, epoch)
    extractor = _Extractor(dest, mode)
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
        unpack_entries(entries, tmp, mode="overlay", epoch=epoch)
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
            got = extract_layer(f, tmp, mode="overlay")
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
