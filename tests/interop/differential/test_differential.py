"""dfc against `docker build`: every case is built by both, from the same busybox base, and
the images must agree on every file (type, mode, owner, size, content, link target,
hardlinks, kept mtimes) and on every config field and history entry a user sees.
Differences kept on purpose are listed in docs/differences.md."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import tarfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

import pytest

ARCHIVE_EPOCH = 1_600_000_000
"""Members of the generated archives carry the contexts' mtime, so extraction must keep it."""


class Spec(NamedTuple):
    """How to build one fixture context (tests/fixtures/diff/<name>). `setup` makes what
    git cannot hold (hardlinks, setuid bits, archives, empty folders); `fails` says that
    docker refuses the build, so dfc must too."""

    setup: Callable[[Path], None] | None = None
    target: str | None = None
    build_args: Mapping[str, str] = {}
    fails: bool = False


def _tree_tar() -> bytes:
    """A small tar: a folder, an executable owned 1000:1000, a symlink and a hardlink."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        def add(name: str, kind: bytes, mode: int, data: bytes = b"", link: str = "",
                owner: int = 0) -> None:
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.mtime, info.linkname = kind, mode, ARCHIVE_EPOCH, link
            info.uid = info.gid = owner
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data else None)
        add("top", tarfile.DIRTYPE, 0o750)
        add("top/run.sh", tarfile.REGTYPE, 0o755, b"#!/bin/sh\necho hi\n", owner=1000)
        add("top/data.txt", tarfile.REGTYPE, 0o600, b"data\n")
        add("top/link", tarfile.SYMTYPE, 0o777, link="data.txt")
        add("top/hard", tarfile.LNKTYPE, 0o600, link="top/data.txt")
        add("rootfile", tarfile.REGTYPE, 0o644, b"root\n")
    return out.getvalue()


def archives(context: Path) -> None:
    """The same tar plain, gzip, bzip2 and xz compressed, one under a misleading name, one
    inside a folder (only top-level sources are extracted), and a gzip that is no tar."""
    tar = _tree_tar()
    (context / "tree.tar").write_bytes(tar)
    (context / "tree.tar.gz").write_bytes(gzip.compress(tar, mtime=0))
    (context / "tree.tar.bz2").write_bytes(bz2.compress(tar))
    (context / "tree.tar.xz").write_bytes(lzma.compress(tar))
    (context / "renamed.txt").write_bytes(gzip.compress(tar, mtime=0))
    (context / "notatar.gz").write_bytes(gzip.compress(b"just text\n", mtime=0))
    (context / "dir").mkdir()
    (context / "dir" / "inner.tar.gz").write_bytes(gzip.compress(tar, mtime=0))


def hardlinks(context: Path) -> None:
    """Two names of one file inside a copied folder, and a third outside it."""
    (context / "dir" / "one").write_text("shared\n")
    os.link(context / "dir" / "one", context / "dir" / "two")
    os.link(context / "dir" / "one", context / "outside")


def special_modes(context: Path) -> None:
    """setuid, setgid and sticky bits in the context (the client sends them as they are)."""
    for name, mode in (("suid", 0o4755), ("sgid", 0o2755), ("both", 0o6711)):
        (context / name).write_text(name + "\n")
        os.chmod(context / name, mode)
    (context / "sticky").mkdir()
    os.chmod(context / "sticky", 0o1777)
    (context / "private").mkdir()
    (context / "private" / "f").write_text("f\n")
    os.chmod(context / "private", 0o700)


CASES: dict[str, Spec] = {
    "basic": Spec(),
    "multistage": Spec(),
    "target": Spec(target="WANTED"),
    "arg_env": Spec(),
    "build_args": Spec(build_args={"VERBATIM": "$PATH", "OVERRIDE": "given",
                                   "NODEFAULT": "set", "NOTDECLARED": "x"}),
    "workdir_user": Spec(),
    "user_run": Spec(),
    "copy_dest": Spec(),
    "copy_over": Spec(),
    "wildcards": Spec(),
    "missing_literal": Spec(fails=True),
    "missing_wildcard_parent": Spec(fails=True),
    "chown": Spec(),
    "chmod": Spec(),
    "add_archives": Spec(setup=archives),
    "dockerignore": Spec(),
    "dockerignore_missing": Spec(fails=True),
    "symlinks": Spec(),
    "hardlinks": Spec(setup=hardlinks),
    "setuid": Spec(setup=special_modes),
    "whiteouts": Spec(),
    "replace_dir": Spec(),
    "metadata": Spec(),
    "healthcheck_none": Spec(),
    "entrypoint_inherit": Spec(),
    "entrypoint_cleared": Spec(),
    "cmd_forms": Spec(),
    "onbuild": Spec(target="child"),
    "volume_changes": Spec(),
    "expansion": Spec(),
    "scratch": Spec(),
    "parser_quirks": Spec(),
    "parser_quirks_default": Spec(),
}


@pytest.mark.parametrize("name", list(CASES))
def test_dfc_builds_what_docker_builds(name: str, compare: Callable[[str, bool], list[str]]
                                       ) -> None:
    differences = compare(name, CASES[name].fails)
    assert not differences, "\n".join(differences)
