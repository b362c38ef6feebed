"""User and group names -> ids, from the image's own /etc/passwd and /etc/group."""

from __future__ import annotations

from dfc.runtime.fs.rootview import RootView


def table(text: str | None) -> list[list[str]]:
    """The colon-separated rows of a passwd/group file (comments and short rows skipped)."""
    rows = (line.split(":") for line in (text or "").splitlines() if line and line[0] != "#")
    return [row for row in rows if len(row) >= 3]


def find(rows: list[list[str]], key: str) -> list[str] | None:
    """The row for a name, or for a numeric id."""
    column = 2 if key.isdigit() else 0
    return next((row for row in rows if row[column] == key), None)


def chown_ids(spec: str, view: RootView) -> tuple[int, int]:
    """`--chown=user[:group]` as BuildKit resolves it against the destination image.

    Numeric parts need no entry; a named user gives its uid and primary gid; a user
    alone that is numeric gives gid = uid; unknown names give 0 (BuildKit does not fail,
    observed with dockerd 20.10); `user:` gives group 0.
    """
    user, has_group, group = spec.partition(":")
    users = table(view.read_text("etc/passwd")) if not user.isdigit() else []
    uid = gid = 0
    if user.isdigit():
        uid = gid = int(user)
    elif (row := find(users, user)) is not None and len(row) >= 4:
        uid, gid = int(row[2]), int(row[3])
    if has_group:
        gid = 0
        if group.isdigit():
            gid = int(group)
        elif group and (row := find(table(view.read_text("etc/group")), group)) is not None:
            gid = int(row[2])
    return uid, gid
