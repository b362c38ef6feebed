"""Whether the code a daemon loaded has changed on disk since (it then restarts)."""

from __future__ import annotations

import contextlib
import os
import sys

import msgspec

import dfc


class CodeWatch(msgspec.Struct):
    """The modification times of dfc's files, and of the site-packages folders (pip
    installing, upgrading or removing a package changes them), when the daemon loaded
    them."""

    stamps: dict[str, int]

    @classmethod
    def snapshot(cls) -> CodeWatch:
        return cls(_stamps())

    def changed(self) -> bool:
        return _stamps() != self.stamps


def _stamps() -> dict[str, int]:
    stamps: dict[str, int] = {}
    for entry in sys.path:
        if os.path.basename(entry) in ("site-packages", "dist-packages"):
            with contextlib.suppress(OSError):
                stamps[entry] = os.stat(entry).st_mtime_ns
    for folder in dfc.__path__:
        for base, dirs, files in os.walk(folder):
            dirs[:] = [name for name in dirs if name != "__pycache__"]
            for name in files:
                path = os.path.join(base, name)
                with contextlib.suppress(OSError):
                    stamps[path] = os.stat(path).st_mtime_ns
    return stamps
