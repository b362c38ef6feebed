"""`system df`'s Images row and `system df -v`'s image table: sizes as `images` counts
them (unpacked layers), a layer two images share counted once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import msgspec

from dfc.cache.store import Store
from dfc.runtime.images.describe import ImageView, all_images


class ImageUsage(msgspec.Struct, frozen=True):
    """One image with docker's SHARED SIZE (its layers another image also has), UNIQUE
    SIZE and CONTAINERS."""

    view: ImageView
    shared: int
    containers: int

    @property
    def unique(self) -> int:
        return self.view.size - self.shared


class ImagesTotal(msgspec.Struct, frozen=True):
    total: int
    active: int
    size: int
    reclaimable: int


def image_usage(store: Store, containers: Mapping[str, int]) -> list[ImageUsage]:
    """Every image (newest first) with its sharing; `containers` counts the containers of
    each image ID."""
    views = all_images(store)
    holders = Counter(d for v in views for d in set(v.config.rootfs.diff_ids))
    return [ImageUsage(v, sum(size for d, size in _layers(v) if holders[d] > 1),
                       containers.get(v.id, 0)) for v in views]


def images_total(usages: list[ImageUsage]) -> ImagesTotal:
    """docker's Images row: distinct layers' size; reclaimable is that minus the unique
    size of images some container uses (the docker CLI's formula)."""
    sizes = {d: size for u in usages for d, size in _layers(u.view)}
    size = sum(sizes.values())
    used = sum(u.unique for u in usages if u.containers)
    return ImagesTotal(len(usages), sum(1 for u in usages if u.containers), size, size - used)


def _layers(view: ImageView) -> list[tuple[str, int]]:
    return list(zip(view.config.rootfs.diff_ids, view.layer_sizes, strict=False))
