"""atomic_write replaces whole files; the lock excludes a second holder."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from dfc.cache.fsutil import atomic_write, locked


def test_atomic_write_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "f.json"
    atomic_write(target, b"one")
    atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert os.listdir(tmp_path) == ["f.json"]


def test_lock_is_exclusive(tmp_path: Path) -> None:
    lock = tmp_path / "lock"
    with locked(lock):
        fd = os.open(lock, os.O_RDWR)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                raise AssertionError("second lock acquired while the first is held")
            except BlockingIOError:
                pass
        finally:
            os.close(fd)
    fd = os.open(lock, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.close(fd)
