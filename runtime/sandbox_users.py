"""USER resolution against the image's own /etc/passwd and /etc/group, with runc's rules.

It reads the files from the unpacked layers before anything is mounted, so an unknown user
fails the step with Docker's message before a process is started.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

import msgspec

from dfc.errors import DfcError

_OPAQUE_XATTR = "trusted.overlay.opaque"


class ExecUser(msgspec.Struct, frozen=True):
    """Who the RUN command runs as."""

    uid: int
    gid: int
    groups: tuple[int, ...]
    home: str


def _is_whiteout(st: os.stat_result) -> bool:
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == 0


def _is_opaque(path: Path) -> bool:
    try:
        return os.getxattr(path, _OPAQUE_XATTR, follow_symlinks=False) == b"y"
    except OSError:
        return False


def read_from_layers(lowerdirs: Sequence[Path], rel: str) -> str | None:
    """The text of `rel` as the merged overlay would show it, or None if it is absent.

    Symlinks are not followed: they could point anywhere on the host.
    """
    parts = rel.strip("/").split("/")
    for layer in lowerdirs:
        node, opaque = layer, False
        for depth, part in enumerate(parts, 1):
            node = node / part
            try:
                st = os.lstat(node)
            except FileNotFoundError:
                break
            if _is_whiteout(st):
                return None
            if depth == len(parts):
                return node.read_text(errors="replace") if stat.S_ISREG(st.st_mode) else None
            if not stat.S_ISDIR(st.st_mode):
                return None
            opaque = opaque or _is_opaque(node)
        if opaque:
            return None
    return None


def _entries(text: str | None) -> list[list[str]]:
    rows = (line.split(":") for line in (text or "").splitlines() if line and line[0] != "#")
    return [row for row in rows if len(row) >= 4]


def _find(entries: list[list[str]], key: str, index: int) -> list[str] | None:
    return next((row for row in entries if row[index] == key), None)


def resolve_user(spec: str, passwd: str | None, group: str | None) -> ExecUser:
    """`""`, `name`, `uid`, `name:group`, `uid:gid` -> ids; numeric ids need no entry."""
    user_arg, _, group_arg = spec.partition(":")
    users = _entries(passwd)
    uid, gid, home, name = 0, 0, "/", ""
    entry = _find(users, user_arg or "0", 2 if (user_arg or "0").isdigit() else 0)
    if entry is not None and len(entry) >= 6:
        name, uid, gid, home = entry[0], int(entry[2]), int(entry[3]), entry[5] or "/"
    elif user_arg.isdigit():
        uid = int(user_arg)
    elif user_arg:
        raise DfcError(f"unable to find user {user_arg}: no matching entries in passwd file")
    groups = _entries(group)
    if group_arg:
        found = _find(groups, group_arg, 2 if group_arg.isdigit() else 0)
        if found is not None:
            gid = int(found[2])
        elif group_arg.isdigit():
            gid = int(group_arg)
        else:
            raise DfcError(f"unable to find group {group_arg}: no matching entries in group file")
        return ExecUser(uid, gid, (), home)
    member_of = tuple(int(row[2]) for row in groups if name and name in row[3].split(","))
    return ExecUser(uid, gid, member_of, home)


def lookup(spec: str, lowerdirs: Sequence[Path]) -> ExecUser:
    return resolve_user(spec, read_from_layers(lowerdirs, "etc/passwd"),
                        read_from_layers(lowerdirs, "etc/group"))
