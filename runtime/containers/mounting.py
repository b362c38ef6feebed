"""A container's mounts: made ready at `create` (volumes made, a `-v` host folder
created), recorded in `mounts.json` (written once, beside config.json), turned into
sandbox mounts at each start, shown as `.Mounts`, and undone by `rm -v`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

import msgspec

from dfc.runtime.containers.errors import ContainerError
from dfc.runtime.containers.mountspec import MountPoint
from dfc.runtime.containers.volumes import ANONYMOUS_LABEL, Volume, VolumeError, VolumeStore
from dfc.runtime.sandbox.mounts import stubs
from dfc.runtime.sandbox.spec import Mount, RunSpec

MOUNTS_FILE = "mounts.json"


def prepare(root: Path, points: Sequence[MountPoint]) -> tuple[list[MountPoint], list[Volume]]:
    """The points with their volumes named (made when missing: anonymous ones always,
    named ones on first use, as docker does) and `-v` host folders made; the volumes made
    now, for the caller to remove if the container is not created. Call under the volume
    store's lock."""
    volumes = VolumeStore(root)
    ready: list[MountPoint] = []
    made: list[Volume] = []
    try:
        for point in points:
            if point.type == "bind":
                if not os.path.lexists(point.source):
                    if point.must_exist:
                        raise ContainerError(
                            'invalid mount config for type "bind": bind source path does '
                            f"not exist: {point.source}")
                    os.makedirs(point.source, 0o755, exist_ok=True)
            elif point.type == "volume":
                labels = {ANONYMOUS_LABEL: ""} if point.anonymous else None
                try:
                    volume, new = volumes.create(point.source or None, labels)
                except VolumeError as exc:  # (`run` answers 125 where `volume` says 1)
                    raise ContainerError(exc.message) from None
                if new:
                    made.append(volume)
                point = msgspec.structs.replace(point, source=volume.name)
            ready.append(point)
    except BaseException:
        for volume in made:
            volumes.remove(volume)
        raise
    return ready, made


def mount_stubs(root: Path, points: Sequence[MountPoint]) -> list[tuple[str, int]]:
    """The mount points the init layer must hold (see sandbox/rootfs.py)."""
    return stubs(RunSpec(argv=(), env=(), mounts=sandbox_mounts(root, points)))


def write(folder: Path, points: Sequence[MountPoint]) -> None:
    (folder / MOUNTS_FILE).write_bytes(msgspec.json.encode(list(points)))


def read(folder: Path) -> list[MountPoint]:
    """The container's mounts (none for a container made before volumes existed)."""
    try:
        data = (folder / MOUNTS_FILE).read_bytes()
    except FileNotFoundError:
        return []
    return msgspec.json.decode(data, type=list[MountPoint])


def _data(root: Path, name: str) -> Path:
    return VolumeStore(root).folder / name / "_data"


def sandbox_mounts(root: Path, points: Sequence[MountPoint]) -> tuple[Mount, ...]:
    """What the sandbox mounts: volumes and binds as (read-only) binds, tmpfs as tmpfs."""
    found = []
    for point in points:
        ro = () if point.rw else ("ro",)
        if point.type == "tmpfs":
            found.append(Mount(point.destination, "tmpfs", "tmpfs",
                               (*point.tmpfs_options, *ro)))
        else:
            source = point.source if point.type == "bind" else str(_data(root, point.source))
            found.append(Mount(point.destination, "bind", source, ("rbind", *ro)))
    return tuple(found)


def inspect_mounts(root: Path, points: Sequence[MountPoint]) -> list[dict[str, object]]:
    """`.Mounts` as docker shows them (anonymous volumes last, as it lists them)."""
    shown = []
    for point in sorted((p for p in points if p.shown), key=lambda p: p.anonymous):
        entry: dict[str, object] = {"Type": point.type}
        if point.type == "volume":
            entry["Name"] = point.source
            entry["Source"] = str(_data(root, point.source))
        else:
            entry["Source"] = point.source
        entry["Destination"] = point.destination
        if point.type == "volume":
            entry["Driver"] = "local"
        entry.update({"Mode": point.mode, "RW": point.rw, "Propagation": point.propagation})
        shown.append(entry)
    return shown


def users(root: Path) -> dict[str, list[str]]:
    """Volume name -> IDs of the containers that name it (running or not)."""
    from dfc.runtime.containers.store import ContainerStore

    cstore = ContainerStore(root)
    found: dict[str, list[str]] = {}
    for container_id in cstore.ids():
        for point in read(cstore.folder / container_id):
            if point.type == "volume":
                found.setdefault(point.source, []).append(container_id)
    return found


def remove_anonymous(root: Path, points: Sequence[MountPoint]) -> None:
    """`rm -v` and `run --rm`: the container's anonymous volumes go (named ones stay),
    unless another container uses one too."""
    volumes = VolumeStore(root)
    with volumes.lock():
        used = users(root)
        for point in points:
            if point.type == "volume" and point.anonymous and not used.get(point.source):
                if (volume := volumes.get(point.source)) is not None:
                    volumes.remove(volume)


def is_empty_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode) and not os.listdir(path)
    except FileNotFoundError:
        return False
