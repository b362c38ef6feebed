"""Crash-safe file primitives: a file is either its old content or its new one, never half."""

from __future__ import annotations

import errno
import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

UNWRITABLE = frozenset({errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT})
"""The errnos of a disk that refuses a write (not of a bug)."""


def fsync_dir(path: str | os.PathLike[str]) -> None:
    """Make a rename or create inside `path` durable (the entry lives in the directory)."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_file(path: str | os.PathLike[str], *, durable: bool = True) -> Iterator[BinaryIO]:
    """A file that replaces `path` only when the block succeeds: temp file in the same
    directory, fsync, rename, fsync dir; on an error (or a kill) `path` is untouched.
    Not `durable`: no fsync, for a hint whose loss in a power cut costs only work (a
    process killed still leaves the old content or the new)."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide the store from other readers
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if durable:
        fsync_dir(target.parent)


def atomic_write(path: str | os.PathLike[str], data: bytes, *, durable: bool = True) -> None:
    """Replace `path` with `data`, crash-safely (see atomic_file)."""
    with atomic_file(path, durable=durable) as f:
        f.write(data)


@contextmanager
def locked(path: str | os.PathLike[str], *, shared: bool = False) -> Iterator[None]:
    """Hold an fcntl lock on `path` (created if missing) for the `with` block.

    flock locks belong to the open file, so they also exclude other threads that open
    the lock file themselves, and they vanish when a killed process's files close.
    """
    fd = _open_lock(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _open_lock(path: str | os.PathLike[str]) -> int:
    """The lock file, opened for writing when it can be; flock needs no write access, so a
    store on a read-only mount (or owned by another user) can still be read under its lock."""
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        if exc.errno not in UNWRITABLE:
            raise
        try:
            return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            raise exc from None
