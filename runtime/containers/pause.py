"""`docker pause`/`unpause`: every process of a container frozen, then thawed.

The container's processes are those in its pid namespace (pid 1 and everything `exec`
started). They are moved into a freezer cgroup of their own, `dfc/<id>`, which is then
frozen: the kernel stops them all at once, a process cannot fork its way out, and, unlike
SIGSTOP, nothing in the container can see or catch it (a parent waiting with WUNTRACED, a
SIGCONT handler). A process that appeared while they were being moved is caught by the
scan after the freeze (a task moved into a frozen cgroup freezes). Both cgroup versions
are served: v2's `cgroup.freeze` and v1's freezer controller. Unpause thaws, moves the
processes back where they came from and removes the cgroup, so nothing stays behind.

Where no cgroup can be written (a read-only /sys/fs/cgroup), SIGSTOP and SIGCONT to
every process of the namespace do the same, as far as signals can.
"""

from __future__ import annotations

import errno
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import msgspec

from dfc.runtime.containers.errors import ContainerError
from dfc.runtime.containers.store import Container

CGROUP_ROOT = Path("/sys/fs/cgroup")
_ROUNDS = 1000
_GROUP = "dfc"
_ORIGIN = "paused-from"
"""In the container folder: the cgroup its processes came from, or `signals`."""


def _namespace(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def _zombie(pid: int) -> bool:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return text[text.rindex(")") + 2] in "ZX"


def members(init: int) -> set[int]:
    """The live processes in the pid namespace of `init` (host pids). A zombie is left
    out: it cannot be moved or frozen, and a frozen parent never reaps it."""
    ns = _namespace(init)
    if ns is None:
        return set()
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit() and _namespace(int(entry)) == ns and not _zombie(int(entry)):
            found.add(int(entry))
    return found


class Freezer(msgspec.Struct, frozen=True):
    """One freezer hierarchy: where cgroups go and how they are frozen."""

    root: Path
    state_file: str
    frozen: str
    thawed: str
    controller: str
    """The /proc/PID/cgroup line prefix of the hierarchy (`0::` for v2)."""

    def group(self, container_id: str) -> Path:
        return self.root / _GROUP / container_id

    def origin(self, pid: int) -> str:
        for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
            if line.startswith(self.controller):
                return line[len(self.controller):]
        return "/"

    def is_frozen(self, group: Path) -> bool:
        if self.state_file == "cgroup.freeze":
            return "frozen 1" in (group / "cgroup.events").read_text().splitlines()
        return (group / "freezer.state").read_text().strip() == "FROZEN"


def freezer() -> Freezer | None:
    """The writable freezer of this host, v2 first; None when there is none."""
    candidates = []
    if (CGROUP_ROOT / "cgroup.controllers").exists():
        candidates.append(Freezer(CGROUP_ROOT, "cgroup.freeze", "1", "0", "0::"))
    if (CGROUP_ROOT / "freezer" / "freezer.state").exists() or \
            (CGROUP_ROOT / "freezer" / "cgroup.procs").exists():
        candidates.append(Freezer(CGROUP_ROOT / "freezer", "freezer.state", "FROZEN",
                                  "THAWED", _v1_prefix()))
    for candidate in candidates:
        if os.access(candidate.root, os.W_OK):
            return candidate
    return None


def _v1_prefix() -> str:
    """`N:freezer:` as /proc/self/cgroup names the v1 freezer hierarchy."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        number, _, rest = line.partition(":")
        if rest.startswith("freezer:"):
            return f"{number}:freezer:"
    return "freezer:"


def _move(pids: set[int], group: Path) -> None:
    for pid in sorted(pids):
        try:
            (group / "cgroup.procs").write_text(str(pid))
        except ProcessLookupError:
            pass
        except OSError as exc:  # a process that ended meanwhile
            if exc.errno != errno.ESRCH:
                raise


def _wait(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not done():
        if time.monotonic() > deadline:
            raise ContainerError(f"timed out waiting for the container to {what}", exit_code=1)
        time.sleep(0.01)


def _running(container: Container) -> None:
    if container.state.status == "paused":
        raise ContainerError(f"Container {container.id} is already paused", exit_code=1)
    if container.state.status != "running" or not container.supervisor_alive():
        raise ContainerError(f"Container {container.id} is not running", exit_code=1)


def freeze(container: Container) -> None:
    """Stop every process of the running container, and record it as paused. Whatever
    goes wrong on the way is undone: nothing stays frozen behind a failed pause."""
    _running(container)
    init = container.state.pid
    cgroups = freezer()
    (container.folder / _ORIGIN).write_text("signals" if cgroups is None
                                            else cgroups.origin(init))
    try:
        if cgroups is None:
            _signal_all(init, signal.SIGSTOP)
        else:
            _freeze_group(cgroups, cgroups.group(container.id), init)
    except BaseException:
        release(container)
        raise
    container.save_state(msgspec.structs.replace(container.state, status="paused",
                                                 paused=True))


def _freeze_group(cgroups: Freezer, group: Path, init: int) -> None:
    group.mkdir(parents=True, exist_ok=True)
    _move(members(init), group)
    (group / cgroups.state_file).write_text(cgroups.frozen)
    for _ in range(_ROUNDS):  # frozen tasks cannot fork: only a joining exec can add one
        stragglers = members(init) - _procs(group)
        if not stragglers:
            break
        _move(stragglers, group)
    _wait(lambda: cgroups.is_frozen(group), "freeze")


def thaw(container: Container) -> None:
    """Let the paused container's processes run again, and record it as running."""
    if container.state.status != "paused":
        raise ContainerError(f"Container {container.id} is not paused", exit_code=1)
    release(container)
    container.save_state(msgspec.structs.replace(container.state, status="running",
                                                 paused=False))


def release(container: Container) -> None:
    """Thaw the processes and remove the freezer cgroup (state left as it is)."""
    marker = container.folder / _ORIGIN
    try:
        origin = marker.read_text()
    except FileNotFoundError:
        return
    cgroups = freezer()
    if origin == "signals" or cgroups is None:
        _signal_all(container.state.pid, signal.SIGCONT)
    else:
        group = cgroups.group(container.id)
        if group.is_dir():
            (group / cgroups.state_file).write_text(cgroups.thawed)
            _wait(lambda: not cgroups.is_frozen(group), "thaw")
            deadline = time.monotonic() + 10
            while True:  # a thawed process may fork while they move, a zombie linger
                _move(_procs(group), cgroups.root / origin.lstrip("/"))
                try:
                    group.rmdir()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        break  # (an empty cgroup left behind; the next pause reuses it)
                    time.sleep(0.01)
    marker.unlink()


def _procs(group: Path) -> set[int]:
    return {int(p) for p in (group / "cgroup.procs").read_text().split()}


def _signal_all(init: int, signum: int) -> None:
    """Signal the namespace until no new process shows up (one may fork meanwhile)."""
    done: set[int] = set()
    while pending := members(init) - done:
        for pid in pending:
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass
        done |= pending
