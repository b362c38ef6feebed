"""Images out of the store: OCI layouts (folder or tar), docker-archives, root filesystems.

One writer serves `dfc save` and `--output type=oci|docker`: an OCI layout (`oci-layout`,
`index.json`, `blobs/sha256/...`), plus for Docker a `manifest.json` (and the legacy
`repositories`) whose paths point at the same gzip blobs, so one tar is read by
`docker load`, `skopeo ...oci-archive:` and containerd alike (interop guide 3.8). In
`index.json` the tag is the `ref.name` and the full name is `io.containerd.image.name`,
as BuildKit writes them. Files are written whole or not at all: a tar goes to a temp
file that is renamed when complete; a layout folder gets its `index.json` last.
"""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Literal, Protocol

import msgspec

from dfc.cache.fields import key_values
from dfc.cache.fsutil import atomic_file, atomic_write
from dfc.cache.oci import (
    ANNOTATION_CONTAINERD_NAME,
    ANNOTATION_REF_NAME,
    INDEX_TYPES,
    Descriptor,
    ImageLayout,
    Index,
    Manifest,
    chain_ids,
    encode,
)
from dfc.cache.store import ImageRecord, Store
from dfc.errors import DfcError
from dfc.reference import familiar, split_name, tag_name
from dfc.runtime.fs.snapshots import flatten
from dfc.runtime.images.compression import (
    LayerCompression,
    compressed_image,
    parse_compression,
)
from dfc.runtime.images.describe import platform_manifest, read

OutputType = Literal["oci", "docker", "local", "tar", "image", "registry"]
_TYPES: tuple[OutputType, ...] = ("oci", "docker", "local", "tar", "image", "registry")
_IMAGE_TYPES = ("oci", "docker", "image", "registry")
_CHUNK = 1 << 20


class OutputSpec(msgspec.Struct, frozen=True):
    """One `--output`: what to write and where (`-` is stdout for the tar kinds); for
    `image`/`registry` (buildx's image exporter) the names to give (else the build's tags)
    and whether to push them (implied by `registry`); for the image kinds the layer
    compression. `docker` without a dest is loaded into the docker engine, as buildx does."""

    type: OutputType
    dest: str = ""
    names: tuple[str, ...] = ()
    push: bool = False
    compression: LayerCompression = LayerCompression()

    @property
    def loads(self) -> bool:
        """Into the docker engine (`type=docker` without a dest, or `--load`)."""
        return self.type == "docker" and not self.dest


class ArchiveImage(msgspec.Struct, frozen=True):
    """An image to write, with the full names it carries in the archive."""

    record: ImageRecord
    names: tuple[str, ...]


class DockerManifestEntry(msgspec.Struct, frozen=True, rename="pascal"):
    """One image of a docker-archive's `manifest.json`."""

    config: str
    repo_tags: tuple[str, ...] | None
    layers: tuple[str, ...]


def parse_output(text: str) -> OutputSpec:
    """`type=oci,dest=out.tar`, or the short forms: `DIR` (local) and `-` (tar to stdout),
    as `docker buildx build --output` reads them."""
    if "=" not in text:
        return OutputSpec("tar" if text == "-" else "local", text)
    fields = key_values(text, "--output")
    kind = fields.pop("type", "")
    if kind not in _TYPES:
        raise DfcError(f"invalid output {text!r}: type must be one of {', '.join(_TYPES)}")
    compression = (parse_compression(fields, text) if kind in _IMAGE_TYPES
                   else LayerCompression())
    if kind in ("image", "registry"):
        names = tuple(n for n in fields.pop("name", "").split(",") if n)
        push = kind == "registry" or _bool(fields.pop("push", "false"), text)
        if fields:
            raise DfcError(f"invalid output {text!r}: unknown key {sorted(fields)[0]!r} "
                           "(dfc's image exporter takes name=, push= and compression keys)")
        return OutputSpec(kind, names=names, push=push, compression=compression)
    dest = fields.pop("dest", "")
    if not dest and kind != "docker":
        raise DfcError(f"invalid output {text!r}: dest is required")
    if fields:
        raise DfcError(f"invalid output {text!r}: unknown key {sorted(fields)[0]!r}")
    return OutputSpec(kind, dest, compression=compression)


def _bool(value: str, text: str) -> bool:
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise DfcError(f"invalid output {text!r}: push must be true or false")


class _Sink(Protocol):
    def add(self, name: str, data: bytes) -> None: ...

    def add_file(self, name: str, source: BinaryIO, size: int) -> None: ...


