"""Shared fixtures. `busybox_image`: a runnable base image in a store, made from Debian's
busybox-static, for every test that needs something to build FROM."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import NamedTuple

import pytest

from dfc.cache.store import Store
from dfc.runtime.importers import import_rootfs

BUSYBOX = Path("/bin/busybox")
BUSYBOX_EPOCH = 1_700_000_000
PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
GROUP = "root:x:0:\nnogroup:x:65534:\n"


class BusyboxImage(NamedTuple):
    """A store holding a busybox image, and the name it is tagged with there."""

    store: Store
    ref: str


def make_busybox_rootfs(root: Path) -> None:
    """/bin/busybox, one /bin symlink per applet, /etc/passwd and /etc/group, /tmp, /root."""
    for d in ("bin", "etc", "root", "tmp"):
        (root / d).mkdir(parents=True)
    os.chmod(root / "tmp", 0o1777)
    os.chmod(root / "root", 0o700)
    shutil.copy(BUSYBOX, root / "bin" / "busybox")
    os.chmod(root / "bin" / "busybox", 0o755)
    applets = subprocess.run([str(BUSYBOX), "--list"], check=True, capture_output=True,
                             text=True).stdout.split()
    for applet in applets:
        if applet != "busybox":
            os.symlink("busybox", root / "bin" / applet)
    (root / "etc" / "passwd").write_text(PASSWD)
    (root / "etc" / "group").write_text(GROUP)


@pytest.fixture(scope="session")
def busybox_image(tmp_path_factory: pytest.TempPathFactory) -> BusyboxImage:
    """`docker.io/library/busybox:latest` in a session-wide store (do not move its tag)."""
    if not BUSYBOX.exists():
        pytest.skip("needs Debian's busybox-static at /bin/busybox")
    work = tmp_path_factory.mktemp("busybox")
    make_busybox_rootfs(work / "rootfs")
    with tarfile.open(work / "rootfs.tar", "w") as tar:
        tar.add(work / "rootfs", arcname=".")
    store = Store(work / "store")
    imported = import_rootfs(store, work / "rootfs.tar", "busybox:latest", epoch=BUSYBOX_EPOCH)
    assert imported.name is not None
    return BusyboxImage(store=store, ref=imported.name)
