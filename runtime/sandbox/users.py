"""USER resolution against the image's own /etc/passwd and /etc/group, with runc's rules.

It reads the files from the unpacked layers (runtime/fs/rootview.py) before anything is
mounted, so an unknown user fails the step with Docker's message before a process starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import msgspec

from dfc.errors import DfcError
from dfc.runtime.fs.rootview import RootView
from dfc.runtime.fs.users import find, table


class ExecUser(msgspec.Struct, frozen=True):
    """Who the RUN command runs as."""

    uid: int
    gid: int
    groups: tuple[int, ...]
    home: str


def resolve_user(spec: str, passwd: str | None, group: str | None) -> ExecUser:
    """`""`, `name`, `uid`, `name:group`, `uid:gid` -> ids; numeric ids need no entry."""
    user_arg, _, group_arg = spec.partition(":")
    users = table(passwd)
    uid, gid, home, name = 0, 0, "/", ""
    entry = find(users, user_arg or "0")
    if entry is not None and len(entry) >= 6:
        name, uid, gid, home = entry[0], int(entry[2]), int(entry[3]), entry[5] or "/"
    elif user_arg.isdigit():
        uid = int(user_arg)
    elif user_arg:
        raise DfcError(f"unable to find user {user_arg}: no matching entries in passwd file")
    groups = table(group)
    if group_arg:
        found = find(groups, group_arg)
        if found is not None:
            gid = int(found[2])
        elif group_arg.isdigit():
            gid = int(group_arg)
        else:
            raise DfcError(f"unable to find group {group_arg}: no matching entries in group file")
        return ExecUser(uid, gid, (), home)
    member_of = tuple(int(row[2]) for row in groups
                      if name and len(row) > 3 and name in row[3].split(","))
    return ExecUser(uid, gid, member_of, home)


def lookup(spec: str, lowerdirs: Sequence[Path]) -> ExecUser:
    """Resolve `spec` in the image the layers make (symlinks followed inside it only)."""
    view = RootView(lowerdirs)
    return resolve_user(spec, view.read_text("etc/passwd"), view.read_text("etc/group"))
