"""Shared fixtures. `busybox_image`: a runnable base image in a store, made from Debian's
busybox-static, for every test that needs something to build FROM."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import NamedTuple

import pytest

from dfc.cache.store import Store
from dfc.runtime.importers import import_rootfs

BUSYBOX = Path("/bin/busybox")
ROOTFS_SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "busybox" / "rootfs.sh"
BUSYBOX_EPOCH = 1_700_000_000


class BusyboxImage(NamedTuple):
    """A store holding a busybox image, and the name it is tagged with there."""

    store: Store
    ref: str


def make_busybox_rootfs(root: Path) -> None:
    """The busybox tree of examples/busybox/rootfs.sh (one recipe for tests, demo, bench)."""
    subprocess.run(["bash", str(ROOTFS_SCRIPT), str(root)], check=True)


@pytest.fixture(scope="session")
def busybox_image(tmp_path_factory: pytest.TempPathFactory) -> BusyboxImage:
    """`docker.io/library/busybox:latest` in a session-wide store (do not move its tag)."""
    if not BUSYBOX.exists():  # scripts/setup.sh installs it: its absence is a failure
        pytest.fail("needs Debian's busybox-static at /bin/busybox (run scripts/setup.sh)")
    work = tmp_path_factory.mktemp("busybox")
    make_busybox_rootfs(work / "rootfs")
    with tarfile.open(work / "rootfs.tar", "w") as tar:
        tar.add(work / "rootfs", arcname=".")
    store = Store(work / "store")
    imported = import_rootfs(store, work / "rootfs.tar", "busybox:latest", epoch=BUSYBOX_EPOCH)
    assert imported.name is not None
    return BusyboxImage(store=store, ref=imported.name)


def busybox_store_copy(busybox_image: BusyboxImage, root: Path) -> Store:
    """A new store at `root` holding only the busybox image."""
    shutil.copytree(busybox_image.store.root, root, symlinks=True,
                    ignore=shutil.ignore_patterns("snapshots", "tmp", "keys"))
    return Store(root)


@pytest.fixture
def fresh_store(busybox_image: BusyboxImage, tmp_path: Path) -> Store:
    """A private store that starts with only the busybox image (copied, so cache state and
    tags of one test never leak into another)."""
    return busybox_store_copy(busybox_image, tmp_path / "store")


@pytest.fixture
def second_store(busybox_image: BusyboxImage, tmp_path: Path) -> Store:
    """Another private busybox store: a second machine."""
    return busybox_store_copy(busybox_image, tmp_path / "store2")


@pytest.fixture(scope="session")
def dfc_cmd() -> list[str]:
    """The installed `dfc` console script of the interpreter running the tests."""
    script = Path(sys.executable).parent / "dfc"
    assert script.exists(), "install the package (scripts/setup.sh) before running tests"
    return [str(script)]
