"""Whether the code a daemon loaded has changed on disk since (it then restarts).

The truth is the modification times of dfc's files and of the site-packages folders;
walking and stat-ing them costs ~5 ms, paid before every command. So the daemon also asks
the kernel (inotify) to tell it about any change in the folders those files live in (the
editable install's link tree points into the source folders: both are watched) and walks
the files only after the kernel reported something; without inotify it walks every time.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys

import msgspec

import dfc

# inotify(7): what a changed, added, removed or renamed file or folder reports.
_IN_EVENTS = 0x2 | 0x4 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800
_IN_NONBLOCK, _IN_CLOEXEC = 0o4000, 0o2000000


class CodeWatch(msgspec.Struct):
    """The modification times of dfc's files, and of the site-packages folders (pip
    installing, upgrading or removing a package changes them), when the daemon loaded
    them; `events` is the inotify descriptor watching their folders (-1: none)."""

    stamps: dict[str, int]
    events: int = -1

    @classmethod
    def snapshot(cls) -> CodeWatch:
        events = _inotify()
        if events >= 0:  # watching first: a change while the stamps are taken is seen
            _watch(events, _folders())
        return cls(_stamps(), events)

    def changed(self) -> bool:
        if self.events >= 0 and not _drain(self.events):
            return False  # the kernel saw nothing in any watched folder
        if self.events >= 0:
            _watch(self.events, _folders())  # a folder added since is watched from now
        return _stamps() != self.stamps

    def close(self) -> None:
        """Drop the kernel's watch (in a command's child, which has no use for it)."""
        if self.events >= 0:
            os.close(self.events)
            self.events = -1


def _site_packages() -> list[str]:
    return [entry for entry in sys.path
            if os.path.basename(entry) in ("site-packages", "dist-packages")]


def _files() -> list[str]:
    found = []
    for folder in dfc.__path__:
        for base, dirs, files in os.walk(folder):
            dirs[:] = [name for name in dirs if name != "__pycache__"]
            found += [os.path.join(base, name) for name in files]
    return found


def _stamps() -> dict[str, int]:
    stamps: dict[str, int] = {}
    for path in [*_site_packages(), *_files()]:
        with contextlib.suppress(OSError):
            stamps[path] = os.stat(path).st_mtime_ns
    return stamps


def _folders() -> set[str]:
    """Every folder whose change may change a stamp: the files' own (through links)."""
    folders = set(_site_packages())
    for path in _files():
        folders.add(os.path.dirname(path))
        folders.add(os.path.dirname(os.path.realpath(path)))
    return folders


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _inotify() -> int:
    try:
        fd: int = _libc().inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
    except (OSError, AttributeError):
        return -1
    return fd


def _watch(events: int, folders: set[str]) -> None:
    libc = _libc()
    for folder in folders:
        libc.inotify_add_watch(events, os.fsencode(folder), _IN_EVENTS)  # gone: -1, fine


def _drain(events: int) -> bool:
    """Whether the kernel queued any event (or overflowed), emptying the queue."""
    seen = False
    while True:
        try:
            if not os.read(events, 65536):
                return seen
        except BlockingIOError:
            return seen
        except OSError:
            return True  # cannot tell: walk the files
        seen = True
