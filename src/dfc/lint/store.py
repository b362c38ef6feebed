"""Base images for lint's base-aware rules, from the image store (`--root`).

Only the top layer may read the store, so the compiler's rules get them through an
`ImageLookup` built here.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from dfc.errors import DfcError

if TYPE_CHECKING:
    from dfc.cache.store import Store
    from dfc.compiler.ir import ImageConfig
    from dfc.compiler.lint.images import ImageLookup
    from dfc.runtime.fs.rootview import RootView


class StoreImage:
    """A base image in the store, as lint's `BaseImage`: config now, files on demand
    (its layers are unpacked into snapshots only when a rule reads a file)."""

    def __init__(self, store: Store, name: str) -> None:
        from dfc.build import read_manifest
        from dfc.runtime.images.convert import to_compiler

        self.store = store
        self.name = name
        self.manifest, self.stored = read_manifest(store, name)  # an index: this machine's
        self.config: ImageConfig = to_compiler(self.stored.config, self.stored.author)
        self.platform = str(self.stored.platform)

    @cached_property
    def view(self) -> RootView:
        from dfc.cache.oci import Manifest
        from dfc.runtime.fs.rootview import RootView
        from dfc.runtime.fs.snapshots import snapshot_dirs

        manifest = self.store.read_json(self.manifest, Manifest)
        dirs = snapshot_dirs(self.store, manifest.layers, self.stored.rootfs.diff_ids)
        return RootView(list(reversed(dirs)))

    def read_text(self, path: str) -> str | None:
        return self.view.read_text(path)

    def exists(self, path: str) -> bool:
        return self.view.locate(self.view.resolve(path)) is not None


def image_lookup(root: Path | None) -> ImageLookup | None:
    """Base images from the store at `root` (or the default one if it exists); None when
    there is no store: then every base image is "unknown"."""
    from dfc.cache.store import Store, default_root

    folder = root or default_root()
    if not (folder / "index.json").is_file():
        return None
    store = Store(folder)
    cache: dict[str, StoreImage | None] = {}

    def lookup(name: str) -> StoreImage | None:
        if name not in cache:
            try:
                cache[name] = StoreImage(store, name)
            except DfcError:
                cache[name] = None
        return cache[name]

    return lookup
