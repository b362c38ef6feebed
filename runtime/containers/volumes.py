"""Named and anonymous volumes of a store: `volumes/<name>/_data` (what containers see)
and `volumes/<name>/volume.json` (when it was made, its labels), as docker's local driver
keeps them.

A volume folder appears whole: it is laid out under a temporary name and renamed into
place while `volumes/.lock` is held, which is also where "in use" is decided for `rm` and
`prune`, so a volume cannot be removed between a `create` that chose it and the container
record that names it (the container store's create runs under the same lock).
"""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import msgspec

from dfc.cache.fsutil import UNWRITABLE, atomic_write, locked
from dfc.runtime.containers.errors import ContainerError

LOCAL_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")
"""docker's local driver: the names it accepts."""
ANONYMOUS_LABEL = "com.docker.volume.anonymous"
"""Today's docker marks the volumes it makes for a container (`-v /path`, an image's
VOLUME) with this label, and `volume prune` removes only those unless `-a`."""


class VolumeError(ContainerError):
    """A volume command failed: docker's `volume` commands exit 1."""

    exit_code = 1


class Meta(msgspec.Struct, rename="pascal"):
    """volume.json."""

    created_at: str
    labels: dict[str, str] | None = None
    options: dict[str, str] | None = None


class Volume:
    def __init__(self, folder: Path, meta: Meta) -> None:
        self.folder = folder
        self.meta = meta

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def data(self) -> Path:
        return self.folder / "_data"

    @property
    def anonymous(self) -> bool:
        return ANONYMOUS_LABEL in (self.meta.labels or {})

    def inspect(self) -> dict[str, object]:
        """`docker volume inspect`'s fields, in its order."""
        return {"CreatedAt": self.meta.created_at, "Driver": "local",
                "Labels": self.meta.labels, "Mountpoint": str(self.data), "Name": self.name,
                "Options": self.meta.options, "Scope": "local"}

    def size(self) -> int:
        """Bytes of its files, each inode once (what `system df -v` counts)."""
        seen: set[tuple[int, int]] = set()
        total = 0
        for top, dirs, files in os.walk(self.data):
            for name in [*files, *(d for d in dirs if os.path.islink(os.path.join(top, d)))]:
                try:
                    st = os.lstat(os.path.join(top, name))
                except OSError:
                    continue
                if (st.st_dev, st.st_ino) not in seen:
                    seen.add((st.st_dev, st.st_ino))
                    total += st.st_size
        return total


def check_name(name: str) -> None:
    if not LOCAL_NAME.fullmatch(name):
        raise VolumeError(
            f'create {name}: "{name}" includes invalid characters for a local volume name, '
            'only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host '
            "directory, use absolute path")


def _created_at() -> str:
    """docker's CreatedAt: seconds, UTC (dockerd's zone here)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class VolumeStore:
    """`<store root>/volumes`."""

    def __init__(self, root: Path) -> None:
        self.folder = root / "volumes"

    @contextmanager
    def lock(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with locked(self.folder / ".lock"):
            yield

    def get(self, name: str) -> Volume | None:
        if not LOCAL_NAME.fullmatch(name):
            return None
        folder = self.folder / name
        try:
            meta = msgspec.json.decode((folder / "volume.json").read_bytes(), type=Meta)
        except (OSError, msgspec.DecodeError):
            return None
        return Volume(folder, meta)

    def find(self, name: str) -> Volume:
        found = self.get(name)
        if found is None:
            raise VolumeError(f"No such volume: {name}")
        return found

    def all(self) -> list[Volume]:
        try:
            names = os.listdir(self.folder)
        except FileNotFoundError:
            return []
        except OSError as exc:
            if exc.errno in UNWRITABLE:
                return []
            raise
        return [v for v in map(self.get, names) if v is not None]

    def create(self, name: str | None, labels: dict[str, str] | None = None,
               options: dict[str, str] | None = None) -> tuple[Volume, bool]:
        """The volume `name` (a new 64-hex name when None), made now unless it exists;
        (volume, made). Call under `lock()`. `volume create` records `{}` for no labels
        or options (docker 20.10's client sends empty maps), `run` records null."""
        from dfc.runtime.containers.ids import new_id

        if name is None:
            name = new_id()
        check_name(name)
        if (found := self.get(name)) is not None:
            return found, False
        tmp = self.folder / f".new-{uuid.uuid4().hex}"
        tmp.mkdir(parents=True)
        try:
            (tmp / "_data").mkdir(0o755)
            os.chmod(tmp / "_data", 0o755)
            meta = Meta(created_at=_created_at(), labels=labels, options=options)
            atomic_write(tmp / "volume.json", msgspec.json.encode(meta))
            tmp.rename(self.folder / name)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return Volume(self.folder / name, meta), True

    def remove(self, volume: Volume) -> None:
        """Renamed away first, so no reader sees a half-deleted volume."""
        gone = self.folder / f".gone-{uuid.uuid4().hex}"
        try:
            volume.folder.rename(gone)
        except FileNotFoundError:
            return
        shutil.rmtree(gone, ignore_errors=True)
