"""`docker load`: docker-archives and OCI archives (gzip or not) into the store.

The archive is unpacked to `ingest/` first (docker-archives list `manifest.json` last, and
skopeo's point at layers through symlinks), then every blob goes through the store's
verifying writer: OCI blobs must hash to their names, docker-archive layers to the
config's diff_ids (as `docker load` checks). A docker-archive's config bytes are kept
as they are, so the image ID does not change; its layers are stored gzip-compressed.
Names are given only once every image of the archive is complete.
"""

from __future__ import annotations

import hashlib
import io
import os
import posixpath
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import BinaryIO

import msgspec
from isal import igzip

from dfc.cache.fsutil import UNWRITABLE
from dfc.cache.oci import (
    ANNOTATION_CONTAINERD_NAME,
    ANNOTATION_REF_NAME,
    INDEX_TYPES,
    MANIFEST_TYPES,
    MEDIA_CONFIG,
    MEDIA_LAYER_GZIP,
    MEDIA_MANIFEST,
    Descriptor,
    Index,
    Manifest,
)
from dfc.cache.store import Store
from dfc.errors import DfcError
from dfc.reference import tag_name
from dfc.runtime.fs.layer import GZIP_LEVEL, clean_path, decompressed
from dfc.runtime.images.config import ImageConfig
from dfc.runtime.images.describe import remember_size, unpacked_size
from dfc.runtime.images.export import DockerManifestEntry

_CHUNK = 1 << 20


class Loaded(msgspec.Struct, frozen=True):
    """One image of the archive: its ID and the full names it was given."""

    image_id: str
    names: tuple[str, ...]


class _Tee:
    """Reads a tar stream for tarfile while hashing it (the diff_id) and, optionally,
    passing it on to a compressor."""

    def __init__(self, source: BinaryIO, sink: io.BufferedIOBase | None = None) -> None:
        self._source = source
        self._sink = sink
        self.hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self.hash.update(data)
        if self._sink is not None:
            self._sink.write(data)
        return data


def _scan_layer(tee: _Tee) -> tuple[str, int]:
    """(diff_id, unpacked size) of the tar read through `tee`."""
    try:
        # typeshed wants a seekable, writable fileobj; stream mode "r|" only reads.
        with tarfile.open(fileobj=tee, mode="r|") as tar:  # type: ignore[call-overload]
            size = unpacked_size(tar)
        while tee.read(_CHUNK):
            pass  # the diff_id covers the padding after the end-of-archive blocks
    except tarfile.TarError as exc:
        raise DfcError(f"invalid layer in archive: {exc}") from None
    return "sha256:" + tee.hash.hexdigest(), size


class _Unpacked:
    """The archive's regular files in a scratch folder, found by archive path; symlinks
    are followed within the archive only."""

    def __init__(self, scratch: Path) -> None:
        self._scratch = scratch
        self._files: dict[str, Path] = {}
        self._links: dict[str, str] = {}

    def unpack(self, stream: BinaryIO) -> None:
        try:
            with tarfile.open(fileobj=decompressed(stream), mode="r|") as tar:
                for m in tar:
                    name = clean_path(m.name)
                    if m.isreg():
                        path = self._scratch / f"f{len(self._files)}"
                        src = tar.extractfile(m)
                        assert src is not None
                        with open(path, "wb") as out:
                            shutil.copyfileobj(src, out, _CHUNK)
                        self._files[name] = path
                    elif m.issym() or m.islnk():
                        base = posixpath.dirname(name) if m.issym() else ""
                        self._links[name] = clean_path(posixpath.join(base, m.linkname))
        except (tarfile.TarError, EOFError, OSError) as exc:
            if isinstance(exc, OSError) and exc.errno in UNWRITABLE:
                raise  # the scratch disk refused a write: not the archive's fault
            raise DfcError(f"invalid archive: {exc}") from None

    def find(self, name: str) -> Path | None:
        name = clean_path(name)
        for _ in range(16):
            if name in self._files:
                return self._files[name]
            if name not in self._links:
                return None
            name = self._links[name]
        return None

    def path(self, name: str) -> Path:
        found = self.find(name)
        if found is None:
            raise DfcError(f"invalid archive: {name} is missing")
        return found


