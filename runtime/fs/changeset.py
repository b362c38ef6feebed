"""An overlayfs upper directory is the change set of a RUN; this turns it into layer entries.

Deleted paths are char devices 0/0 in the upper dir and become `.wh.NAME`; a directory
removed and made again carries `trusted.overlay.opaque=y` and gains `.wh..wh..opq`. The
kernel shares one inode among whiteouts, so they are recognised before anything looks at
link counts (only regular files ever become hardlinks in layer.py).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator

from dfc.errors import DfcError
from dfc.runtime.fs.layer import OPAQUE, WHITEOUT, Entry, stat_entry, walk

_OPAQUE_XATTRS = ("trusted.overlay.opaque", "user.overlay.opaque")
# A tar cannot express a renamed lower dir or a data-less copy-up: the sandbox must mount
# with redirect_dir=off,metacopy=off, and a change set that has them is refused.
_UNSUPPORTED = ("trusted.overlay.redirect", "user.overlay.redirect",
                "trusted.overlay.metacopy", "user.overlay.metacopy")


def _xattr(full: str, name: str) -> bytes | None:
    try:
        return os.getxattr(full, name, follow_symlinks=False)
    except OSError:
        return None


def upper_entries(upper: str) -> Iterator[Entry]:
    """The layer entries of an overlayfs upper dir, whiteouts converted."""
    for rel, full, st in walk(upper):
        if stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(0, 0):
            parent, _, name = rel.rpartition("/")
            path = f"{parent}/{WHITEOUT}{name}" if parent else WHITEOUT + name
            yield Entry(path=path, kind="file", mtime=int(st.st_mtime))
            continue
        if any(_xattr(full, k) is not None for k in _UNSUPPORTED):
            raise DfcError(f"overlay rename or metacopy in the change set at /{rel}: "
                           "mount with redirect_dir=off,metacopy=off")
        entry = stat_entry(rel, full, st)
        if entry is None:
            continue
        yield entry
        if entry.kind == "dir" and any(_xattr(full, k) == b"y" for k in _OPAQUE_XATTRS):
            yield Entry(path=f"{rel}/{OPAQUE}", kind="file", mtime=entry.mtime)
