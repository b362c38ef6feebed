"""Reproducible layer tars: entries -> sorted PAX tar -> gzip -> store, in one pass.

The same entries always give the same bytes: sorted names, parents first, whiteouts first
in their directory, numeric owners with empty user/group names, integer mtimes (clamped to
SOURCE_DATE_EPOCH when given), xattrs sorted, gzip with mtime 0 and no file name. The
uncompressed sha256 (diff_id) and the blob digest are computed while the bytes stream into
the store, so the tar is never held in memory or written twice.

gzip level: python-isal level 2. Measured on this machine (100 MB tar of Python's stdlib,
both sha256 included): isal 0/1/2/3 ran at 250/210/210/155 MB/s for ratios 0.37/0.34/0.34/0.33;
zlib 1 and 6 at 70 and 30 MB/s. Level 2 costs nothing over level 1 and compresses a bit better.
End to end, `write_tree` of that tree (5,000 files) runs at ~110 MB/s, stat and tar included.
"""

from __future__ import annotations

import bz2
import hashlib
import io
import lzma
import os
import stat
import tarfile
from collections.abc import Iterable, Iterator
from typing import BinaryIO, Literal, TypedDict

import msgspec
from isal import igzip

from dfc.cache.oci import MEDIA_LAYER_GZIP, Descriptor
from dfc.cache.store import Store
from dfc.errors import DfcError

GZIP_LEVEL = 2
WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
_BUFSIZE = 1 << 20
_OVERLAY_XATTRS = ("trusted.overlay.", "user.overlay.")

Kind = Literal["file", "dir", "symlink", "hardlink", "char", "block", "fifo"]
_TAR_TYPES: dict[str, bytes] = {
    "file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
    "hardlink": tarfile.LNKTYPE, "char": tarfile.CHRTYPE, "block": tarfile.BLKTYPE,
    "fifo": tarfile.FIFOTYPE,
}


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    """One file of a layer. Content comes from `source` (a path) or `data`; `inode` is the
    identity of the source file, so repeated inodes become hardlinks within the layer."""

    path: str
    kind: Kind
    mode: int = 0o644
    uid: int = 0
    gid: int = 0
    mtime: int = 0
    size: int = 0
    link: str = ""
    devmajor: int = 0
    devminor: int = 0
    xattrs: dict[str, bytes] = msgspec.field(default_factory=dict)
    source: str | None = None
    data: bytes | None = None
    inode: tuple[int, int] | None = None


class LayerResult(msgspec.Struct, frozen=True):
    """A stored layer: the manifest descriptor (gzip blob) and the config's diff_id."""

    descriptor: Descriptor
    diff_id: str
    tar_size: int


def clean_path(name: str) -> str:
    """The one spelling of a layer path: relative, no `./`, no trailing `/`; "" is the
    root. `..` is refused outright rather than resolved: no layer dfc trusts needs it."""
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise DfcError(f"unsafe path in layer: {name!r}")
    return "/".join(parts)


def sort_key(path: str) -> tuple[tuple[int, str], ...]:
    """Depth-first by name, parents before children, whiteouts before their siblings."""
    parts = path.split("/")
    last = parts[-1]
    return (*((1, p) for p in parts[:-1]), (0 if last.startswith(WHITEOUT) else 1, last))


def walk(root: str) -> Iterator[tuple[str, str, os.stat_result]]:
    """(relative path, full path, lstat) for everything under root, root itself excluded."""
    with os.scandir(root) as it:
        children = sorted(it, key=lambda d: d.name)
    for child in children:
        st = child.stat(follow_symlinks=False)
        yield child.name, child.path, st
        if stat.S_ISDIR(st.st_mode):
            for rel, full, sub in walk(child.path):
                yield f"{child.name}/{rel}", full, sub


def read_xattrs(full: str) -> dict[str, bytes]:
    """A file's xattrs, without overlayfs bookkeeping (never part of an image)."""
    names = sorted(os.listxattr(full, follow_symlinks=False))
    return {k: os.getxattr(full, k, follow_symlinks=False)
            for k in names if not k.startswith(_OVERLAY_XATTRS)}