class _Folder:
    """An OCI layout folder read as `_Unpacked` reads an archive."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def find(self, name: str) -> Path | None:
        path = self._root / clean_path(name)
        return path if path.is_file() else None

    def path(self, name: str) -> Path:
        found = self.find(name)
        if found is None:
            raise DfcError(f"invalid OCI layout {self._root}: {name} is missing")
        return found


def load_layout_image(store: Store, folder: Path, digest: str = "") -> str:
    """One image of an OCI layout folder (`oci-layout://PATH[@DIGEST]`) into the store,
    unnamed; returns its manifest digest. Without a digest the layout must hold one
    image."""
    files = _Folder(folder)
    try:
        index = msgspec.json.decode(files.path("index.json").read_bytes(), type=Index)
    except (msgspec.DecodeError, OSError) as exc:
        raise DfcError(f"invalid OCI layout {folder}: index.json: {exc}") from None
    entries = {e.digest: msgspec.structs.replace(e, annotations=None)
               for e in index.manifests}
    if digest:
        if digest not in entries:
            raise DfcError(f"OCI layout {folder} has no manifest {digest}")
        entry = entries[digest]
    elif len(entries) == 1:
        [entry] = entries.values()
    else:
        raise DfcError(f"OCI layout {folder} holds {len(entries)} images: name one with "
                       "@sha256:DIGEST")
    _copy_blobs(store, files, entry)
    store.add(entry)
    return entry.digest


def _put_file(store: Store, path: Path, media_type: str, expected: str | None = None
              ) -> Descriptor:
    """Copy a file into the store, verified against `expected` when given."""
    with open(path, "rb") as f, store.writer(expected) as w:
        shutil.copyfileobj(f, w, _CHUNK)
    assert w.digest is not None
    return Descriptor(media_type=media_type, digest=w.digest, size=w.size)


def _put_layer(store: Store, path: Path) -> tuple[Descriptor, str]:
    """Store a docker-archive layer as a gzip blob; returns it and its diff_id."""
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    if gzipped:
        blob = _put_file(store, path, MEDIA_LAYER_GZIP)
        with open(path, "rb") as f:
            diff_id, size = _scan_layer(_Tee(decompressed(f)))
    else:
        with open(path, "rb") as f, store.writer() as w:
            with igzip.IGzipFile(fileobj=w, mode="wb", compresslevel=GZIP_LEVEL, mtime=0,
                                 filename="") as gz:
                diff_id, size = _scan_layer(_Tee(decompressed(f), gz))
        assert w.digest is not None
        blob = Descriptor(media_type=MEDIA_LAYER_GZIP, digest=w.digest, size=w.size)
    remember_size(store, blob, size)
    return blob, diff_id


def _load_docker(store: Store, files: _Unpacked) -> list[tuple[Descriptor, Loaded]]:
    try:
        entries = msgspec.json.decode(files.path("manifest.json").read_bytes(),
                                      type=list[DockerManifestEntry])
    except msgspec.DecodeError as exc:
        raise DfcError(f"invalid archive: manifest.json: {exc}") from None
    out: list[tuple[Descriptor, Loaded]] = []
    for entry in entries:
        config_desc = _put_file(store, files.path(entry.config), MEDIA_CONFIG)
        config = store.read_json(config_desc.digest, ImageConfig)
        diff_ids = config.rootfs.diff_ids
        if len(entry.layers) != len(diff_ids):
            raise DfcError(f"invalid manifest, layers length mismatch: expected "
                           f"{len(diff_ids)}, got {len(entry.layers)}")
        layers: list[Descriptor] = []
        for i, (name, expected) in enumerate(zip(entry.layers, diff_ids, strict=True)):
            blob, got = _put_layer(store, files.path(name))
            if got != expected:
                raise DfcError(f'invalid diffID for layer {i}: expected "{expected}", '
                               f'got "{got}"')
            layers.append(blob)
        manifest = store.put_json(Manifest(config=config_desc, layers=tuple(layers)),
                                  MEDIA_MANIFEST)
        names = tuple(tag_name(t) for t in entry.repo_tags or ())
        out.append((msgspec.structs.replace(manifest, platform=config.platform),
                    Loaded(config_desc.digest, names)))
    return out


def _copy_blobs(store: Store, files: _Unpacked | _Folder, root: Descriptor) -> str:
    """Ingest a manifest or index and everything below it; returns the image ID (the
    config digest, or the index digest for a multi-platform image)."""
    _put_file(store, files.path(_blob_name(root.digest)), root.media_type, root.digest)
    if root.media_type in INDEX_TYPES:
        for child in store.read_json(root.digest, Index).manifests:
            _copy_blobs(store, files, child)
        return root.digest
    if root.media_type not in MANIFEST_TYPES:
        raise DfcError(f"invalid archive: unsupported media type {root.media_type}")
    manifest = store.read_json(root.digest, Manifest)
    config_blob = manifest.config
    _put_file(store, files.path(_blob_name(config_blob.digest)), MEDIA_CONFIG, config_blob.digest)
    config = store.read_json(manifest.config.digest, ImageConfig)
    for layer, expected in zip(manifest.layers, config.rootfs.diff_ids, strict=False):
        _put_file(store, files.path(_blob_name(layer.digest)), layer.media_type, layer.digest)
        with store.open_blob(layer.digest) as f:
            got, size = _scan_layer(_Tee(decompressed(f)))
        if got != expected:
            raise DfcError(f"layer {layer.digest} has diff_id {got}, the config says {expected}")
        remember_size(store, layer, size)
    return manifest.config.digest


def _blob_name(digest: str) -> str:
    algorithm, _, hexpart = digest.partition(":")
    return f"blobs/{algorithm}/{hexpart}"


def _oci_name(entry: Descriptor) -> str | None:
    """The full name of an index.json entry: containerd's annotation, else a ref.name
    that is a whole reference (a bare tag such as `1` names no repository)."""
    notes = entry.annotations or {}
    name = notes.get(ANNOTATION_CONTAINERD_NAME) or notes.get(ANNOTATION_REF_NAME, "")
    if not name or not any(c in name for c in "/:"):
        return None
    return tag_name(name)


def _load_oci(store: Store, files: _Unpacked) -> list[tuple[Descriptor, Loaded]]:
    try:
        index = msgspec.json.decode(files.path("index.json").read_bytes(), type=Index)
    except msgspec.DecodeError as exc:
        raise DfcError(f"invalid archive: index.json: {exc}") from None
    grouped: dict[str, tuple[Descriptor, str, list[str]]] = {}
    for entry in index.manifests:
        if entry.digest not in grouped:
            bare = msgspec.structs.replace(entry, annotations=None)
            grouped[entry.digest] = (bare, _copy_blobs(store, files, entry), [])
        if (name := _oci_name(entry)) is not None:
            grouped[entry.digest][2].append(name)
    return [(d, Loaded(image_id, tuple(names))) for d, image_id, names in grouped.values()]


def load_archive(store: Store, stream: BinaryIO) -> list[Loaded]:
    """Load every image of a docker-archive or OCI archive; an OCI layout wins when the
    tar is both (it keeps the manifests byte for byte)."""
    scratch = Path(tempfile.mkdtemp(prefix="load-", dir=store.root / "ingest"))
    try:
        files = _Unpacked(scratch)
        files.unpack(stream)
        if files.find("index.json") is not None and files.find("oci-layout") is not None:
            images = _load_oci(store, files)
        elif files.find("manifest.json") is not None:
            images = _load_docker(store, files)
        else:
            raise DfcError("invalid archive: no manifest.json or index.json found")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for manifest, loaded in images:
        for name in loaded.names:
            store.tag(name, manifest)
        if not loaded.names:
            store.add(manifest)
    return [loaded for _, loaded in images]


def load_file(store: Store, path: str | os.PathLike[str]) -> list[Loaded]:
    try:
        with open(path, "rb") as f:
            return load_archive(store, f)
    except FileNotFoundError:
        raise DfcError(f"open {path}: no such file or directory") from None
