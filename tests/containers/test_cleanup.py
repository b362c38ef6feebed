"""A hundred containers run and removed leave nothing behind: no container folder, no
mount, no process (supervisors are forks of this process and keep its command line), and
so no namespace (one lives only as long as a process or a mount holds it)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from dfc.runtime.containers import attach, engine, session
from dfc.runtime.containers.store import ContainerStore


def _same_command_line() -> set[int]:
    """Processes with this test process's command line, itself excluded."""
    mine = Path("/proc/self/cmdline").read_bytes()
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                if Path(f"/proc/{entry}/cmdline").read_bytes() == mine:
                    found.add(int(entry))
            except OSError:
                continue
    return found


def _mounts() -> list[str]:
    return Path("/proc/self/mountinfo").read_text().splitlines()


def _inside(root: Path) -> list[int]:
    """Processes whose root or working folder is in the store."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        for link in ("root", "cwd"):
            try:
                if os.readlink(f"/proc/{entry}/{link}").startswith(str(root)):
                    found.append(int(entry))
            except OSError:
                continue
    return found


def test_hundred_containers_leave_nothing(images: Any) -> None:
    store = images.store
    before_procs, before_mounts = _same_command_line(), _mounts()
    options = engine.RunOptions(image=images.names["busybox"], args=("true",),
                                auto_remove=True)
    for _ in range(100):
        container = engine.create(store, options)
        with engine.start(store, container) as sock:
            reader = attach.FrameReader()
            pending = session.wait_started(sock, reader)
            frames = pending
            while not any(kind == attach.EXITED for kind, _ in frames):
                received = attach.recv_frames(sock, reader)
                assert received is not None, "the supervisor went away without a code"
                frames = received
    assert ContainerStore(store.root).ids() == []
    assert [p for p in os.listdir(store.root / "containers") if p != ".lock"] == []
    # none added (dockerd, used by other tests, may remove its own meanwhile)
    assert sorted(set(_mounts()) - set(before_mounts)) == []
    assert not [line for line in _mounts() if str(store.root) in line]
    # a supervisor sends the exit code just before it exits: give the last one a moment
    deadline = time.monotonic() + 5
    while not _same_command_line() <= before_procs and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _same_command_line() <= before_procs
    assert _inside(store.root) == []