class _Common(TypedDict):
    """The Entry fields every kind of file has."""

    path: str
    mode: int
    uid: int
    gid: int
    mtime: int
    xattrs: dict[str, bytes]


def stat_entry(rel: str, full: str, st: os.stat_result) -> Entry | None:
    """The entry for a file on disk; None for sockets, which a tar cannot hold."""
    fmt = stat.S_IFMT(st.st_mode)
    common = _Common(path=rel, mode=stat.S_IMODE(st.st_mode), uid=st.st_uid, gid=st.st_gid,
                     mtime=int(st.st_mtime), xattrs=read_xattrs(full))
    if fmt == stat.S_IFREG:
        return Entry(kind="file", size=st.st_size, source=full,
                     inode=(st.st_dev, st.st_ino) if st.st_nlink > 1 else None, **common)
    if fmt == stat.S_IFDIR:
        return Entry(kind="dir", **common)
    if fmt == stat.S_IFLNK:
        return Entry(kind="symlink", link=os.readlink(full), **common)
    if fmt in (stat.S_IFCHR, stat.S_IFBLK):
        return Entry(kind="char" if fmt == stat.S_IFCHR else "block",
                     devmajor=os.major(st.st_rdev), devminor=os.minor(st.st_rdev), **common)
    if fmt == stat.S_IFIFO:
        return Entry(kind="fifo", **common)
    return None


def tree_entries(root: str) -> Iterator[Entry]:
    """Every file under a plain directory tree, as layer entries."""
    for rel, full, st in walk(root):
        if (entry := stat_entry(rel, full, st)) is not None:
            yield entry


def prepare(entries: Iterable[Entry], epoch: int | None) -> list[Entry]:
    """Clean names, refuse duplicates, add missing parents, sort, clamp, find hardlinks."""
    by_path: dict[str, Entry] = {}
    for e in entries:
        path = clean_path(e.path)
        if not path:
            raise DfcError("a layer entry cannot be the root directory")
        if path in by_path:
            raise DfcError(f"duplicate path in layer: {path!r}")
        by_path[path] = msgspec.structs.replace(e, path=path)
    for path in list(by_path):
        parent = path.rpartition("/")[0]
        while parent and parent not in by_path:
            by_path[parent] = Entry(path=parent, kind="dir", mode=0o755, mtime=epoch or 0)
            parent = parent.rpartition("/")[0]
    first_of_inode: dict[tuple[int, int], str] = {}
    out: list[Entry] = []
    for path in sorted(by_path, key=sort_key):
        e = by_path[path]
        if epoch is not None and e.mtime > epoch:
            e = msgspec.structs.replace(e, mtime=epoch)
        if e.kind == "file" and (inode := e.inode) is not None:
            if inode in first_of_inode:
                e = msgspec.structs.replace(e, kind="hardlink", link=first_of_inode[inode],
                                            size=0, source=None, data=None)
            else:
                first_of_inode[inode] = path
        out.append(e)
    return out


def tarinfo(e: Entry) -> tarfile.TarInfo:
    ti = tarfile.TarInfo(e.path)
    ti.type = _TAR_TYPES[e.kind]
    ti.mode, ti.uid, ti.gid, ti.mtime = e.mode, e.uid, e.gid, e.mtime
    ti.uname = ti.gname = ""
    ti.linkname = e.link
    ti.devmajor, ti.devminor = e.devmajor, e.devminor
    if e.kind == "file":
        ti.size = len(e.data) if e.data is not None else e.size
    ti.pax_headers = {f"SCHILY.xattr.{k}": v.decode("utf-8", "surrogateescape")
                      for k, v in sorted(e.xattrs.items())}
    return ti


def content(e: Entry) -> BinaryIO:
    return open(e.source, "rb") if e.source is not None else io.BytesIO(e.data or b"")


