"""Images from outside a build: `docker import` of a root filesystem tarball.

Like Docker, the tarball is unpacked and the layer is made again from the tree, so the
layer follows dfc's tar rules whatever tool wrote the input (`./` prefixes, order, user
names); gzip, bzip2, xz or plain input is told apart by content.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

import msgspec

from dfc.cache.oci import Descriptor
from dfc.cache.store import Store
from dfc.runtime.image import (
    ContainerConfig,
    History,
    ImageConfig,
    RootFS,
    host_platform,
    rfc3339,
    write_image,
)
from dfc.runtime.layer import write_tree
from dfc.runtime.snapshots import extract_layer


class Imported(msgspec.Struct, frozen=True):
    """The new image: manifest, image ID (config digest) and its name if it was tagged."""

    manifest: Descriptor
    config: str
    name: str | None


def import_rootfs(store: Store, source: Path | BinaryIO, ref: str | None = None, *,
                  changes: ContainerConfig | None = None, message: str = "",
                  epoch: int | None = None) -> Imported:
    """A one-layer image of the host's platform from a rootfs tarball (path or stream).

    `changes` is the container config to give it (what `--change` lines compile to);
    `message` the history comment (Docker's default: "Imported from SOURCE"); `epoch`
    (SOURCE_DATE_EPOCH) fixes `created` and clamps mtimes, for reproducible imports."""
    tree = Path(tempfile.mkdtemp(prefix="import-", dir=store.root / "ingest"))
    try:
        if isinstance(source, Path):
            with open(source, "rb") as f:
                extract_layer(f, tree, mode="apply")
        else:
            extract_layer(source, tree, mode="apply")
        layer = write_tree(store, str(tree), epoch=epoch)
    finally:
        shutil.rmtree(tree)
    created = rfc3339(epoch if epoch is not None else time.time())
    origin = str(source) if isinstance(source, Path) else "-"
    host = host_platform()
    config = ImageConfig(
        architecture=host.architecture, os=host.os, variant=host.variant, created=created,
        config=changes or ContainerConfig(),
        rootfs=RootFS(diff_ids=(layer.diff_id,) if layer else ()),
        history=(History(created=created, comment=message or f"Imported from {origin}",
                         empty_layer=layer is None),),
    )
    image = write_image(store, config, [layer.descriptor] if layer else [])
    name = store.tag(ref, image.manifest) if ref else None
    if name is None:
        store.add(image.manifest)
    return Imported(manifest=image.manifest, config=image.config.digest, name=name)
