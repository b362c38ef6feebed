"""The containers of a store: `containers/<id>/` folders, found by ID, unique ID prefix or
name, reconciled with their supervisor when read.

A container folder appears whole: it is laid out under a temporary name and renamed into
place while the names lock is held, so a failed `create` leaves nothing behind and two
`create`s cannot take the same name.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import msgspec

from dfc.cache.fsutil import UNWRITABLE, locked
from dfc.runtime.containers import state as st
from dfc.runtime.containers.errors import ContainerError, NoSuchContainer
from dfc.runtime.fs.views import drop_short_paths

_ID = re.compile(r"[0-9a-f]{64}")
SUPERVISOR_DIED = 137
"""The code recorded when a supervisor vanished: its container got SIGKILL with it."""


def process_start(pid: int) -> int | None:
    """The start time (clock ticks since boot) of a live process; None if there is none."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


class Container:
    """One container folder: its fixed record and its current state."""

    def __init__(self, folder: Path, record: st.Record, state: st.State) -> None:
        self.folder = folder
        self.record = record
        self.state = state

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def name(self) -> str:
        return self.record.name.removeprefix("/")

    @property
    def log_path(self) -> Path:
        return self.folder / f"{self.id}-json.log"

    @property
    def link_name(self) -> str:
        """Its folder of short layer links, under runtime/fs/views.py's LINK_ROOT."""
        return f"c-{self.id[:16]}"

    @property
    def upper(self) -> Path:
        return self.folder / "upper"

    def supervisor_alive(self) -> bool:
        s = self.state
        return bool(s.supervisor) and process_start(s.supervisor) == s.supervisor_start

    def save_state(self, state: st.State) -> None:
        st.write(self.folder / "state.json", state)
        self.state = state

    def reload(self) -> Container:
        self.state = st.read_state(self.folder / "state.json")
        return self


class ContainerStore:
    """`<store root>/containers`."""

    def __init__(self, root: Path) -> None:
        self.folder = root / "containers"
        if not self.folder.is_dir():
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:  # listing a read-only store needs no folder
                if exc.errno not in UNWRITABLE:
                    raise

    @contextmanager
    def names_lock(self) -> Iterator[None]:
        self._writable_folder()
        with locked(self.folder / ".lock"):
            yield

    def ids(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return [p for p in os.listdir(self.folder) if _ID.fullmatch(p)]

    def load(self, container_id: str) -> Container | None:
        """The container, reconciled; None if it is not (or no longer) there."""
        folder = self.folder / container_id
        try:
            record = st.read_record(folder / "config.json")
            state = st.read_state(folder / "state.json")
        except (OSError, msgspec.DecodeError):
            return None
        container = Container(folder, record, state)
        if state.status in ("running", "paused", "restarting") and not container.supervisor_alive():
            try:  # (re-read: the supervisor may have just recorded the exit itself)
                container.reload()
            except OSError:
                return None
            if container.state.status in ("running", "paused", "restarting") \
                    and not container.supervisor_alive():
                container.save_state(container.state.exited(
                    SUPERVISOR_DIED, "the container's supervisor died"))
        return container

    def all(self) -> list[Container]:
        """Every container, newest first (as `docker ps` lists them)."""
        found = [c for c in map(self.load, self.ids()) if c is not None]
        return sorted(found, key=lambda c: c.record.created, reverse=True)

    def find(self, ref: str) -> Container:
        """By full ID, then name, then unique ID prefix: Docker's order."""
        ref = ref.removeprefix("/")
        if _ID.fullmatch(ref) and (found := self.load(ref)):
            return found
        everything = self.all()
        for container in everything:
            if container.name == ref:
                return container
        hits = [c for c in everything if ref and c.id.startswith(ref)]
        if len(hits) > 1:
            raise ContainerError(f"multiple containers found with provided prefix: {ref}",
                                 exit_code=1)
        if not hits:
            raise NoSuchContainer(ref)
        return hits[0]

    def _writable_folder(self) -> Path:
        """The folder, made now if a read-only store skipped it (EROFS names the cause)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder

    def image_manifests(self) -> list[str]:
        """The manifest digests containers run from: their layers must stay unpacked
        and their blobs kept, whether or not a name still points at them."""
        return [c.record.manifest for c in self.all() if c.record.manifest]

    def names(self) -> dict[str, str]:
        return {c.name: c.id for c in self.all()}

    def create(self, record: st.Record, make: Callable[[Path], None],
               name: str | None, generate: Callable[[set[str]], str]) -> Container:
        """Lay out a container with `make(folder)` in a temporary folder and move it into
        place under its name (given, or generated among the free ones)."""
        tmp = self._writable_folder() / f".new-{uuid.uuid4().hex}"
        tmp.mkdir()
        try:
            make(tmp)
            with self.names_lock():
                taken = self.names()
                if name is not None and name in taken:
                    raise ContainerError(
                        f'Conflict. The container name "/{name}" is already in use by '
                        f'container "{taken[name]}". You have to remove (or rename) that '
                        "container to be able to reuse that name.")
                chosen = name if name is not None else generate(set(taken))
                record = msgspec.structs.replace(record, name="/" + chosen)
                st.write(tmp / "config.json", record)
                st.write(tmp / "state.json", st.State())
                tmp.rename(self.folder / record.id)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        folder = self.folder / record.id
        return Container(folder, record, st.State())

    def rename(self, container: Container, new: str) -> None:
        """Give the container the free name `new` (config.json rewritten whole, under the
        names lock, so two renames cannot take one name)."""
        with self.names_lock():
            taken = self.names()
            if new in taken:
                raise ContainerError(
                    f'Error when allocating new name: Conflict. The container name "/{new}" '
                    f'is already in use by container "{taken[new]}". You have to remove (or '
                    "rename) that container to be able to reuse that name.", exit_code=1)
            record = st.read_record(container.folder / "config.json")
            record = msgspec.structs.replace(record, name="/" + new)
            st.write(container.folder / "config.json", record)
            container.record = record

    def remove(self, container: Container) -> None:
        """Delete the folder: renamed away first, so no reader sees a half-deleted one."""
        gone = self.folder / f".gone-{container.id}"
        try:
            container.folder.rename(gone)
        except FileNotFoundError:
            return
        shutil.rmtree(gone, ignore_errors=True)
        drop_short_paths(container.link_name)
