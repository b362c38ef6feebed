"""Layer compression on export, as buildx spells it: `compression=gzip|zstd|uncompressed`,
`compression-level=N`, `force-compression=true`.

dfc stores the layers it makes as gzip, so gzip output is the store's own blobs. Another
compression writes new blobs (same tar bytes, so the same diff_ids and config: the image
ID does not change) and a new manifest, OCI-typed since Docker manifests know no zstd.
As in BuildKit, the layers the build made are converted, and those of the base image
(which already exist in a registry as they are) are kept unless `force-compression`
asks for every layer. A layer already in the asked compression is never recompressed.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Literal, Protocol

import msgspec
from isal import igzip

from dfc.cache.oci import (
    INDEX_TYPES,
    MEDIA_CONFIG,
    MEDIA_LAYER,
    MEDIA_LAYER_GZIP,
    MEDIA_LAYER_ZSTD,
    MEDIA_MANIFEST,
    Descriptor,
    Manifest,
)
from dfc.cache.store import BlobWriter, ImageRecord, Store
from dfc.errors import DfcError
from dfc.runtime.fs.layer import GZIP_LEVEL, decompressed
from dfc.runtime.images.describe import read, remember_size

Compression = Literal["gzip", "zstd", "uncompressed"]
COMPRESSIONS: tuple[Compression, ...] = ("gzip", "zstd", "uncompressed")
MEDIA_TYPES: dict[Compression, str] = {"gzip": MEDIA_LAYER_GZIP, "zstd": MEDIA_LAYER_ZSTD,
                                       "uncompressed": MEDIA_LAYER}
LEVELS: dict[Compression, range] = {"gzip": range(10), "zstd": range(1, 23),
                                    "uncompressed": range(1)}
ZSTD_DEFAULT_LEVEL = 3
_CHUNK = 1 << 20
_SAME_TYPES = {"application/vnd.docker.image.rootfs.diff.tar.gzip": MEDIA_LAYER_GZIP,
               "application/vnd.docker.image.rootfs.diff.tar": MEDIA_LAYER}


class LayerCompression(msgspec.Struct, frozen=True):
    """What an `--output` asks of its layers; the default changes nothing."""

    kind: Compression = "gzip"
    level: int | None = None
    force: bool = False

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.kind]


def parse_compression(fields: dict[str, str], text: str) -> LayerCompression:
    """Take buildx's compression keys out of an output's fields."""
    kind = fields.pop("compression", "gzip")
    if kind not in COMPRESSIONS:
        raise DfcError(f"invalid output {text!r}: compression must be one of "
                       f"{', '.join(COMPRESSIONS)} (not {kind!r})")
    level: int | None = None
    if (raw := fields.pop("compression-level", None)) is not None:
        try:
            level = int(raw)
        except ValueError:
            raise DfcError(f"invalid output {text!r}: compression-level must be a number"
                           ) from None
        if level not in LEVELS[kind]:
            span = LEVELS[kind]
            raise DfcError(f"invalid output {text!r}: compression-level for {kind} must be "
                           f"{span.start}-{span.stop - 1}")
    force = fields.pop("force-compression", "false")
    if force not in ("true", "false"):
        raise DfcError(f"invalid output {text!r}: force-compression must be true or false")
    return LayerCompression(kind, level, force == "true")


def compressed_image(store: Store, record: ImageRecord, wanted: LayerCompression,
                     base_layers: Iterable[str] = ()) -> ImageRecord:
    """`record` with its layers in the wanted compression (a new untagged manifest in the
    store), or `record` itself when no layer needs converting. `base_layers`: digests
    kept as they are unless `wanted.force`."""
    if record.manifest.media_type in INDEX_TYPES:  # a multi-platform build's index
        if wanted == LayerCompression():
            return record
        raise DfcError("compression= for a multi-platform image is not supported by dfc yet")
    manifest, config = read(store, record)
    keep = set() if wanted.force else set(base_layers)
    layers: list[Descriptor] = []
    for layer, diff_id in zip(manifest.layers, config.rootfs.diff_ids, strict=True):
        current = _SAME_TYPES.get(layer.media_type, layer.media_type)
        if current == wanted.media_type or layer.digest in keep:
            layers.append(layer)
        else:
            layers.append(_convert(store, layer, diff_id, wanted))
    if layers == list(manifest.layers):
        return record
    config_desc = msgspec.structs.replace(manifest.config, media_type=MEDIA_CONFIG)
    stored = store.put_json(Manifest(config=config_desc, layers=tuple(layers)),
                            MEDIA_MANIFEST)
    return ImageRecord(manifest=msgspec.structs.replace(stored, platform=config.platform),
                       names=(), config=manifest.config.digest)


class _Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...


class _Hashing:
    """The tar side of a conversion: counted and hashed, to check the diff_id."""

    def __init__(self, out: _Writable) -> None:
        self.out = out
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        self.size += len(data)
        return self.out.write(data)


def _convert(store: Store, layer: Descriptor, diff_id: str, wanted: LayerCompression
             ) -> Descriptor:
    """One layer blob decompressed and written again as `wanted` says; the tar must be
    the one the config names."""
    with store.open_blob(layer.digest) as source, store.writer() as blob:
        with decompressed(source) as tar, _compressor(blob, wanted) as out:
            hashing = _Hashing(out)
            shutil.copyfileobj(tar, hashing, _CHUNK)
        if "sha256:" + hashing.hash.hexdigest() != diff_id:
            raise DfcError(f"layer {layer.digest} does not hold the tar its image names "
                           f"({diff_id})")
    assert blob.digest is not None
    converted = Descriptor(media_type=wanted.media_type, digest=blob.digest, size=blob.size)
    remember_size(store, converted, hashing.size)
    return converted


@contextmanager
def _compressor(blob: BlobWriter, wanted: LayerCompression) -> Iterator[_Writable]:
    """A stream that writes `blob` compressed as wanted, flushed when the block ends."""
    if wanted.kind == "uncompressed":
        yield blob
    elif wanted.kind == "zstd":
        import zstandard

        level = ZSTD_DEFAULT_LEVEL if wanted.level is None else wanted.level
        # a BlobWriter is a binary sink, though not typing's IO[bytes]
        compressor = zstandard.ZstdCompressor(level=level)
        with compressor.stream_writer(blob, closefd=False) as z:  # type: ignore[arg-type]
            yield z
    elif wanted.level is None:
        with igzip.IGzipFile(fileobj=blob, mode="wb", compresslevel=GZIP_LEVEL, mtime=0,
                             filename="") as gz:
            yield gz
    else:
        with gzip.GzipFile(fileobj=blob, mode="wb",  # type: ignore[call-overload]
                           compresslevel=wanted.level, mtime=0, filename="") as gz:
            yield gz
