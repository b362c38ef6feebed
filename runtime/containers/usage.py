"""What containers hold of the store: the images they use (so `rmi` and `image prune`
leave them alone, as Docker does) and the `Containers` row of `system df`."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from dfc.runtime.containers.store import Container, ContainerStore
from dfc.runtime.images.remove import ImageUser, Usage, Users


def image_users(cstore: ContainerStore) -> Users:
    """Every container by the image ID it was made from."""
    users: dict[str, list[ImageUser]] = {}
    for container in cstore.all():
        running = container.state.status in ("running", "paused", "restarting")
        users.setdefault(container.record.image, []).append(ImageUser(
            container=container.id, running=running, manifest=container.record.manifest))
    return users


def writable_size(folder: Path) -> int:
    """Docker's SizeRw: the sizes of everything but folders in the writable layer, each
    hardlinked file once."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for parent, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            st = os.lstat(os.path.join(parent, name))
            if stat.S_ISDIR(st.st_mode) or st.st_size == 0 or (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            total += st.st_size
    return total


def container_usage(cstore: ContainerStore) -> Usage:
    """The `Containers` row: all of them, the running ones active; their writable layers'
    sizes, reclaimable for those not running."""
    containers = cstore.all()
    sizes = {c.id: writable_size(c.upper) for c in containers}

    def running(c: Container) -> bool:
        return c.state.status in ("running", "paused", "restarting")

    active = [c for c in containers if running(c)]
    total = sum(sizes.values())
    return Usage("Containers", len(containers), len(active), total,
                 total - sum(sizes[c.id] for c in active))