class _Tee:
    """The uncompressed side of the pipe: hash the tar bytes and pass them to gzip in 1 MB
    chunks (tarfile writes many small pieces; per-call costs would dominate)."""

    def __init__(self, gz: io.BufferedIOBase) -> None:
        self.hash = hashlib.sha256()
        self.size = 0
        self._gz = gz
        self._buf = bytearray()

    def write(self, data: bytes) -> int:
        self._buf += data
        self.size += len(data)
        if len(self._buf) >= _BUFSIZE:
            self.flush()
        return len(data)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        self.hash.update(self._buf)
        self._gz.write(self._buf)
        self._buf.clear()


def _write_tar(stream: object, prepared: Iterable[Entry]) -> None:
    """The PAX tar of prepared entries, written to `stream` (a writable file object)."""
    # typeshed wants a readable, seekable fileobj; mode "w" only writes and tells.
    with tarfile.open(fileobj=stream, mode="w",  # type: ignore[call-overload]
                      format=tarfile.PAX_FORMAT) as tar:
        for e in prepared:
            ti = tarinfo(e)
            if e.kind == "file":
                with content(e) as f:
                    tar.addfile(ti, f)
            else:
                tar.addfile(ti)


class _Told:
    """A write-only stream that answers tell() (tarfile asks; a pipe cannot say)."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._size = 0

    def write(self, data: bytes) -> int:
        self._stream.write(data)
        self._size += len(data)
        return len(data)

    def tell(self) -> int:
        return self._size


def write_tar(stream: BinaryIO, entries: Iterable[Entry]) -> None:
    """Entries as a plain tar in the order and form of a layer (`export`, `cp`)."""
    _write_tar(_Told(stream), prepare(entries, None))


def write_layer(store: Store, entries: Iterable[Entry], *, epoch: int | None = None,
                level: int = GZIP_LEVEL) -> LayerResult | None:
    """Write entries as one gzip layer blob. None when there are no entries: an empty
    change set makes no layer (the caller records an `empty_layer` history entry)."""
    prepared = prepare(entries, epoch)
    if not prepared:
        return None
    with store.writer() as blob:
        with igzip.IGzipFile(fileobj=blob, mode="wb", compresslevel=level, mtime=0,
                             filename="") as gz:
            tee = _Tee(gz)
            _write_tar(tee, prepared)
            tee.flush()
    assert blob.digest is not None
    return LayerResult(
        descriptor=Descriptor(media_type=MEDIA_LAYER_GZIP, digest=blob.digest, size=blob.size),
        diff_id="sha256:" + tee.hash.hexdigest(),
        tar_size=tee.size,
    )


def write_tree(store: Store, root: str, *, epoch: int | None = None) -> LayerResult | None:
    """A layer holding everything under `root` (COPY sources, imported rootfs trees)."""
    return write_layer(store, tree_entries(root), epoch=epoch)


ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def decompressed(stream: BinaryIO) -> BinaryIO:
    """The tar inside gzip, bzip2, xz, zstd or nothing, told apart by content, as docker
    does."""
    if stream.seekable():
        pos = stream.tell()
        head = stream.read(6)
        stream.seek(pos)
    else:
        head = stream.peek(6)[:6]  # type: ignore[attr-defined]  # pipes come buffered
    # The decompressors are binary streams, though not typing.BinaryIO (no IO[bytes] base).
    if head.startswith(b"\x1f\x8b"):
        return igzip.IGzipFile(fileobj=stream, mode="rb")  # type: ignore[return-value]
    if head.startswith(b"BZh"):
        return bz2.BZ2File(stream)  # type: ignore[return-value]
    if head.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMAFile(stream)  # type: ignore[return-value]
    if head.startswith(ZSTD_MAGIC):
        import zstandard  # only zstd layers pay for its import

        # read_across_frames: parallel compressors (pzstd, skopeo) write several frames
        reader = zstandard.ZstdDecompressor().stream_reader(
            stream, read_across_frames=True, closefd=False)
        return reader
    return stream
