"""`volume rm`, `volume prune` and the `Local Volumes` row of `system df`: what is in use
is decided under the volume store's lock, so a volume a `create` is about to name is
never removed under it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import msgspec

from dfc.runtime.containers.mounting import users
from dfc.runtime.containers.volumes import VolumeStore


class Pruned(msgspec.Struct, frozen=True):
    names: tuple[str, ...]
    reclaimed: int


class VolumeUsage(msgspec.Struct, frozen=True):
    """docker's `Local Volumes` row: every volume, those in use, bytes, bytes of unused."""

    total: int
    active: int
    size: int
    reclaimable: int


def remove(root: Path, names: Sequence[str], force: bool) -> tuple[list[str], list[str]]:
    """(names removed, docker's error lines). `force` passes over unknown names."""
    volumes = VolumeStore(root)
    removed, errors = [], []
    with volumes.lock():
        used = users(root)
        for name in names:
            volume = volumes.get(name)
            if volume is None:
                if force:
                    removed.append(name)
                else:
                    errors.append(f"No such volume: {name}")
                continue
            if used.get(volume.name):
                errors.append(f"remove {name}: volume is in use - "
                              f"[{' '.join(used[volume.name])}]")
                continue
            volumes.remove(volume)
            removed.append(name)
    return removed, errors


def prune(root: Path, everything: bool) -> Pruned:
    """Unused volumes go: anonymous ones, or all with `everything` (today's docker)."""
    volumes = VolumeStore(root)
    names, reclaimed = [], 0
    with volumes.lock():
        used = users(root)
        for volume in volumes.all():
            if used.get(volume.name) or not (everything or volume.anonymous):
                continue
            reclaimed += volume.size()
            volumes.remove(volume)
            names.append(volume.name)
    return Pruned(tuple(names), reclaimed)


def usage(root: Path) -> VolumeUsage:
    used = users(root)
    total = active = size = reclaimable = 0
    for volume in VolumeStore(root).all():
        bytes_ = volume.size()
        total += 1
        size += bytes_
        if used.get(volume.name):
            active += 1
        else:
            reclaimable += bytes_
    return VolumeUsage(total, active, size, reclaimable)

