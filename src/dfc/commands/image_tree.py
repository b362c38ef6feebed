"""`dfc images --tree`: each name with the platforms its index holds, as `docker images
--tree` shows a containerd store (an entry whose image was never fetched only with -a)."""

from __future__ import annotations

from collections.abc import Sequence

from dfc.cache.oci import INDEX_TYPES, Descriptor, Index, Manifest
from dfc.cache.store import Store
from dfc.commands.formatting import human_size
from dfc.reference import familiar
from dfc.runtime.images.describe import ImageView, layer_size


def _sizes(store: Store, manifest: Descriptor) -> tuple[int, int]:
    """(disk usage: unpacked layers, content size: the blobs) of one image manifest."""
    parsed = store.read_json(manifest.digest, Manifest)
    unpacked = sum(layer_size(store, layer) for layer in parsed.layers)
    content = manifest.size + parsed.config.size + sum(layer.size for layer in parsed.layers)
    return unpacked, content


def _children(store: Store, index: Descriptor) -> list[Descriptor]:
    found: list[Descriptor] = []
    for child in store.read_json(index.digest, Index).manifests:
        found += _children(store, child) if child.media_type in INDEX_TYPES else [child]
    return found


def render_tree(store: Store, images: Sequence[tuple[ImageView, tuple[str, ...]]],
                show_all: bool) -> str:
    rows: list[tuple[str, str, str, str]] = [("IMAGE", "ID", "DISK USAGE", "CONTENT SIZE")]
    for image, names in images:
        top = image.record.manifest
        children = _children(store, top) if top.media_type in INDEX_TYPES else [top]
        present = [(c, _sizes(store, c)) for c in children if store.has_blob(c.digest)]
        disk = sum(s[0] for _, s in present)
        content = sum(s[1] for _, s in present)
        label = ", ".join(familiar(n) for n in names) or "<untagged>"
        rows.append((label, top.digest[7:19], human_size(disk, 3), human_size(content, 3)))
        shown = [c for c in children if show_all or store.has_blob(c.digest)]
        for i, child in enumerate(shown):
            branch = "└─" if i == len(shown) - 1 else "├─"
            sizes = _sizes(store, child) if store.has_blob(child.digest) else (0, 0)
            platform = str(child.platform) if child.platform else "unknown"
            rows.append((f"{branch} {platform}", child.digest[7:19], human_size(sizes[0], 3),
                         human_size(sizes[1], 3)))
        rows.append(("", "", "", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["   ".join(cell.ljust(w) if k < 2 else cell.rjust(w)
                        for k, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
             for row in rows]
    return "\n".join(lines).rstrip() + "\n"
