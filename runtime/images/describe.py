"""Images of the store as Docker describes them: sizes, names, history rows, inspect data.

Docker's SIZE is not a blob size: it is what the layers take once unpacked (overlay2 sums
the lstat size of every non-directory entry, hardlinks once), so a layer's size needs one
read of its tar. That number never changes for a blob, so it is remembered in the store's
`keys/` folder (`size-<hex>`), and loading or importing an image records it for free.
"""

from __future__ import annotations

import tarfile
from collections.abc import Iterator
from datetime import datetime
from typing import BinaryIO

import msgspec

from dfc.cache.oci import INDEX_TYPES, Descriptor, Index, Manifest, chain_ids
from dfc.cache.store import ImageRecord, Store
from dfc.errors import DfcError
from dfc.platform import best_match, host_platform
from dfc.reference import familiar, split_name
from dfc.runtime.fs.layer import decompressed
from dfc.runtime.images.config import ImageConfig


class ImageView(msgspec.Struct, frozen=True):
    """One image with everything listing, history and inspect need; `size` as Docker."""

    record: ImageRecord
    manifest: Manifest
    config: ImageConfig
    layer_sizes: tuple[int, ...]

    @property
    def id(self) -> str:
        return self.manifest.config.digest

    @property
    def size(self) -> int:
        return sum(self.layer_sizes)

    @property
    def created(self) -> datetime | None:
        return parse_time(self.config.created)

    @property
    def dangling(self) -> bool:
        return not self.record.names


class HistoryRow(msgspec.Struct, frozen=True):
    """A `docker history` row, newest first; `image` is None for `<missing>`."""

    image: str | None
    created: datetime | None
    created_by: str
    size: int
    comment: str


def parse_time(text: str | None) -> datetime | None:
    """RFC 3339 as configs write it (nanoseconds allowed); None when absent or unreadable."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def unpacked_size(tar: tarfile.TarFile) -> int:
    """Bytes a layer takes once unpacked, as overlay2 counts them: files and symlink
    targets, each inode once (hardlinks are free), directories and whiteouts nothing."""
    total = 0
    for m in tar:
        if m.isreg():
            total += m.size
        elif m.issym():
            total += len(m.linkname.encode("utf-8", "surrogateescape"))
    return total


def content_size(stream: BinaryIO) -> int:
    """`unpacked_size` of a stored layer blob (compressed or not)."""
    with tarfile.open(fileobj=decompressed(stream), mode="r|") as tar:
        return unpacked_size(tar)


def _size_key(layer: Descriptor) -> str:
    return "size-" + layer.digest.removeprefix("sha256:")


def remember_size(store: Store, layer: Descriptor, size: int) -> None:
    store.remember(_size_key(layer), str(size).encode())


def layer_size(store: Store, layer: Descriptor) -> int:
    """A layer's unpacked size, read once per blob and then remembered."""
    known = store.get_key(_size_key(layer))
    if known is not None and known.isdigit():
        return int(known)
    with store.open_blob(layer.digest) as f:
        size = content_size(f)
    remember_size(store, layer, size)
    return size


def platform_manifest(store: Store, descriptor: Descriptor) -> Descriptor:
    """The image manifest to use for a descriptor: itself, or from an index the entry
    that runs best on this machine (else the first one), as `docker run` picks."""
    if descriptor.media_type not in INDEX_TYPES:
        return descriptor
    listed = store.read_json(descriptor.digest, Index).manifests
    children = [c for c in listed if store.has_blob(c.digest)]  # a pulled list: some only
    if not children:
        raise DfcError(f"image index {descriptor.digest} lists no images")
    best = best_match(host_platform(), [child.platform for child in children])
    return platform_manifest(store, children[best or 0])


def read(store: Store, record: ImageRecord) -> tuple[Manifest, ImageConfig]:
    """One image's manifest and config."""
    manifest = store.read_json(platform_manifest(store, record.manifest).digest, Manifest)
    return manifest, store.read_json(manifest.config.digest, ImageConfig)


def view(store: Store, record: ImageRecord) -> ImageView:
    """Read one image's manifest, config and layer sizes."""
    manifest, config = read(store, record)
    sizes = tuple(layer_size(store, layer) for layer in manifest.layers)
    return ImageView(record=record, manifest=manifest, config=config, layer_sizes=sizes)