class _TarSink:
    """Layout files as tar entries: fixed owner, mode and time, so equal images give
    equal archives."""

    def __init__(self, tar: tarfile.TarFile) -> None:
        self._tar = tar
        self._dirs: set[str] = set()

    def _parents(self, name: str) -> None:
        parent = name.rpartition("/")[0]
        if parent and parent not in self._dirs:
            self._parents(parent)
            info = tarfile.TarInfo(parent)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            self._tar.addfile(info)
            self._dirs.add(parent)

    def add_file(self, name: str, source: BinaryIO, size: int) -> None:
        self._parents(name)
        info = tarfile.TarInfo(name)
        info.size, info.mode = size, 0o644
        self._tar.addfile(info, source)

    def add(self, name: str, data: bytes) -> None:
        self.add_file(name, io.BytesIO(data), len(data))


class _DirSink:
    """Layout files in a folder: blobs first (an existing blob is complete, it is named
    by its hash), metadata files replaced atomically."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def add_file(self, name: str, source: BinaryIO, size: int) -> None:
        target = self._root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            return
        with atomic_file(target) as out:
            shutil.copyfileobj(source, out, _CHUNK)

    def add(self, name: str, data: bytes) -> None:
        atomic_write(self._root / name, data)


def _blob_name(digest: str) -> str:
    return "blobs/sha256/" + digest.removeprefix("sha256:")


def _listed(store: Store, index: Descriptor) -> Iterator[Descriptor]:
    """The image manifests below an index (nested indexes walked)."""
    for child in store.read_json(index.digest, Index).manifests:
        if child.media_type in INDEX_TYPES:
            yield from _listed(store, child)
        else:
            yield child


def platform_folder(descriptor: Descriptor) -> str:
    """buildx's folder of one platform's files in a multi-platform local/tar output."""
    platform = descriptor.platform
    return str(platform).replace("/", "_") if platform else descriptor.digest[7:19]


def _write(store: Store, images: Sequence[ArchiveImage], sink: _Sink, docker: bool) -> None:
    """The layout (and the docker files) of `images` into `sink`, `index.json` last."""
    sink.add("oci-layout", encode(ImageLayout()))
    written: set[str] = set()
    entries: list[Descriptor] = []
    docker_entries: list[DockerManifestEntry] = []
    repositories: dict[str, dict[str, str]] = {}
    for image in images:
        descriptor = platform_manifest(store, image.record.manifest)
        manifest, config = read(store, image.record)
        top = descriptor
        if image.record.manifest.media_type in INDEX_TYPES:
            top = image.record.manifest  # the whole index, every image it lists
            children = [*_listed(store, top)]
        else:
            children = [descriptor]
        for child in children:
            child_manifest = store.read_json(child.digest, Manifest)
            for blob in (child, child_manifest.config, *child_manifest.layers):
                if blob.digest not in written:
                    with store.open_blob(blob.digest) as f:
                        sink.add_file(_blob_name(blob.digest), f, blob.size)
                    written.add(blob.digest)
        if top is not descriptor:
            with store.open_blob(top.digest) as f:
                sink.add_file(_blob_name(top.digest), f, top.size)
        bare = msgspec.structs.replace(top, annotations=None)
        entries += [msgspec.structs.replace(bare, annotations={
            ANNOTATION_REF_NAME: split_name(name)[1], ANNOTATION_CONTAINERD_NAME: name})
            for name in image.names] or [bare]
        docker_entries.append(DockerManifestEntry(
            config=_blob_name(manifest.config.digest),
            repo_tags=tuple(familiar(n) for n in image.names) or None,
            layers=tuple(_blob_name(layer.digest) for layer in manifest.layers)))
        chains = chain_ids(config.rootfs.diff_ids)
        for name in image.names:
            repo, tag = split_name(name)
            if chains:
                repositories.setdefault(repo, {})[tag] = chains[-1].removeprefix("sha256:")
    if docker:
        sink.add("manifest.json", msgspec.json.encode(docker_entries))
        sink.add("repositories", msgspec.json.encode(repositories))
    sink.add("index.json", encode(Index(manifests=tuple(entries))))


@contextmanager
def _output_file(dest: Path | BinaryIO) -> Iterator[BinaryIO]:
    """A stream that becomes `dest` only when the block succeeds (streams pass through)."""
    if not isinstance(dest, Path):
        yield dest
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(dest) as out:
        yield out


def write_archive(store: Store, images: Sequence[ArchiveImage], dest: Path | BinaryIO, *,
                  docker: bool = True) -> None:
    """A tar of the layout (with the docker files unless `docker` is false)."""
    with _output_file(dest) as out:
        with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            _write(store, images, _TarSink(tar), docker)


def write_layout_dir(store: Store, images: Sequence[ArchiveImage], dest: Path) -> None:
    """An OCI layout folder, created or added to (its index.json lists only `images`)."""
    dest.mkdir(parents=True, exist_ok=True)
    _write(store, images, _DirSink(dest), docker=False)


def save_images(store: Store, refs: Sequence[str], dest: Path | BinaryIO) -> None:
    """`docker save`: a name keeps that name in the archive; a repository without a tag
    saves every tagged image of it with all its tags; an ID saves no name."""
    images: dict[str, list[str]] = {}
    records: dict[str, ImageRecord] = {}
    for ref in refs:
        for record, names in _saved(store, ref):
            records.setdefault(record.manifest.digest, record)
            kept = images.setdefault(record.manifest.digest, [])
            kept.extend(n for n in names if n not in kept)
    write_archive(store, [ArchiveImage(records[d], tuple(names))
                          for d, names in images.items()], dest)


def _saved(store: Store, ref: str) -> list[tuple[ImageRecord, tuple[str, ...]]]:
    """The images `ref` saves, each with the names it keeps in the archive."""
    from dfc.reference import parse_named

    try:
        named = parse_named(ref)
    except DfcError:
        named = None
    if named is not None and named.tag is None and named.digest is None:
        tagged = [(record, tuple(n for n in record.names
                                 if n.rpartition(":")[0] == named.name))
                  for record in store.images()]
        found = [(record, names) for record, names in tagged if names]
        if found:
            return found
    record = store.resolve(ref)
    try:
        full = tag_name(ref)
    except DfcError:
        full = ""
    return [(record, (full,) if full in record.names else ())]


def write_rootfs_tar(store: Store, record: ImageRecord, dest: Path | BinaryIO) -> None:
    """The image's root filesystem (all layers applied) as one plain tar; an index's
    images each in their platform's folder."""
    scratch = Path(tempfile.mkdtemp(prefix="export-", dir=store.root / "ingest"))
    try:
        write_rootfs(store, record, scratch / "rootfs")
        with _output_file(dest) as out:
            with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                for child in sorted(os.listdir(scratch / "rootfs")):
                    tar.add(scratch / "rootfs" / child, arcname=child, filter=_anonymous)
    finally:
        shutil.rmtree(scratch)


