"""The content store: an OCI image layout that dfc writes and any OCI tool can read.

Layout: `oci-layout`, `index.json`, `blobs/sha256/<hex>` as the spec says, plus `ingest/`
(blobs being written; a crash leaves its debris here, never in `blobs/`) and `keys/` (the
build cache index, one small file per key).

Tags: every tagged image is one `index.json` entry whose `org.opencontainers.image.ref.name`
and `io.containerd.image.name` annotations both hold the normalised Docker reference
(`app` -> `docker.io/library/app:latest`). Full names, not bare tags, so that two
repositories can both have `latest`; skopeo (`oci:ROOT:docker.io/library/app:latest`) and
umoci (`--image ROOT:docker.io/library/app:latest`) accept them. Moving a tag leaves the old
manifest as an entry without annotations: Docker's dangling `<none>` image.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, TypeVar

import msgspec

from dfc.cache.fsutil import UNWRITABLE, atomic_write, fsync_dir, locked
from dfc.cache.oci import (
    ANNOTATION_CONTAINERD_NAME,
    ANNOTATION_REF_NAME,
    INDEX_TYPES,
    MANIFEST_TYPES,
    Descriptor,
    ImageLayout,
    Index,
    Manifest,
    encode,
)
from dfc.errors import DfcError
from dfc.reference import parse_reference, tag_name

T = TypeVar("T")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_HEX_PREFIX = re.compile(r"(?:sha256:)?([0-9a-f]{1,64})")
_KEY = re.compile(r"[A-Za-z0-9_:-][A-Za-z0-9_.:-]*")
_CHUNK = 1 << 20


class ImageNotFound(DfcError):
    """No image in the store answers to the reference."""


class DigestMismatch(DfcError):
    """Bytes did not hash to the digest they were announced with."""


class ImageRecord(msgspec.Struct, frozen=True):
    """One image of the store: its manifest, its names, and its ID (the config digest)."""

    manifest: Descriptor
    names: tuple[str, ...]
    config: str | None


class CheckReport(msgspec.Struct, frozen=True):
    """What `check` found: blobs whose bytes no longer match their name, and blobs that
    an image needs but the store lacks."""

    checked: int
    corrupt: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.corrupt and not self.missing


def default_root() -> Path:
    """`DFC_ROOT`, else /var/lib/dfc for root, else `$XDG_DATA_HOME/dfc`."""
    if env := os.environ.get("DFC_ROOT"):
        return Path(env)
    if os.geteuid() == 0:
        return Path("/var/lib/dfc")
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "dfc"


def check_digest(digest: str) -> str:
    """Digests name files, so anything but `sha256:<64 hex>` is refused before use."""
    if not _DIGEST.fullmatch(digest):
        raise DfcError(f"invalid digest {digest!r}")
    return digest


WRITEBACK_CHUNK = 8 << 20


class BlobWriter:
    """Streams one blob into `ingest/`, hashing as it goes; on commit it is verified and
    renamed into `blobs/`. An exception (or a kill) leaves nothing in `blobs/`."""

    def __init__(self, store: Store, expected: str | None = None) -> None:
        self._store = store
        self._expected = check_digest(expected) if expected else None
        fd, tmp = tempfile.mkstemp(prefix="blob-", dir=store.root / "ingest")
        os.fchmod(fd, 0o644)  # blobs are content, readable by any OCI tool
        self._file = os.fdopen(fd, "wb")
        self._tmp = Path(tmp)
        self._hash = hashlib.sha256()
        self.size = 0
        self._flushed = 0
        self.digest: str | None = None

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._hash.update(data)
        n = self._file.write(data)
        self.size += n
        if self.size - self._flushed >= WRITEBACK_CHUNK:
            self._start_writeback()
        return n

    def _start_writeback(self) -> None:
        """Ask the kernel to start writing what this blob has so far (POSIX_FADV_DONTNEED
        starts writeback without waiting for it), so the fsync at commit finds little
        left to do and the disk works while the rest is still arriving."""
        self._file.flush()
        os.posix_fadvise(self._file.fileno(), self._flushed, self.size - self._flushed,
                         os.POSIX_FADV_DONTNEED)
        self._flushed = self.size

    def commit(self) -> str:
        """fsync, verify, rename into `blobs/`, fsync the directory; returns the digest."""
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
        except BaseException:  # a full disk fails the last flush: no debris in ingest/
            self.abort()
            raise
        digest = "sha256:" + self._hash.hexdigest()
        if self._expected and digest != self._expected:
            self._tmp.unlink()
            raise DigestMismatch(f"expected {self._expected}, got {digest}")
        target = self._store.blob_path(digest)
        if target.exists():
            self._tmp.unlink()
        else:
            os.replace(self._tmp, target)
            fsync_dir(target.parent)
        self.digest = digest
        return digest

    def abort(self) -> None:
        try:
            self._file.close()
        except OSError:
            pass  # closing flushes, and the disk that failed a write fails that too
        finally:
            self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> BlobWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is None:
            self.commit()
        else:
            self.abort()


class Store:
    """An OCI image layout on disk, created on first use."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()
        self._blobs = self.root / "blobs" / "sha256"
        for folder in (self._blobs, self.root / "ingest", self.root / "keys"):
            if not folder.is_dir():  # a read-only store that exists is still readable
                folder.mkdir(parents=True, exist_ok=True)
        self._index_path = self.root / "index.json"
        self._lock_path = self.root / "index.json.lock"
        if not (self.root / "oci-layout").exists():
            atomic_write(self.root / "oci-layout", encode(ImageLayout()))
        with locked(self._lock_path):
            if not self._index_path.exists():
                atomic_write(self._index_path, encode(Index()))

    # blobs

    def blob_path(self, digest: str) -> Path:
        return self._blobs / check_digest(digest).removeprefix("sha256:")

    def has_blob(self, digest: str) -> bool:
        return self.blob_path(digest).is_file()

    def open_blob(self, digest: str) -> BinaryIO:
        try:
            return open(self.blob_path(digest), "rb")
        except FileNotFoundError:
            raise DfcError(f"blob {digest} is not in the store") from None

    def writer(self, expected: str | None = None) -> BlobWriter:
        return BlobWriter(self, expected)

    def put_bytes(self, data: bytes, expected: str | None = None) -> str:
        """Store a small blob. One already present is not written again (no temp file, no
        fsync): a rebuild that makes the same config and manifest touches nothing."""
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        if expected is not None and check_digest(expected) != digest:
            raise DigestMismatch(f"expected {expected}, got {digest}")
        if self.has_blob(digest):
            return digest
        with self.writer(digest) as w:
            w.write(data)
        return digest

    def put_json(self, obj: object, media_type: str) -> Descriptor:
        """Store the canonical encoding of `obj`; returns its descriptor."""
        data = encode(obj)
        return Descriptor(media_type=media_type, digest=self.put_bytes(data), size=len(data))

    def read_json(self, digest: str, type: type[T]) -> T:
        with self.open_blob(digest) as f:
            return msgspec.json.decode(f.read(), type=type)

    # cache keys

    def _key_path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise DfcError(f"invalid cache key {key!r}")
        return self.root / "keys" / key

    def put_key(self, key: str, data: bytes) -> None:
        atomic_write(self._key_path(key), data)

    def remember(self, key: str, data: bytes) -> None:
        """`put_key` for a value that can always be computed again: a store that cannot be
        written (read-only mount, another user's, full) still answers reading commands."""
        try:
            self.put_key(key, data)
        except OSError as exc:
            if exc.errno not in UNWRITABLE:
                raise

    def get_key(self, key: str) -> bytes | None:
        try:
            return self._key_path(key).read_bytes()
        except FileNotFoundError:
            return None

    def touch_key(self, key: str) -> None:
        """Mark a cache record as used now (prune filters and --keep-storage go by it)."""
        with contextlib.suppress(FileNotFoundError):
            os.utime(self._key_path(key))

    def keys(self) -> list[Path]:
        """The cache record files (their mtime is when the record was last used)."""
        return sorted((self.root / "keys").iterdir())

    # garbage collection

    def lock(self) -> contextlib.AbstractContextManager[None]:
        """The store-wide lock that index.json changes and garbage collection take."""
        return locked(self._lock_path)

    def gc_lock(self, *, shared: bool = False) -> contextlib.AbstractContextManager[None]:
        """Builds hold this shared while they use snapshots and blobs; garbage collection
        takes it exclusively, so it never pulls a layer from under a running build."""
        return locked(self.root / "gc.lock", shared=shared)

    def blobs(self) -> list[str]:
        return ["sha256:" + path.name for path in sorted(self._blobs.iterdir())]

    def referenced(self, roots: Iterable[Descriptor] | None = None) -> set[str]:
        """Every blob the images of index.json (or the given manifests) need: manifests,
        indexes, configs, layers."""
        return set(self._referenced(roots))

    def remove_blob(self, digest: str) -> int:
        """Delete a blob; returns the bytes freed."""
        path = self.blob_path(digest)
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            return 0
        return size

    # index.json and tags

    def index(self) -> Index:
        return msgspec.json.decode(self._index_path.read_bytes(), type=Index)

    def _write_index(self, manifests: list[Descriptor]) -> None:
        atomic_write(self._index_path, encode(Index(manifests=tuple(manifests))))

    def add(self, manifest: Descriptor) -> None:
        """Record an untagged image, unless the manifest already has an entry."""
        with locked(self._lock_path):
            untagged = msgspec.structs.replace(manifest, annotations=None)
            self._write_index(_without_redundant_dangling([*self.index().manifests, untagged]))

    def tag(self, name: str, manifest: Descriptor) -> str:
        """Point `name` at `manifest`; the image it pointed to before stays, untagged if it
        has no other name. Returns the normalised name."""
        full = tag_name(name)
        annotations = {ANNOTATION_REF_NAME: full, ANNOTATION_CONTAINERD_NAME: full}
        with locked(self._lock_path):
            current = [e for e in self.index().manifests if _name_of(e) == full]
            if [e.digest for e in current] == [manifest.digest]:
                return full  # already there: index.json stays as it is
            entries = [
                msgspec.structs.replace(e, annotations=None) if _name_of(e) == full else e
                for e in self.index().manifests
            ]
            entries.append(msgspec.structs.replace(manifest, annotations=annotations))
            self._write_index(_without_redundant_dangling(entries))
        return full

    def untag(self, name: str) -> Descriptor:
        """Remove a name. If it was the manifest's last entry the image leaves the index
        (its blobs become garbage), as `docker rmi` does. Returns what the name pointed to."""
        full = tag_name(name)
        with locked(self._lock_path):
            entries = list(self.index().manifests)
            found = [e for e in entries if _name_of(e) == full]
            if not found:
                raise ImageNotFound(f"No such image: {name}")
            self._write_index([e for e in entries if _name_of(e) != full])
        return found[0]

    def remove(self, digest: str) -> None:
        """Drop every entry of a manifest, tagged or not."""
        with locked(self._lock_path):
            entries = self.index().manifests
            self._write_index([e for e in entries if e.digest != digest])

    def images(self) -> list[ImageRecord]:
        """Every image of index.json, once per manifest, with all its names."""
        return [self._record(d, names) for d, names in self._entries()]

    def _entries(self) -> list[tuple[Descriptor, tuple[str, ...]]]:
        """index.json's manifests, once each and without annotations, with their names."""
        names: dict[str, list[str]] = {}
        first: dict[str, Descriptor] = {}
        for e in self.index().manifests:
            first.setdefault(e.digest, e)
            bucket = names.setdefault(e.digest, [])
            if name := _name_of(e):
                bucket.append(name)
        return [(msgspec.structs.replace(d, annotations=None), tuple(sorted(names[digest])))
                for digest, d in first.items()]

    def _record(self, manifest: Descriptor, names: tuple[str, ...]) -> ImageRecord:
        return ImageRecord(manifest=manifest, names=names, config=self._config_digest(manifest))

    def _config_digest(self, manifest: Descriptor) -> str | None:
        if manifest.media_type not in MANIFEST_TYPES or not self.has_blob(manifest.digest):
            return None
        return self.read_json(manifest.digest, Manifest).config.digest

    def resolve(self, ref: str) -> ImageRecord:
        """Find an image by name[:tag], name@digest, manifest or config digest, or a
        unique prefix of the image ID (the config digest), in Docker's order. Image IDs
        are read (one manifest each) only as far as the lookup needs them."""
        entries = self._entries()
        if _DIGEST.fullmatch(ref):
            for d, names in entries:
                if ref == d.digest or ref == self._config_digest(d):
                    return self._record(d, names)
        try:
            named = parse_reference(ref)
        except DfcError:
            named = None
        if named is not None:
            for d, names in entries:
                if d.digest == named.digest or (not named.digest and str(named) in names):
                    return self._record(d, names)
        if m := _HEX_PREFIX.fullmatch(ref):
            prefix = "sha256:" + m.group(1)
            records = [self._record(d, names) for d, names in entries]
            hits = [r for r in records if r.config and r.config.startswith(prefix)]
            if len(hits) > 1:
                raise ImageNotFound(f"ambiguous image ID prefix {ref!r}")
            if hits:
                return hits[0]
        raise ImageNotFound(f"No such image: {ref}")

    def manifest_digest(self, ref: str) -> str | None:
        """The manifest digest `ref` resolves to, or None when the store lacks it."""
        try:
            return self.resolve(ref).manifest.digest
        except ImageNotFound:
            return None

    # verification

    def check(self) -> CheckReport:
        """Re-hash every blob, and look for blobs that the indexed images need but lack."""
        corrupt: list[str] = []
        checked = 0
        for path in sorted(self._blobs.iterdir()):
            checked += 1
            if _hash_file(path) != path.name:
                corrupt.append("sha256:" + path.name)
        missing = sorted({d for d in self._referenced(None) if not self.has_blob(d)})
        return CheckReport(checked=checked, corrupt=tuple(corrupt), missing=tuple(missing))

    def _referenced(self, roots: Iterable[Descriptor] | None) -> Iterator[str]:
        return (d.digest for d in self.walk(roots))

    def walk(self, roots: Iterable[Descriptor] | None = None) -> Iterator[Descriptor]:
        """Every descriptor reachable from index.json (or the given roots): indexes,
        manifests, configs, layers; a blob missing from the store is yielded, not read."""
        todo = list(self.index().manifests if roots is None else roots)
        while todo:
            d = todo.pop()
            yield d
            if not self.has_blob(d.digest):
                continue
            try:
                if d.media_type in MANIFEST_TYPES:
                    m = self.read_json(d.digest, Manifest)
                    todo += [m.config, *m.layers]
                elif d.media_type in INDEX_TYPES:
                    # A list pulled for a build holds the images of the platforms built,
                    # not every platform it names: absent entries are not missing.
                    todo += [c for c in self.read_json(d.digest, Index).manifests
                             if self.has_blob(c.digest)]
            except msgspec.DecodeError:
                continue  # a corrupt manifest: the re-hash reports it


def _name_of(entry: Descriptor) -> str | None:
    return (entry.annotations or {}).get(ANNOTATION_REF_NAME)


def _without_redundant_dangling(entries: list[Descriptor]) -> list[Descriptor]:
    """An untagged entry stays only while no other entry holds the same manifest."""
    tagged = {e.digest for e in entries if _name_of(e)}
    seen: set[str] = set()
    out: list[Descriptor] = []
    for e in entries:
        if _name_of(e) is None:
            if e.digest in tagged or e.digest in seen:
                continue
            seen.add(e.digest)
        out.append(e)
    return out


def _hash_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()