def all_images(store: Store) -> list[ImageView]:
    """Every image of the store, newest first (Docker's listing order)."""
    views = [view(store, r) for r in store.images()]
    return sorted(views, key=lambda v: (v.config.created or "", v.id), reverse=True)


def history(image: ImageView) -> list[HistoryRow]:
    """Docker's history rows, newest first: entries with a layer take that layer's size;
    the newest row is the image itself, older ones are `<missing>` (not images here)."""
    sizes: Iterator[int] = iter(image.layer_sizes)
    rows: list[HistoryRow] = []
    for entry in image.config.history:
        size = 0 if entry.empty_layer else next(sizes, 0)
        rows.append(HistoryRow(image=None, created=parse_time(entry.created),
                               created_by=entry.created_by or "", size=size,
                               comment=entry.comment or ""))
    rows.reverse()
    if rows:
        rows[0] = msgspec.structs.replace(rows[0], image=image.id)
    return rows


def inspect(image: ImageView, store: Store | None = None) -> dict[str, object]:
    """`docker image inspect`'s object for one image (engine-only fields left out)."""
    config = image.config
    comment = next((h.comment for h in reversed(config.history) if h.comment), "")
    repos = sorted({split_name(n)[0] for n in image.record.names})
    data: dict[str, object] = {
        "Id": image.id,
        "RepoTags": [familiar(n) for n in image.record.names],
        "RepoDigests": [f"{repo}@{image.record.manifest.digest}" for repo in repos],
        "Parent": "",
        "Comment": comment,
        "Created": config.created or "",
        "Author": config.author or "",
        "Config": docker_config(config),
        "Architecture": config.architecture,
        "Os": config.os,
    }
    if config.variant:
        data["Variant"] = config.variant
    data |= {
        "Size": image.size,
        "VirtualSize": image.size,
        "RootFS": {"Type": config.rootfs.type, "Layers": list(config.rootfs.diff_ids)},
        "Metadata": {"LastTagTime": "0001-01-01T00:00:00Z"},
        "Descriptor": msgspec.to_builtins(image.record.manifest),
    }
    if store is not None and image.record.manifest.media_type in INDEX_TYPES:
        data["Manifests"] = index_entries(store, image.record.manifest)
    return data


def index_entries(store: Store, index: Descriptor) -> list[dict[str, object]]:
    """What an index holds, as the Manifests of Docker's image inspect (containerd store):
    each image's descriptor, platform and whether its content is in the store."""
    out: list[dict[str, object]] = []
    for child in store.read_json(index.digest, Index).manifests:
        platform = msgspec.to_builtins(child.platform) if child.platform else {}
        out.append({"ID": child.digest, "Descriptor": msgspec.to_builtins(child),
                    "Available": store.has_blob(child.digest), "Kind": "image",
                    "ImageData": {"Platform": platform}})
    return out


def docker_config(config: ImageConfig) -> dict[str, object]:
    """The container config in the shape `docker inspect` prints: every field of Docker's
    struct present, null where unset, the image's values where set."""
    c = msgspec.to_builtins(config.config)
    out: dict[str, object] = {
        "Hostname": c.get("Hostname", ""), "Domainname": c.get("Domainname", ""),
        "User": c.get("User", ""), "AttachStdin": c.get("AttachStdin", False),
        "AttachStdout": c.get("AttachStdout", False),
        "AttachStderr": c.get("AttachStderr", False),
    }
    if "ExposedPorts" in c:
        out["ExposedPorts"] = c["ExposedPorts"]
    out |= {"Tty": c.get("Tty", False), "OpenStdin": c.get("OpenStdin", False),
            "StdinOnce": c.get("StdinOnce", False), "Env": c.get("Env"), "Cmd": c.get("Cmd")}
    for key in ("Healthcheck", "ArgsEscaped"):
        if key in c:
            out[key] = c[key]
    out |= {"Image": c.get("Image", ""), "Volumes": c.get("Volumes"),
            "WorkingDir": c.get("WorkingDir", ""),
            "Entrypoint": c.get("Entrypoint"), "OnBuild": c.get("OnBuild"),
            "Labels": c.get("Labels")}
    for key in ("StopSignal", "Shell"):
        if key in c:
            out[key] = c[key]
    return out


def layer_ids(manifest: Manifest, config: ImageConfig) -> list[tuple[Descriptor, str]]:
    """(layer blob, chain id) pairs: Docker names layers by chain id in `Deleted:` lines."""
    return list(zip(manifest.layers, chain_ids(config.rootfs.diff_ids), strict=False))