def write_rootfs(store: Store, record: ImageRecord, dest: Path) -> None:
    """The image's files into `dest`; for an index, one folder per platform
    (`linux_amd64/`, `linux_arm64/`), as buildx writes a multi-platform local output."""
    if record.manifest.media_type not in INDEX_TYPES:
        flatten(store, read(store, record)[0].layers, dest)
        return
    for child in _listed(store, record.manifest):
        manifest = store.read_json(child.digest, Manifest)
        flatten(store, manifest.layers, dest / platform_folder(child))


def _anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """Numeric owners only: host user names must not leak into the tar."""
    info.uname = info.gname = ""
    return info


def export(store: Store, spec: OutputSpec, record: ImageRecord, names: Sequence[str],
           stdout: BinaryIO | None = None, base_layers: Sequence[str] = ()) -> None:
    """Write one built image as `spec` asks (image, registry and engine outputs are the
    build's and the CLI's: they name, push and load); `base_layers` keep their
    compression unless forced."""
    if spec.type in ("image", "registry") or spec.loads:
        return
    if spec.dest == "-" and spec.type == "local":
        raise DfcError("type=local needs a folder, not -")
    target: Path | BinaryIO
    if spec.dest == "-":
        if stdout is None:
            raise DfcError(f"type={spec.type},dest=- needs standard output")
        target = stdout
    else:
        target = Path(spec.dest)
    if spec.type in _IMAGE_TYPES:
        record = compressed_image(store, record, spec.compression, base_layers)
    image = ArchiveImage(record, tuple(names))
    if spec.type == "local":
        assert isinstance(target, Path)
        write_rootfs(store, record, target)
    elif spec.type == "tar":
        write_rootfs_tar(store, record, target)
    elif spec.type == "oci" and isinstance(target, Path) and not spec.dest.endswith(".tar"):
        write_layout_dir(store, [image], target)
    else:
        write_archive(store, [image], target, docker=spec.type == "docker")
